"""Throttling the public endpoints (``/ack/*``, ``/webhooks/*``).

Two layers, both on a Litestar store shared between processes (Redis in production, memory in
the embedded mode):

- Litestar's ``RateLimitMiddleware`` caps requests per client address, high enough for a reply
  storm from Twilio or a thousand members confirming at once;
- ``GuessThrottle`` counts *failed* attempts — unknown ack tokens, bad webhook signatures — per
  client and answers 429 once there are too many, so guessing is slowed to a crawl while honest
  traffic is never counted. Each refusal is logged with a keyed hash of the address, not the
  address itself.
"""

from __future__ import annotations

import hashlib
import hmac

import structlog
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from dispatch.settings import Settings

STORE_NAME = "rate_limit"
log = structlog.get_logger("dispatch.throttle")


def build_store(settings: Settings) -> Store:
    """Redis when the broker is Redis (shared by every API process), memory otherwise."""
    if settings.embedded_broker:
        return MemoryStore()
    return RedisStore.with_client(url=settings.broker_url, namespace="dispatch-throttle")


def rate_limit(settings: Settings) -> RateLimitConfig:
    """Requests per minute per client address on the public endpoints."""
    return RateLimitConfig(
        rate_limit=("minute", settings.public_requests_per_minute), store=STORE_NAME
    )


class GuessThrottle:
    """Refuses a client after ``limit`` failures within ``window`` seconds."""

    def __init__(self, store: Store, *, secret: str, limit: int = 20, window: int = 300) -> None:
        self.store = store
        self.secret = secret.encode()
        self.limit = limit
        self.window = window

    def client_ref(self, address: str) -> str:
        """A stable, keyed hash of the address for logs and keys (the address is personal data)."""
        return hmac.new(self.secret, address.encode(), hashlib.sha256).hexdigest()[:16]

    async def blocked(self, address: str, scope: str) -> bool:
        """Whether this client has failed too often recently."""
        raw = await self.store.get(f"fail:{scope}:{self.client_ref(address)}")
        return raw is not None and int(raw) >= self.limit

    async def failed(self, address: str, scope: str) -> None:
        """Count one failure (the count is approximate under races; that is enough here)."""
        ref = self.client_ref(address)
        key = f"fail:{scope}:{ref}"
        raw = await self.store.get(key)
        count = (int(raw) if raw is not None else 0) + 1
        await self.store.set(key, str(count), expires_in=self.window)
        if count == self.limit:
            log.warning("throttled_guessing", scope=scope, client=ref, failures=count)
