"""The provider rate limit, shared by every worker process: sends are booked on evenly spaced
slots (a generic cell rate algorithm kept in Redis), and a send waits for its slot.

Capacity is counted in what the provider counts: an SMS of three segments books three
segments' worth of time (``cost``), and no sliding second holds more segments than the rate
(a booking that would put more in the second before it waits until enough have left it).

Why slots, not windows: a provider such as Twilio counts a sliding second when each request
arrives. Dramatiq's fixed windows let one window's tail and the next one's head through
together, twice the rate, and the provider refused the excess with 429 (260 refusals in the
main-contacts benchmark of stop 15). Slots ``1/rate`` apart never bunch up.

Why wait, not refuse: a refused send went back to the queue behind everything else, so a main
contact waited for the whole backlog. Priority is how far ahead a send may book: a main contact
(priority 0) books up to ``FIRST_HORIZON_S`` ahead, the others only ``REST_HORIZON_S``. While
main contacts are waiting, the next free slot stays further ahead than the others may book, so
they get none until the main contacts are through. Inside one process, one send at a time asks
Redis, the best priority first, so a thousand waiting sends cost about one Redis call per slot.

A send waits at most ``max_wait_s`` for its priority, well under the sweeper's
``sending_timeout_seconds``; past that it is refused and its row goes back to the queue.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections import deque
from typing import Protocol

import redis.asyncio as aioredis

FIRST_HORIZON_S = 5.0
"""How far ahead a main contact's send (priority 0) may book a slot."""
REST_HORIZON_S = 0.5
"""How far ahead any other send may book a slot."""
MAX_WAIT_S = {0: 180.0, 1: 5.0}
"""How long a send of each priority waits for a slot before its row goes back to the queue.

A main contact's row that gives up goes to the back of the queue, behind every ordinary batch,
and while it is away the ordinary sends take the slots it would have held: with a 60 s wait,
450 main contacts of two segments at 10 a second (90 s of capacity) lost their place after
the 300th, and 5 to 32 ordinary SMS went before the last of them. 180 s holds 900 two-segment
main contacts at 10 segments a second; it stays under the batch's 300 s time limit and the
330 s a deployment gives a stopping worker, and a stopping worker hands back at once the sends
whose slot is not at hand (``SlotRateLimiter.stop``). The lease a worker renews keeps the
sweeper off rows that wait (decision 0014)."""
POLL_S = 0.05
"""How often a send that may not book yet asks again (and yields to a better one)."""

_BOOK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local horizon = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local capacity = tonumber(ARGV[4])
local window = 1000000
local margin = tonumber(ARGV[5])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - window))
local booked = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. (tat - window), '+inf', 'WITHSCORES')
local used = 0
for i = 1, #booked, 2 do used = used + tonumber(string.match(booked[i], ':(%d+):')) end
if used + cost > capacity then
  local dropped = 0
  for i = 1, #booked, 2 do
    dropped = dropped + tonumber(string.match(booked[i], ':(%d+):'))
    if used - dropped + cost <= capacity then
      local free = tonumber(booked[i + 1]) + window + margin
      if free > tat then tat = free end
      break
    end
  end
end
if tat - now > horizon then
  return {0, tat - now - horizon}
end
local n = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], tat, tat .. ':' .. cost .. ':' .. n)
local expire_ms = math.ceil((tat + interval - now) / 1000) + 2000
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', expire_ms)
redis.call('PEXPIRE', KEYS[2], expire_ms)
redis.call('PEXPIRE', KEYS[3], expire_ms)
return {1, tat - now}
"""

WINDOW_S = 1.0
"""The sliding second providers count in."""
MARGIN_S = 0.02
"""Kept free between a second's first send and the one that takes its place: a send that
wakes a few milliseconds late must not share a provider's second with its successor."""


class SlotStore(Protocol):
    """Where the next free slot of each key is kept, and what the last second holds."""

    async def book(
        self, key: str, interval_s: float, horizon_s: float, cost: int = 1, capacity: int = 0
    ) -> tuple[bool, float]:
        """Book the next slot for ``cost`` units if it is at most ``horizon_s`` away, such that
        no sliding second holds more than ``capacity`` units (0: no such limit): ``(True,
        seconds until it)``; else ``(False, seconds until this horizon would reach it)``."""
        ...

    async def close(self) -> None: ...


class MemorySlots:
    """Slots in this process (the embedded mode, unit tests)."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}
        self._booked: dict[str, deque[tuple[float, int]]] = {}

    async def book(
        self, key: str, interval_s: float, horizon_s: float, cost: int = 1, capacity: int = 0
    ) -> tuple[bool, float]:
        now = asyncio.get_running_loop().time()  # the clock the limiter's waits are on
        slot = max(now, self._next.get(key, 0.0))
        booked = self._booked.setdefault(key, deque())
        while booked and booked[0][0] < now - WINDOW_S:
            booked.popleft()
        if capacity:
            inside = [(t, c) for t, c in booked if t > slot - WINDOW_S]
            used = sum(c for _, c in inside)
            for t, c in inside:
                if used + cost <= capacity:
                    break
                used -= c
                slot = max(slot, t + WINDOW_S + MARGIN_S)
        if slot - now > horizon_s:
            return False, slot - now - horizon_s
        self._next[key] = slot + interval_s
        booked.append((slot, cost))
        return True, slot - now

    async def close(self) -> None:
        return None


class RedisSlots:
    """Slots in Redis, shared by every worker on every host; Redis's clock decides."""

    def __init__(self, url: str, *, prefix: str = "dispatch-slots") -> None:
        self._redis = aioredis.Redis.from_url(url)
        self._script = self._redis.register_script(_BOOK)
        self.prefix = prefix

    async def book(
        self, key: str, interval_s: float, horizon_s: float, cost: int = 1, capacity: int = 0
    ) -> tuple[bool, float]:
        base = f"{self.prefix}-{key}"
        booked, micros = await self._script(
            keys=[base, f"{base}-second", f"{base}-n"],
            args=[
                max(1, round(interval_s * 1e6)),
                round(horizon_s * 1e6),
                cost,
                capacity or 2**52,
                round(MARGIN_S * 1e6),
            ],
        )
        return bool(booked), int(micros) / 1e6

    async def close(self) -> None:
        await self._redis.aclose()


