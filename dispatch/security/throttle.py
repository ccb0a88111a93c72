"""Throttling the public endpoints (``/ack/*``, ``/webhooks/*``).

Two layers, both shared between processes (Redis in production, memory in the embedded mode):

- ``PublicRateLimit`` caps requests per client address and minute, high enough for a reply
  storm from Twilio or a thousand members confirming at once. It is a fixed-window counter
  whose numbers each process takes from Redis in blocks (``INCRBY`` and ``EXPIRE`` in one
  ``MULTI``), up to ``BLOCK`` at a time while the address is far below its limit and one at a
  time as it nears it: a request costs a Redis round trip only once per block, and the limit
  still holds across processes (a process's unused numbers count as used, so an address may
  be refused a few requests early, never late). Litestar's own
  ``RateLimitMiddleware``, used before, kept every request's timestamp of the last minute in
  one JSON value that each request decoded, extended and wrote back under a process-wide lock:
  at 1,000 requests a minute that is 1,000 numbers per request, and the benchmark found it
  taking a fifth of the acknowledgement endpoint's time (docs/performance.md);
- ``GuessThrottle`` counts *failed* attempts — unknown link tokens, bad webhook signatures —
  per client and answers 429 instead of 404/403 once there are too many. The token or signature
  is checked first and only a failure is counted, so a genuine link or a provider's genuine
  callback is always served, whatever others have failed from the same address (behind a
  proxy, the address is the one in ``X-Forwarded-For`` only when the proxy is in
  ``DISPATCH_TRUSTED_PROXIES``: ``dispatch serve`` tells uvicorn). Each refusal is logged with a
  keyed hash of the address, not the address itself.

Every count is one atomic ``INCR`` with its expiry set in the same ``MULTI`` (Redis), so
processes counting at once never lose a failure, and a key never outlives its window.
Sign-in has limits of its own, per address and per account (``dispatch.security.signin``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Protocol

import structlog
from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.types import ASGIApp, Receive, Scope, Send
from redis.asyncio import Redis

from dispatch.settings import Settings

NUMBERS_STATE_KEY = "dispatch_request_numbers"
"""Where the app keeps the ``WindowNumbers`` that ``PublicRateLimit`` counts with."""
THROTTLE_STATE_KEY = "dispatch_throttle"
"""Where the app keeps its ``GuessThrottle`` (failed guesses at links and signatures)."""
log = structlog.get_logger("dispatch.throttle")

BLOCK = 32
"""The most numbers of an address's window a process takes from the shared count at once."""


def client_ref(secret: bytes, address: str) -> str:
    """A stable, keyed hash of an address for logs and keys (the address is personal data)."""
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:16]


class Counter(Protocol):
    async def hit(self, key: str, expires_in: int, amount: int = 1) -> int:
        """Add ``amount`` to ``key`` (created with a lifetime of ``expires_in`` s); the new
        count."""
        ...

    async def count(self, key: str) -> int:
        """The count of ``key`` now (0 when it has none or its window ended)."""
        ...

    async def close(self) -> None: ...


class RedisCounter:
    """Counts in Redis, shared by every API process."""

    def __init__(self, url: str) -> None:
        self.redis = Redis.from_url(url)

    async def hit(self, key: str, expires_in: int, amount: int = 1) -> int:
        # MULTI/EXEC: the increment and the expiry land together or not at all.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(key, amount)
            pipe.expire(key, expires_in, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def count(self, key: str) -> int:
        raw = await self.redis.get(key)
        return int(raw) if raw is not None else 0

    async def close(self) -> None:
        await self.redis.aclose()


class MemoryCounter:
    """Counts in this process (the embedded mode has one)."""

    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, float]] = {}

    async def hit(self, key: str, expires_in: int, amount: int = 1) -> int:
        now = time.monotonic()
        count, until = self.counts.get(key, (0, now + expires_in))
        if until <= now:
            count, until = 0, now + expires_in
        self.counts[key] = (count + amount, until)
        if len(self.counts) > 10_000:  # forget the windows that have ended
            self.counts = {k: v for k, v in self.counts.items() if v[1] > now}
        return count + amount

    async def count(self, key: str) -> int:
        count, until = self.counts.get(key, (0, 0.0))
        return count if until > time.monotonic() else 0

    async def close(self) -> None:
        return None


