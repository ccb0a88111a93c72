"""The per-address request count is shared by every API process through Redis."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from dispatch.security.throttle import RedisCounter

pytestmark = pytest.mark.redis


async def test_two_processes_count_one_window_that_expires(redis_url: str) -> None:
    one, two = RedisCounter(redis_url), RedisCounter(redis_url)
    try:
        counts = [await one.hit("dispatch-rate:x:1", 120), await two.hit("dispatch-rate:x:1", 120)]
        counts.append(await one.hit("dispatch-rate:x:1", 30))  # NX: the first lifetime stays
        assert counts == [1, 2, 3]
        ttl = await Redis.from_url(redis_url).ttl("dispatch-rate:x:1")
        assert 110 < ttl <= 120
    finally:
        await one.close()
        await two.close()
