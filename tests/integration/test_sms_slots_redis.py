"""The SMS rate limit is one sequence of slots in Redis, shared by every worker process."""

from __future__ import annotations

import asyncio

import pytest

from workers.rate_limit import RedisSlots, SlotRateLimiter

# Alone: they count sends per second by the clock; a starved event loop bunches them.
pytestmark = [pytest.mark.redis, pytest.mark.alone]


async def _acquire(limiter: SlotRateLimiter, priority: int, log: list[tuple[float, int]]) -> None:
    assert await limiter.acquire("sms", priority)
    log.append((asyncio.get_running_loop().time(), priority))


async def test_two_processes_share_the_slots_and_main_contacts_go_first(redis_url: str) -> None:
    # Two limiters stand for two worker processes: one has ordinary sends, the other main
    # contacts' sends, all under 20 SMS a second.
    waits = {0: 10.0, 1: 10.0}
    ordinary = SlotRateLimiter(RedisSlots(redis_url), per_second={"sms": 20}, max_wait_s=waits)
    first = SlotRateLimiter(RedisSlots(redis_url), per_second={"sms": 20}, max_wait_s=waits)
    log: list[tuple[float, int]] = []
    try:
        others = [asyncio.create_task(_acquire(ordinary, 1, log)) for _ in range(30)]
        await asyncio.sleep(0.2)
        firsts = [asyncio.create_task(_acquire(first, 0, log)) for _ in range(8)]
        await asyncio.gather(*others, *firsts)
    finally:
        await ordinary.close()
        await first.close()
    # Across both, the n-th send went no sooner than n slots after the first,
    times = [t - log[0][0] for t, _ in log]
    assert all(t >= n * 0.05 - 0.005 for n, t in enumerate(times)), times
    # and the main contacts went before every ordinary send not already booked.
    order = [priority for _, priority in log]
    last_first = max(i for i, p in enumerate(order) if p == 0)
    assert order[:last_first].count(1) <= 15, order


async def test_two_processes_never_put_more_segments_in_a_second_than_the_rate(
    redis_url: str,
) -> None:
    # Two worker processes send 3-segment messages through one provider of 10 segments a second.
    waits = {0: 30.0, 1: 30.0}
    one = SlotRateLimiter(RedisSlots(redis_url), per_second={"sms:a": 10}, max_wait_s=waits)
    two = SlotRateLimiter(RedisSlots(redis_url), per_second={"sms:a": 10}, max_wait_s=waits)
    loop = asyncio.get_running_loop()
    sends: list[tuple[float, int]] = []

    async def send(limiter: SlotRateLimiter) -> None:
        assert await limiter.acquire("sms:a", 1, 3)
        sends.append((loop.time(), 3))

    try:
        await asyncio.gather(*(send(limiter) for limiter in (one, two) for _ in range(6)))
    finally:
        await one.close()
        await two.close()
    most = max(sum(c for u, c in sends if t <= u < t + 1.0) for t, _ in sends)
    assert most <= 10, sorted(sends)
    assert max(t for t, _ in sends) - min(t for t, _ in sends) >= 3.0
