"""The per-address rate limit and the guess throttle of the public endpoints."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware

from dispatch.security.throttle import (
    BLOCK,
    NUMBERS_STATE_KEY,
    GuessThrottle,
    MemoryCounter,
    PublicRateLimit,
    WindowNumbers,
)


@get("/ping", sync_to_thread=False)
def ping() -> str:
    return "pong"


def _app(limit: int) -> Litestar:
    limiter = DefineMiddleware(PublicRateLimit, secret="test-secret")
    numbers = WindowNumbers(MemoryCounter(), limit=limit)
    return Litestar([ping], middleware=[limiter], state=State({NUMBERS_STATE_KEY: numbers}))


async def test_an_address_gets_its_limit_per_minute_then_429_with_retry_after() -> None:
    transport = httpx.ASGITransport(app=_app(5), client=("192.0.2.7", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert [(await client.get("/ping")).status_code for _ in range(5)] == [200] * 5
        refused = await client.get("/ping")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert "try again in a minute" in refused.json()["detail"]


async def test_addresses_are_counted_apart() -> None:
    app = _app(2)
    for address in ("192.0.2.7", "192.0.2.8"):
        transport = httpx.ASGITransport(app=app, client=(address, 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert [(await client.get("/ping")).status_code for _ in range(3)] == [200, 200, 429]


async def test_memory_counter_starts_a_new_window_when_the_old_one_ends() -> None:
    counter = MemoryCounter()
    assert [await counter.hit("k", 60) for _ in range(3)] == [1, 2, 3]
    counter.counts["k"] = (3, 0.0)  # the window has ended
    assert await counter.hit("k", 60) == 1


async def test_memory_counter_reads_a_count_until_its_window_ends() -> None:
    counter = MemoryCounter()
    assert await counter.count("k") == 0
    await counter.hit("k", 60)
    await counter.hit("k", 60)
    assert await counter.count("k") == 2
    counter.counts["k"] = (2, 0.0)
    assert await counter.count("k") == 0


@pytest.mark.parametrize(("failures", "over"), [(20, False), (21, True)])
async def test_the_failure_past_the_limit_is_the_first_refused(failures: int, over: bool) -> None:
    throttle = GuessThrottle(MemoryCounter(), secret="s")
    answers = [await throttle.failed("192.0.2.7", "ack") for _ in range(failures)]
    assert answers[-1] is over
    assert not any(answers[:20])
    # Another address and another kind of link keep their own counts.
    assert not await throttle.failed("192.0.2.8", "ack")
    assert not await throttle.failed("192.0.2.7", "confirm")


class _Counting(MemoryCounter):
    """A shared count that also counts its round trips."""

    def __init__(self) -> None:
        super().__init__()
        self.trips = 0

    async def hit(self, key: str, expires_in: int, amount: int = 1) -> int:
        self.trips += 1
        return await super().hit(key, expires_in, amount)


async def test_numbers_far_below_the_limit_cost_one_round_trip_a_block() -> None:
    shared = _Counting()
    numbers = WindowNumbers(shared, limit=60_000)
    taken = [await numbers.take("dispatch-rate:a:1") for _ in range(1_000)]
    assert taken == list(range(1, 1_001))
    assert shared.trips == -(-1_000 // BLOCK)


async def test_two_processes_never_let_an_address_past_its_limit_and_refuse_few_early() -> None:
    shared = _Counting()
    one, two = (WindowNumbers(shared, limit=1_000) for _ in range(2))
    # Two processes answer one address's requests in turn, 1,200 in one minute:
    taken = [await (one if i % 2 else two).take("dispatch-rate:a:1") for i in range(1_200)]
    # no number is handed out twice,
    assert len(set(taken)) == len(taken)
    # no more than the limit get a number within it, and the unused ends of the blocks each
    # process held cost the address only a few requests.
    accepted = sum(n <= 1_000 for n in taken)
    assert 1_000 - 8 <= accepted <= 1_000, accepted
    assert shared.trips < 200
