"""Both rate-limiter storages: in-process, and Redis shared between processes."""

from __future__ import annotations

import os
import uuid

import pytest

from herald.kit.errors import RateLimited
from herald.kit.ratelimit import MemoryRateLimiter, RedisRateLimiter

REDIS_URL = os.environ.get("HERALD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


async def test_memory_limiter_sixth_hit_refused() -> None:
    limiter = MemoryRateLimiter()
    for _ in range(5):
        await limiter.hit("ip:1", 5, 3600)
    with pytest.raises(RateLimited) as info:
        await limiter.hit("ip:1", 5, 3600)
    assert 3500 < info.value.retry_after <= 3600
    await limiter.hit("ip:2", 5, 3600)  # other keys are independent


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
async def test_redis_limiter_is_shared_between_instances() -> None:
    key = f"test:{uuid.uuid4()}"
    a, b = RedisRateLimiter(REDIS_URL), RedisRateLimiter(REDIS_URL)
    try:
        for i in range(5):
            await (a if i % 2 else b).hit(key, 5, 3600)
        with pytest.raises(RateLimited):
            await a.hit(key, 5, 3600)
        with pytest.raises(RateLimited):
            await b.hit(key, 5, 3600)
    finally:
        await a.close()
        await b.close()
