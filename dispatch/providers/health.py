"""What every worker sees of each SMS provider, counted per second and shared: sends it took,
sends it failed (errors, timeouts, refusals to slow down), the segments handed over, and its
last failure. Redis holds the counts for every process; in the embedded mode, this process.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis

EVENTS = ("sent", "failed", "segments")
KEEP_S = 120
"""Seconds of counts kept (the longest window read is a minute)."""


class HealthCounters(Protocol):
    """Per-second counts of what happened to each provider's sends."""

    async def add(self, provider: str, counts: dict[str, int], error: str | None = None) -> None:
        """Count events now (``{"sent": 1, "segments": 3}``); ``error`` is the reason of a
        failure, kept as the provider's last."""
        ...

    async def window(self, provider: str, seconds: int) -> dict[str, int]:
        """The counts of the last ``seconds`` (every event in ``EVENTS``)."""
        ...

    async def last_error(self, provider: str) -> str | None:
        """The reason of the provider's last failure, if it was within ``KEEP_S``."""
        ...

    async def close(self) -> None: ...


class MemoryCounters:
    """Counts kept in this process."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
        self._errors: dict[str, tuple[float, str]] = {}

    def _now(self) -> float:
        return self._clock()

    async def add(self, provider: str, counts: dict[str, int], error: str | None = None) -> None:
        now = self._now()
        second = int(now)
        for event, n in counts.items():
            buckets = self._counts[(provider, event)]
            buckets[second] = buckets.get(second, 0) + n
            for old in [s for s in buckets if s < second - KEEP_S]:
                del buckets[old]
        if error is not None:
            self._errors[provider] = (now, error)

    async def window(self, provider: str, seconds: int) -> dict[str, int]:
        since = int(self._now()) - seconds
        return {
            event: sum(n for s, n in self._counts[(provider, event)].items() if s > since)
            for event in EVENTS
        }

    async def last_error(self, provider: str) -> str | None:
        found = self._errors.get(provider)
        if found is None or found[0] < self._now() - KEEP_S:
            return None
        return found[1]

    async def close(self) -> None:
        return None


class RedisCounters:
    """Counts in Redis, one key per provider, event and second, expiring after ``KEEP_S``."""

    def __init__(self, url: str, *, prefix: str = "dispatch-sms-health") -> None:
        # Every send of every batch counts here at once: callers wait for a connection (up to
        # 5 s) rather than fail with "Too many connections".
        self._pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=64, timeout=5)
        self._redis = aioredis.Redis(connection_pool=self._pool)
        self.prefix = prefix

    def _key(self, provider: str, event: str, second: int) -> str:
        return f"{self.prefix}:{provider}:{event}:{second}"

    async def add(self, provider: str, counts: dict[str, int], error: str | None = None) -> None:
        second = int(time.time())
        async with self._redis.pipeline(transaction=False) as pipe:
            for event, n in counts.items():
                key = self._key(provider, event, second)
                pipe.incrby(key, n)
                pipe.expire(key, KEEP_S)
            if error is not None:
                pipe.set(f"{self.prefix}:{provider}:last-error", error[:300], ex=KEEP_S)
            await pipe.execute()

    async def window(self, provider: str, seconds: int) -> dict[str, int]:
        now = int(time.time())
        seconds_back = range(now - seconds + 1, now + 1)
        keys = [self._key(provider, e, s) for e in EVENTS for s in seconds_back]
        values = await self._redis.mget(keys)
        sums = dict.fromkeys(EVENTS, 0)
        for index, value in enumerate(values):
            if value is not None:
                sums[EVENTS[index // len(seconds_back)]] += int(value)
        return sums

    async def last_error(self, provider: str) -> str | None:
        value = await self._redis.get(f"{self.prefix}:{provider}:last-error")
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    async def close(self) -> None:
        await self._redis.aclose()
        await self._pool.disconnect()


def build_counters(broker_url: str, *, scope: str) -> HealthCounters:
    """Counts in Redis for a Redis broker; for the embedded one, in this process, shared by
    the API and the worker threads of one database (``scope``)."""
    if broker_url.startswith("redis"):
        return RedisCounters(broker_url)
    return _IN_PROCESS.setdefault(scope, MemoryCounters())


_IN_PROCESS: dict[str, MemoryCounters] = {}
