"""Per-process resources for actors, created on first use inside the worker's event loop.

Never at import: a forked worker process must open its own database connections.
"""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dispatch import wiring
from dispatch.db.engine import create_engine, create_sessionmaker
from dispatch.delivery.parts import Engine
from dispatch.settings import Settings
from workers.broker import DramatiqEnqueuer
from workers.rate_limit import SlotRateLimiter, build_limiter


@dataclass(slots=True)
class Runtime:
    """What actors in this process share."""

    settings: Settings
    db: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    engine: Engine
    limiter: SlotRateLimiter
    enqueuer: DramatiqEnqueuer

    async def close(self) -> None:
        if self.engine.router is not None:
            await self.engine.router.counters.close()
        await self.engine.channels.close()
        await self.db.dispose()
        await self.limiter.close()


def build_runtime(settings: Settings, broker: dramatiq.Broker) -> Runtime:
    """Create this process's database engine, channels, rate limiter, enqueuer and the outbox
    engine that uses them."""
    db = create_engine(settings.database_url, pool_size=settings.worker_pool_size)
    maker = create_sessionmaker(db)
    limiter = build_limiter(settings.broker_url, per_second=wiring.sms_rates(settings))
    enqueuer = DramatiqEnqueuer(broker)
    engine = Engine(
        sessionmaker=maker,
        channels=wiring.channels(settings, maker),
        sources=wiring.message_sources(sender=settings.email_from),
        suppressions=wiring.suppressions(),
        limiter=limiter,
        enqueuer=enqueuer,
        base_url=settings.base_url,
        secret=settings.secret_key,
        router=wiring.sms_router(settings, maker),
        inbound_mail_domain=settings.inbound_mail_domain,
        lease_s=settings.sending_timeout_seconds / 4,
    )
    return Runtime(settings, db, maker, engine, limiter, enqueuer)