class _Turns:
    """One send at a time asks the store, the lowest priority number first, then the oldest."""

    def __init__(self) -> None:
        self._held = False
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def take(self, priority: int, within_s: float) -> bool:
        """Wait for the turn at most ``within_s`` seconds; whether it was had."""
        if not self._held and not self._waiting:
            self._held = True
            return True
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), handed))
        try:
            async with asyncio.timeout(max(0.0, within_s)):
                await handed
            return True
        except TimeoutError:
            if handed.done() and not handed.cancelled():
                self.release()  # handed over as time ran out: pass it on
            return False

    def release(self) -> None:
        while self._waiting:
            _, _, handed = heapq.heappop(self._waiting)
            if not handed.done():
                handed.set_result(None)
                return
        self._held = False

    def wake_all(self) -> None:
        """Hand the turn to every waiting send at once (the process is stopping: each finds
        that out and gives up)."""
        while self._waiting:
            _, _, handed = heapq.heappop(self._waiting)
            if not handed.done():
                handed.set_result(None)

    def better_waiting(self, priority: int) -> bool:
        while self._waiting and self._waiting[0][2].done():
            heapq.heappop(self._waiting)
        return bool(self._waiting) and self._waiting[0][0] < priority


class SlotRateLimiter:
    """The core's ``RateLimiter`` port: at most ``per_second[key]`` units (segments) a second
    under ``key``, evenly spaced and never more in a sliding second, across every process that
    shares the store."""

    def __init__(
        self,
        store: SlotStore,
        *,
        per_second: dict[str, float],
        max_wait_s: dict[int, float] | None = None,
    ) -> None:
        self.store = store
        self.per_second = per_second
        self.max_wait_s = max_wait_s or MAX_WAIT_S
        self._turns: dict[str, _Turns] = {}
        self.stopping = False

    def stop(self) -> None:
        """The process is stopping: a send whose slot is at hand (``REST_HORIZON_S``) still goes,
        so a claimed batch the capacity can take is finished; a send that would have to wait
        gives up now (its row goes back to the queue for another worker) instead of holding
        the shutdown for up to its wait. Call it in the limiter's event loop."""
        self.stopping = True
        for turns in self._turns.values():
            turns.wake_all()

    async def acquire(self, key: str, priority: int = 1, cost: int = 1) -> bool:
        rate = self.per_second.get(key)
        if not rate:
            return True
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.max_wait_s.get(priority, self.max_wait_s[max(self.max_wait_s)])
        horizon = FIRST_HORIZON_S if priority == 0 else REST_HORIZON_S
        turns = self._turns.setdefault(key, _Turns())
        while True:
            if self.stopping:
                return await self._book_at_hand(key, rate, cost)
            if not await turns.take(priority, give_up - loop.time()):
                return False
            try:
                booked, wait_s = await self._book(
                    turns, key, rate, priority, horizon, give_up, cost
                )
            finally:
                turns.release()
            if booked:
                await asyncio.sleep(wait_s)
                return True
            if wait_s == math.inf:
                return False
            # A better send came: it goes first, and this one queues for the turn again.

    async def _book(
        self,
        turns: _Turns,
        key: str,
        rate: float,
        priority: int,
        horizon: float,
        give_up: float,
        cost: int,
    ) -> tuple[bool, float]:
        """Book a slot while holding the turn: ``(True, wait)`` once booked, ``(False, inf)``
        when the wait runs out, ``(False, 0)`` when a better send is waiting for the turn."""
        loop = asyncio.get_running_loop()
        capacity, cost = _capacity(rate, cost)
        while True:
            if self.stopping:
                return False, 0.0  # asked again as a stopping process asks
            booked, wait_s = await self.store.book(key, cost / rate, horizon, cost, capacity)
            if booked:
                return True, wait_s
            if loop.time() + wait_s > give_up:
                return False, math.inf
            await asyncio.sleep(min(wait_s, POLL_S))
            if turns.better_waiting(priority):
                return False, 0.0

    async def _book_at_hand(self, key: str, rate: float, cost: int) -> bool:
        """A stopping process's one try: a slot within ``REST_HORIZON_S`` or none."""
        capacity, cost = _capacity(rate, cost)
        booked, wait_s = await self.store.book(key, cost / rate, REST_HORIZON_S, cost, capacity)
        if booked:
            await asyncio.sleep(wait_s)
        return booked

    async def close(self) -> None:
        await self.store.close()


def _capacity(rate: float, cost: int) -> tuple[int, int]:
    """A sliding second's capacity in units, and ``cost`` within it: a message longer than a
    second's capacity fills a whole second, no more."""
    capacity = max(1, math.floor(rate * WINDOW_S))
    return capacity, min(cost, capacity)


def build_limiter(broker_url: str, *, per_second: dict[str, float]) -> SlotRateLimiter:
    """Slots in Redis for a Redis broker, in memory for the embedded one."""
    store: SlotStore = MemorySlots() if broker_url == "embedded" else RedisSlots(broker_url)
    return SlotRateLimiter(store, per_second=per_second)
