"""What the outbox engine works with, built once per worker process by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.registry import ChannelRegistry
from dispatch.delivery.ports import Enqueuer, RateLimiter
from dispatch.delivery.sources import NoSuppressions, Sources, Suppressions
from dispatch.providers.routing import SmsRouter


@dataclass(frozen=True, slots=True)
class Engine:
    """What sending needs, built once per worker process by the composition root."""

    sessionmaker: async_sessionmaker[AsyncSession]
    channels: ChannelRegistry
    sources: Sources
    limiter: RateLimiter
    enqueuer: Enqueuer
    base_url: str
    secret: str
    suppressions: Suppressions = field(default_factory=NoSuppressions)
    router: SmsRouter | None = None
    """Chooses among the SMS providers and fails over; none in sandbox mode."""
    inbound_mail_domain: str = ""
    """Where bounces and replies come back (``dispatch mail-in``); every e-mail then carries
    its own Return-Path and Reply-To there. Empty: e-mail goes out as the sender rendered it."""
    lease_s: float = 30.0
    """How often a batch still sending renews its rows' ``sending_at``, so the sweeper (which
    takes back rows older than its ``sending_timeout_seconds``) only takes a dead worker's."""
