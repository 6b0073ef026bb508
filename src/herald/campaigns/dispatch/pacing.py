"""Smooth pacing for ``throttle_per_hour``: a token bucket with a small burst.

Tokens accrue continuously at ``per_hour / 3600`` per second; the bucket holds at most
``burst`` tokens (default: one second's worth, at least 1), so a send never bunches more than
about one second of allowance together. Time is passed in (seconds, monotonic) so tests and
simulations can drive it with an injected clock.
"""

from __future__ import annotations


class TokenBucket:
    def __init__(self, per_hour: int, now: float, burst: float | None = None) -> None:
        if per_hour <= 0:
            raise ValueError("per_hour must be positive")
        self.rate = per_hour / 3600.0
        self.capacity = max(1.0, burst if burst is not None else self.rate)
        self.tokens = 1.0
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def take(self, now: float, n: int = 1) -> int:
        """Take up to ``n`` whole tokens; return how many were granted."""
        self._refill(now)
        granted = min(n, int(self.tokens))
        self.tokens -= granted
        return granted

    def wait_time(self, now: float) -> float:
        """Seconds until at least one token is available."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate
