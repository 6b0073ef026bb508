"""An injectable clock so time-dependent rules (expiry, quiet hours, throttles) are testable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock tests can set and advance."""

    def __init__(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, **kwargs: float) -> None:
        self._at += timedelta(**kwargs)

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)


_clock: Clock = Clock()


def now() -> datetime:
    return _clock.now()


def use_clock(clock: Clock) -> Clock:
    """Install ``clock`` process-wide and return the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous


class ShiftedClock(Clock):
    """Real time that runs on from a chosen instant (and can jump ahead): pacing still sees
    time pass while time-of-day rules see the chosen hour."""

    def __init__(self, at: datetime) -> None:
        self._offset = at.astimezone(UTC) - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, **kwargs: float) -> None:
        self._offset += timedelta(**kwargs)
