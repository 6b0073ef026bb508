"""Fixed-budget sliding-window rate limiting, in-process or shared through Redis."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from typing import Protocol

from herald.kit.errors import RateLimited


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> None:
        """Count one event for ``key``; raise :class:`RateLimited` past ``limit`` per window."""


class MemoryRateLimiter:
    """Exact sliding window per key, for one process. Old keys are swept as they are touched."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._events: dict[str, deque[float]] = {}
        self._lock = asyncio.Lock()
        self._max_keys = max_keys

    async def hit(self, key: str, limit: int, window_seconds: int) -> None:
        now = time.monotonic()
        async with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - window_seconds:
                events.popleft()
            if len(events) >= limit:
                retry = math.ceil(events[0] + window_seconds - now)
                raise RateLimited("too many requests", retry_after=max(retry, 1))
            events.append(now)
            if len(self._events) > self._max_keys:
                self._sweep(now, window_seconds)

    def _sweep(self, now: float, window_seconds: int) -> None:
        for key in [k for k, v in self._events.items() if not v or v[-1] <= now - window_seconds]:
            del self._events[key]


class RedisRateLimiter:
    """Sliding window in a Redis sorted set, shared by every web process."""

    _SCRIPT = """
    local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]),
        tonumber(ARGV[3]), ARGV[4]
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    local count = redis.call('ZCARD', key)
    if count >= limit then
        local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
        return {0, tostring(oldest[2])}
    end
    redis.call('ZADD', key, now, member)
    redis.call('EXPIRE', key, math.ceil(window))
    return {1, '0'}
    """

    def __init__(self, url: str, prefix: str = "herald:rl:") -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url)
        self._prefix = prefix
        self._script = self._redis.register_script(self._SCRIPT)
        self._counter = 0

    async def hit(self, key: str, limit: int, window_seconds: int) -> None:
        now = time.time()
        self._counter += 1
        member = f"{now:.6f}:{id(self)}:{self._counter}"
        allowed, oldest = await self._script(
            keys=[self._prefix + key], args=[now, window_seconds, limit, member]
        )
        if not int(allowed):
            retry = math.ceil(float(oldest) + window_seconds - now)
            raise RateLimited("too many requests", retry_after=max(retry, 1))

    async def close(self) -> None:
        await self._redis.aclose()