def build_counter(settings: Settings) -> Counter:
    """Redis when the broker is Redis, memory otherwise."""
    return MemoryCounter() if settings.embedded_broker else RedisCounter(settings.broker_url)


class WindowNumbers:
    """Each request's number in its address's window, taken from the shared count in blocks.

    A process holds the rest of the last block it took for each window; a block is ``BLOCK``
    numbers while the window's count is far below ``limit`` and shrinks to one as it nears it,
    so the numbers near the limit are handed out one by one, as a plain counter would; past the
    limit, where every number is refused, blocks again."""

    def __init__(self, counter: Counter, *, limit: int, expires_in: int = 120) -> None:
        self.counter = counter
        self.limit = limit
        self.expires_in = expires_in
        self._held: dict[str, tuple[int, int]] = {}
        """Per window: the next number this process may hand out, and the last it holds."""

    async def take(self, key: str) -> int:
        """The next number in ``key``'s window (1 for its first request)."""
        following, last = self._held.get(key, (1, 0))
        if following > last:
            room = self.limit - last
            # Past the limit every number is refused: blocks again, no round trip each.
            block = min(BLOCK, max(1, room // 8)) if room > 0 else BLOCK
            last = await self.counter.hit(key, self.expires_in, block)
            following = last - block + 1
            if len(self._held) > 10_000:  # the windows of minutes gone by
                self._held.clear()
        self._held[key] = (following + 1, last)
        return following


class PublicRateLimit:
    """ASGI middleware: at most the limit of the app's ``WindowNumbers`` (in its state under
    ``NUMBERS_STATE_KEY``: Litestar copies middleware arguments, and a Redis client does not
    copy) requests per client address and minute, then 429 with ``Retry-After`` until the
    minute ends."""

    def __init__(self, app: ASGIApp, *, secret: str) -> None:
        self.app = app
        self.secret = secret.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            client = scope.get("client")
            ref = client_ref(self.secret, client[0] if client else "unknown")
            now = int(time.time())
            numbers: WindowNumbers = scope["litestar_app"].state[NUMBERS_STATE_KEY]
            count = await numbers.take(f"dispatch-rate:{ref}:{now // 60}")
            if count > numbers.limit:
                if count == numbers.limit + 1:
                    log.warning("rate_limited", client=ref, limit_per_minute=numbers.limit)
                raise TooManyRequestsException(
                    "Too many requests from this address; try again in a minute.",
                    headers={"Retry-After": str(60 - now % 60)},
                )
        await self.app(scope, receive, send)


class GuessThrottle:
    """Counts a client's failures (per ``scope``) and says when there were too many: more than
    ``limit`` within ``window`` seconds. Only failures are counted, after the check."""

    def __init__(self, counter: Counter, *, secret: str, limit: int = 20, window: int = 300):
        self.counter = counter
        self.secret = secret.encode()
        self.limit = limit
        self.window = window

    def client_ref(self, address: str) -> str:
        """A stable, keyed hash of the address for logs and keys (the address is personal data)."""
        return client_ref(self.secret, address)

    async def blocked(self, address: str, scope: str) -> bool:
        """Whether the client is over its limit already (without counting anything)."""
        count = await self.counter.count(f"dispatch-fail:{scope}:{self.client_ref(address)}")
        return count >= self.limit

    async def failed(self, address: str, scope: str) -> bool:
        """Count one failure; True when the client is now over its limit (answer 429)."""
        ref = self.client_ref(address)
        count = await self.counter.hit(f"dispatch-fail:{scope}:{ref}", self.window)
        if count == self.limit + 1:
            log.warning("throttled_guessing", scope=scope, client=ref, failures=count)
        return count > self.limit
