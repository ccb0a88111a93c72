"""The provider rate limit: sends spaced evenly, main contacts first, a bounded wait."""

from __future__ import annotations

import asyncio

import pytest

from workers.rate_limit import MemorySlots, SlotRateLimiter

# Alone: they time sends by the event loop's clock (spacing, sends per second, waits); a loop
# starved by neighbours wakes late and bunches them.
pytestmark = pytest.mark.alone


def _limiter(rate: int, **max_wait_s: float) -> SlotRateLimiter:
    waits = {0: 10.0, 1: 10.0} | {int(k[1:]): v for k, v in max_wait_s.items()}
    return SlotRateLimiter(MemorySlots(), per_second={"sms": rate}, max_wait_s=waits)


async def _timed(limiter: SlotRateLimiter, priority: int, log: list[tuple[float, int]]) -> bool:
    allowed = await limiter.acquire("sms", priority)
    log.append((asyncio.get_running_loop().time(), priority))
    return allowed


async def test_sends_are_spaced_at_the_rate_not_bunched_in_a_window() -> None:
    limiter = _limiter(20)
    log: list[tuple[float, int]] = []
    started = asyncio.get_running_loop().time()
    # Given 12 sends asking at once at 20 a second,
    assert all(await asyncio.gather(*(_timed(limiter, 1, log) for _ in range(12))))
    # the n-th goes no sooner than n slots (50 ms each) after they asked, so no second ever
    # holds more than 20 (a late wake-up may only spread them further).
    times = [t - started for t, _ in log]
    assert all(t >= n * 0.05 - 0.003 for n, t in enumerate(times)), times


async def test_main_contacts_take_the_next_slots_before_waiting_others() -> None:
    limiter = _limiter(20)
    log: list[tuple[float, int]] = []
    # Given 30 ordinary sends waiting (1.5 s of slots),
    others = [asyncio.create_task(_timed(limiter, 1, log)) for _ in range(30)]
    await asyncio.sleep(0.2)
    # when 6 main contacts' sends arrive,
    firsts = [asyncio.create_task(_timed(limiter, 0, log)) for _ in range(6)]
    await asyncio.gather(*others, *firsts)
    # they go before all but the ordinary sends already booked (at most 0.2 s + 0.5 s ahead).
    order = [priority for _, priority in log]
    last_first = max(i for i, p in enumerate(order) if p == 0)
    assert order[:last_first].count(1) <= 15, order
    assert order.count(1) == 30


async def test_a_send_that_cannot_have_a_slot_in_its_wait_is_refused_at_once() -> None:
    limiter = _limiter(1, p1=0.3)
    loop = asyncio.get_running_loop()
    assert await limiter.acquire("sms", 1)
    started = loop.time()
    # The next slot is a second away, past this priority's wait: refused without waiting.
    assert not await limiter.acquire("sms", 1)
    assert loop.time() - started < 0.1
    # A main contact may wait for it.
    assert await limiter.acquire("sms", 0)
    assert loop.time() - started >= 0.9


async def test_a_key_without_a_limit_is_not_held() -> None:
    limiter = _limiter(1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert all(await asyncio.gather(*(limiter.acquire("email", 1) for _ in range(50))))
    assert loop.time() - started < 0.1


async def test_a_send_waiting_for_its_turn_gives_up_when_its_wait_ends() -> None:
    limiter = _limiter(2, p0=10.0, p1=0.7)
    # A main contact holds the next slots (4 of them: 2 s at 2 a second),
    firsts = [asyncio.create_task(limiter.acquire("sms", 0)) for _ in range(4)]
    await asyncio.sleep(0.05)
    # so an ordinary send that may wait 0.7 s is refused, and the main contacts all go.
    assert not await limiter.acquire("sms", 1)
    assert all(await asyncio.gather(*firsts))


def most_in_a_sliding_second(sends: list[tuple[float, int]]) -> int:
    """The most segments any one second (from one send's time on) holds."""
    return max(sum(c for u, c in sends if t <= u < t + 1.0) for t, _ in sends)


async def test_three_segment_messages_never_put_more_segments_in_a_second_than_the_rate() -> None:
    limiter = SlotRateLimiter(MemorySlots(), per_second={"sms:a": 10}, max_wait_s={0: 30, 1: 30})
    loop = asyncio.get_running_loop()
    sends: list[tuple[float, int]] = []

    async def send(cost: int) -> None:
        assert await limiter.acquire("sms:a", 1, cost)
        sends.append((loop.time(), cost))

    # Given 12 Arabic alerts of three UCS-2 segments each, at 10 segments a second,
    await asyncio.gather(*(send(3) for _ in range(12)))
    # no second holds more than 10 segments: three messages, not the four that even spacing
    # of 0.3 s would let through,
    assert most_in_a_sliding_second(sends) <= 10, sends
    # and the 36 segments take about 3.6 s to hand over, not the 1.2 s of one slot each.
    assert sends[-1][0] - sends[0][0] >= 3.0


async def test_segments_are_counted_per_provider() -> None:
    limiter = SlotRateLimiter(
        MemorySlots(), per_second={"sms:a": 10, "sms:b": 10}, max_wait_s={0: 30, 1: 30}
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    # Two providers of 10 segments a second each take 2-segment messages side by side.
    await asyncio.gather(*(limiter.acquire(f"sms:{p}", 1, 2) for p in "ab" for _ in range(5)))
    assert loop.time() - started < 1.0


async def test_a_message_longer_than_a_second_of_capacity_still_goes() -> None:
    limiter = SlotRateLimiter(MemorySlots(), per_second={"sms:a": 2}, max_wait_s={0: 10, 1: 10})
    # 5 segments at 2 a second: it fills a whole second on its own rather than never fitting.
    assert await limiter.acquire("sms:a", 1, 5)
    assert await limiter.acquire("sms:a", 1, 5)


async def test_a_stopping_worker_hands_back_sends_waiting_for_a_slot_at_once() -> None:
    limiter = SlotRateLimiter(MemorySlots(), per_second={"sms:a": 1})
    loop = asyncio.get_running_loop()
    # Given main contacts queued for one slot a second, the last of them up to a minute away,
    waiting = [asyncio.create_task(limiter.acquire("sms:a", 0)) for _ in range(60)]
    await asyncio.sleep(0.2)
    started = loop.time()
    # when the worker is told to stop, every send still waiting gives up within a poll, and
    # the ones that had booked a slot (at most the 5 s a main contact books ahead) go on it,
    limiter.stop()
    results = await asyncio.wait_for(asyncio.gather(*waiting), timeout=10.0)
    assert loop.time() - started < 6.0
    # so the rest go back to the queue, not 60 s later.
    assert 0 < results.count(False) < 60, results
    assert not await limiter.acquire("sms:a", 0)


async def test_a_stopping_worker_still_sends_what_the_capacity_takes_at_once() -> None:
    limiter = SlotRateLimiter(MemorySlots(), per_second={"sms:a": 100})
    # Given a worker told to stop while its claimed batch had not yet asked for slots,
    limiter.stop()
    # when the batch asks, the sends whose slots are at hand go (the batch is finished, not
    # handed back for another worker to start again),
    granted = await asyncio.gather(*(limiter.acquire("sms:a", 1) for _ in range(40)))
    assert all(granted)
    # and a send that would have to wait past the next half second is handed back.
    later = await asyncio.gather(*(limiter.acquire("sms:a", 1) for _ in range(80)))
    assert 0 < later.count(False) < 80, later
