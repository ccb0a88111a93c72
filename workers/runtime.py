"""Per-process resources for actors, created on first use inside the worker's event loop.

Never at import: a forked worker process must open its own database connections.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import dramatiq
import redis
from dramatiq.rate_limits import WindowRateLimiter
from dramatiq.rate_limits.backends import RedisBackend, StubBackend
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from channels.registry import ChannelRegistry, SmtpSettings, TwilioSettings, build_channels
from dispatch.db.engine import create_engine, create_sessionmaker
from dispatch.delivery.sandbox import database_sink
from dispatch.settings import Settings
from workers.broker import DramatiqEnqueuer


class DramatiqRateLimiter:
    """The core's ``RateLimiter`` port on Dramatiq's window rate limiter (shared via Redis).

    Priority survives the limit: when a priority-0 send (a main contact, a Teams post) is
    refused, the others yield their turns for ``first_hold_s`` seconds, long enough for the
    refused sends to come back from the queue, so they do not go behind everyone else.
    """

    def __init__(
        self, broker_url: str, *, per_second: dict[str, int], first_hold_s: float = 3.0
    ) -> None:
        embedded = broker_url == "embedded"
        backend = StubBackend() if embedded else RedisBackend(url=broker_url)
        self.limiters = {
            key: WindowRateLimiter(backend, f"dispatch-rate-{key}", limit=limit, window=1)
            for key, limit in per_second.items()
        }
        self.first_hold_ms = int(first_hold_s * 1000)
        self._redis = None if embedded else redis.Redis.from_url(broker_url)
        self._held_until: dict[str, float] = {}

    async def acquire(self, key: str, priority: int = 1) -> bool:
        limiter = self.limiters.get(key)
        if limiter is None:
            return True
        return await asyncio.to_thread(self._acquire, limiter, key, priority)

    def _acquire(self, limiter: WindowRateLimiter, key: str, priority: int) -> bool:
        if priority > 0 and self._first_waiting(key):
            return False
        with limiter.acquire(raise_on_failure=False) as acquired:
            if not acquired and priority == 0:
                self._hold_for_first(key)
            return bool(acquired)

    def close(self) -> None:
        if self._redis is not None:
            self._redis.close()

    def _first_waiting(self, key: str) -> bool:
        if self._redis is None:
            return self._held_until.get(key, 0.0) > time.monotonic()
        return bool(self._redis.exists(f"dispatch-first-waiting-{key}"))

    def _hold_for_first(self, key: str) -> None:
        if self._redis is None:
            self._held_until[key] = time.monotonic() + self.first_hold_ms / 1000
        else:
            self._redis.set(f"dispatch-first-waiting-{key}", 1, px=self.first_hold_ms)


@dataclass(slots=True)
class Runtime:
    """What actors in this process share."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    channels: ChannelRegistry
    limiter: DramatiqRateLimiter
    enqueuer: DramatiqEnqueuer

    async def close(self) -> None:
        await self.channels.close()
        await self.engine.dispose()
        self.limiter.close()


def channel_settings(settings: Settings) -> tuple[SmtpSettings | None, TwilioSettings | None]:
    """Provider settings, or None where the channel runs in sandbox mode."""
    smtp = None
    if settings.smtp_host:
        smtp = SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            sender=settings.email_from,
        )
    twilio = None
    if settings.twilio_account_sid:
        twilio = TwilioSettings(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            sender=settings.twilio_from,
            api_base=settings.twilio_api_base,
        )
    return smtp, twilio


def build_runtime(settings: Settings, broker: dramatiq.Broker) -> Runtime:
    """Create this process's engine, channels, rate limiter and enqueuer."""
    engine = create_engine(settings.database_url, pool_size=settings.worker_pool_size)
    maker = create_sessionmaker(engine)
    smtp, twilio = channel_settings(settings)
    channels = build_channels(smtp=smtp, twilio=twilio, sink=database_sink(maker))
    return Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=maker,
        channels=channels,
        limiter=DramatiqRateLimiter(
            settings.broker_url, per_second={"sms": settings.sms_rate_per_second}
        ),
        enqueuer=DramatiqEnqueuer(broker),
    )
