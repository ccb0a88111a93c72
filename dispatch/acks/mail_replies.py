"""E-mail replies (``dispatch mail-in``): a reply to an alert acknowledges for that person, once,
like any other acknowledgement, and its words become a field report linked to the incident; a
reply to any other routine e-mail without a handler of its own is a field report from that
contact."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import AckVia, FieldReport
from dispatch.acks.service import MAX_COMMENT, acknowledge, add_field_report
from dispatch.directory.models import Contact
from dispatch.inbound.mail import MailReply
from dispatch.incidents.models import Recipient


async def reply_to_alert(session: AsyncSession, reply: MailReply) -> str:
    """Acknowledge for the person the alert went to; their words become a field report."""
    if reply.incident_id is None or reply.recipient_id is None:
        return await reply_to_routine(session, reply)
    recipient = await session.get(Recipient, reply.recipient_id)
    if recipient is None:
        return "unknown_recipient"
    created = await acknowledge(
        session,
        incident_id=reply.incident_id,
        recipient_id=reply.recipient_id,
        via=AckVia.EMAIL,
        delivery_id=reply.delivery_id,
        comment=reply.text or None,
    )
    if reply.text:
        await add_field_report(
            session,
            text=reply.text,
            source="email",
            incident_id=reply.incident_id,
            recipient=recipient,
            language=recipient.language,
        )
    if created:
        return "acknowledged_with_report" if reply.text else "acknowledged"
    return "field_report" if reply.text else "already_acknowledged"


async def reply_to_routine(session: AsyncSession, reply: MailReply) -> str:
    """A reply to a list review, a meeting or a pack: kept for the coordinators as a field
    report from that contact (no incident)."""
    if not reply.text:
        return "empty"
    contact_id = None
    if reply.target.startswith("contact:"):
        contact_id = int(reply.target.partition(":")[2])
    organisation_id = reply.organisation_id
    if contact_id is not None and organisation_id is None:
        organisation_id = await session.scalar(
            select(Contact.organisation_id).where(Contact.id == contact_id)
        )
    session.add(
        FieldReport(
            incident_id=None,
            contact_id=contact_id,
            organisation_id=organisation_id,
            language=reply.language,
            source="email",
            text=reply.text.strip()[:MAX_COMMENT],
        )
    )
    await session.flush()
    return "field_report"
