"""Per-process resources for actors, created on first use inside the worker's event loop.

Never at import: a forked worker process must open its own database connections.
"""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from channels.registry import ChannelRegistry, SmtpSettings, TwilioSettings, build_channels
from dispatch.db.engine import create_engine, create_sessionmaker
from dispatch.delivery.sandbox import database_sink
from dispatch.settings import Settings
from workers.broker import DramatiqEnqueuer
from workers.rate_limit import SlotRateLimiter, build_limiter


@dataclass(slots=True)
class Runtime:
    """What actors in this process share."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    channels: ChannelRegistry
    limiter: SlotRateLimiter
    enqueuer: DramatiqEnqueuer

    async def close(self) -> None:
        await self.channels.close()
        await self.engine.dispose()
        await self.limiter.close()


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
        limiter=build_limiter(
            settings.broker_url, per_second={"sms": settings.sms_rate_per_second}
        ),
        enqueuer=DramatiqEnqueuer(broker),
    )
