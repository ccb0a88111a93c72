"""An alert to an address that has bounced before still goes by e-mail (the person may have
fixed their mailbox, and a bounce is not always the address's fault), but the person's SMS goes
at the same time rather than minutes later, after the e-mail bounces again.

The SMS is written as the e-mail's fallback (``fallback_of_id``), so the fallback a second
bounce asks for is the same row (the outbox's unique key writes it once) and the sweeper does
not look for another. Each such SMS carries a ``beside_bounced`` event with the bounce's
reason: the coordinator sees why it went (the delivery's history, the report's decisions, the
incident's ``stats.email.sms_beside_bounced``).
"""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dispatch.delivery import history, outbox
from dispatch.delivery.history import EventKind
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.delivery.outbox import OutboxItem
from dispatch.directory.bounces import EmailBounce
from dispatch.incidents.models import MessageVersion, Recipient


async def sms_beside_bounced(session: AsyncSession, version: MessageVersion) -> list[int]:
    """Write an SMS beside each of ``version``'s e-mails to a flagged address whose person has
    a mobile number and no SMS of this version yet; the ids, main contacts first. The caller
    commits, then enqueues them."""
    if not await session.scalar(select(exists().select_from(EmailBounce))):
        return []
    sms = aliased(Delivery)
    has_sms = exists().where(
        sms.source_kind == SourceKind.INCIDENT,
        sms.source_id == version.id,
        sms.target == Delivery.target,
        sms.channel == "sms",
    )
    rows = (
        await session.execute(
            select(
                Delivery.id,
                Delivery.target,
                Delivery.language,
                Delivery.priority,
                Delivery.fallback,
                Delivery.recipient_id,
                Recipient.phone,
                EmailBounce.reason,
            )
            .join(Recipient, Recipient.id == Delivery.recipient_id)
            .join(EmailBounce, EmailBounce.address == func.lower(Delivery.address))
            .where(
                Delivery.source_kind == SourceKind.INCIDENT,
                Delivery.source_id == version.id,
                Delivery.channel == "email",
                Recipient.phone.is_not(None),
                ~has_sms,
            )
            .order_by(Delivery.priority, Delivery.id)
        )
    ).all()
    if not rows:
        return []
    written = await outbox.write(
        session,
        [
            OutboxItem(
                source_kind=SourceKind.INCIDENT,
                source_id=version.id,
                channel="sms",
                target=r.target,
                address=r.phone,
                language=r.language,
                priority=r.priority,
                fallback=r.fallback,
                incident_id=version.incident_id,
                recipient_id=r.recipient_id,
                fallback_of_id=r.id,
            )
            for r in rows
        ],
    )
    reasons = {r.id: r.reason for r in rows}
    made = (
        await session.execute(
            select(Delivery.id, Delivery.fallback_of_id, Delivery.priority)
            .where(Delivery.id.in_(written))
            .order_by(Delivery.priority, Delivery.id)
        )
    ).all()
    await history.add(
        session,
        [(m.id, EventKind.BESIDE_BOUNCED, reasons.get(m.fallback_of_id or 0, "")) for m in made],
    )
    return [m.id for m in made]
