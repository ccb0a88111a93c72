"""The plug-ins, assembled once for the app, the CLI and the workers (the composition root's
shared part): which sender owns each kind of message, who reads inbound SMS in which order,
what suppresses a send, and which adapter carries each channel."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.email import SmtpSettings
from channels.registry import ChannelRegistry, build_channels
from dispatch.acks.mail_replies import reply_to_alert, reply_to_routine
from dispatch.acks.optouts import SmsOptOuts, opt_out_handler
from dispatch.acks.quick_replies import acknowledge_by_sms
from dispatch.acks.replies import acknowledgement_handler
from dispatch.campaigns.outbox import ListReviewSource
from dispatch.delivery.events import unreported
from dispatch.delivery.models import SourceKind
from dispatch.delivery.ports import Enqueuer
from dispatch.delivery.sandbox import database_sink
from dispatch.delivery.sources import Sources, Suppressions
from dispatch.inbound.router import InboundRouter
from dispatch.incidents.outbox import IncidentSource
from dispatch.mailin.service import MailIn
from dispatch.meetings.answers import sms_answer_handler
from dispatch.meetings.outbox import MeetingSource
from dispatch.newsletters.outbox import NewsletterSource
from dispatch.newsletters.replies import reply_to_newsletter
from dispatch.packs.outbox import PackSource
from dispatch.providers.health import HealthCounters, build_counters
from dispatch.providers.routing import SmsRouter
from dispatch.settings import Settings


def message_sources(*, sender: str) -> Sources:
    """Every sender's side of the outbox; ``sender`` is the e-mail From address (a meeting's
    calendar file names it as the organizer)."""
    return Sources(
        [
            IncidentSource(),
            PackSource(),
            ListReviewSource(),
            NewsletterSource(),
            MeetingSource(sender=sender),
        ]
    )


def inbound_router() -> InboundRouter:
    """Inbound SMS: opt-outs first, then meeting answers, then acknowledgements (which take
    whatever is left, field reports and unknown numbers included); a plain "OK 4821" in one
    statement where it can be."""
    return InboundRouter(
        [opt_out_handler, sms_answer_handler, acknowledgement_handler], quick=acknowledge_by_sms
    )


def mail_in(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], enqueuer: Enqueuer
) -> MailIn:
    """E-mail that comes back to the inbound mail domain: bounces fail deliveries (and queue the
    person's other channel); replies to alerts acknowledge and become field reports, replies to
    newsletters contributions, and replies to other routine mail field reports."""
    return MailIn(
        sessionmaker=sessionmaker,
        secret=settings.secret_key,
        domain=settings.inbound_mail_domain,
        sources=message_sources(sender=settings.email_from),
        enqueuer=enqueuer,
        replies={
            SourceKind.INCIDENT: reply_to_alert,
            SourceKind.NEWSLETTER: reply_to_newsletter,
        },
        other_replies=reply_to_routine,
    )


def suppressions() -> Suppressions:
    """What stops a send before it reaches a provider: numbers that replied STOP."""
    return SmsOptOuts()


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    """The mail server's settings, or None where e-mail runs in sandbox mode."""
    if not settings.smtp_host:
        return None
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        sender=settings.email_from,
    )


def channels(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> ChannelRegistry:
    """The adapters for these settings; channels without settings write to the sandbox table."""
    return build_channels(
        smtp=smtp_settings(settings),
        sms=settings.sms_provider_configs(),
        base_url=settings.base_url,
        sink=database_sink(sessionmaker),
        allow_loopback_webhooks=settings.allow_loopback_webhooks,
    )


def health_counters(settings: Settings) -> HealthCounters:
    """Where every process counts the SMS providers' sends: Redis, or this process."""
    return build_counters(settings.broker_url, scope=settings.database_url)


def sms_router(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> SmsRouter | None:
    """The SMS providers' router, or None in sandbox mode (no provider configured)."""
    configs = settings.sms_provider_configs()
    if not configs:
        return None
    return SmsRouter(
        configs,
        counters=health_counters(settings),
        sessionmaker=sessionmaker,
        report_counts=unreported,
    )


def sms_rates(settings: Settings) -> dict[str, float]:
    """Each provider's capacity in segments a second, under its rate-limit key."""
    return {f"sms:{c.name}": c.segments_per_second for c in settings.sms_provider_configs()}
