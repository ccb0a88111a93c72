"""SMS replies to alerts: any reply from a known number counts as received; extra text is a
field report; a number we do not know is answered so and its text kept for a coordinator.

A yes ("OK", "JA", "بلی", "Na-receive ko po") is read in the member's language and confirms
without a report; anything else, a no included ("NEI", "جی نہیں"), confirms receipt and goes
to the field-report inbox whole, for a coordinator to read.

This is the inbound router's last handler: it takes every message the others left.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import Acknowledgement, AckVia
from dispatch.acks.service import acknowledge, add_field_report
from dispatch.inbound.replies import SmsAnswer, parse_reply
from dispatch.inbound.router import Inbound
from dispatch.incidents.models import Incident, IncidentState, Recipient
from translations import strings
from translations.catalog import translator


async def acknowledgement_handler(session: AsyncSession, message: Inbound) -> SmsAnswer:
    """Acknowledge for the sender (and keep any text as a field report)."""
    sender, body = message.sender, message.text
    rows = await session.execute(
        select(Recipient, Incident)
        .join(Incident, Incident.id == Recipient.incident_id)
        .where(Recipient.phone == sender)
        .order_by(Incident.declared_at.desc(), Incident.id.desc())
    )
    recipients = [(recipient, incident) for recipient, incident in rows.all()]
    if not recipients:
        if body.strip():
            await add_field_report(
                session,
                text=body,
                source="sms",
                incident_id=None,
                recipient=None,
                language=None,
                sender=sender,
            )
        text = " ".join(
            translator(lang).gettext(strings.SMS_REPLY_UNKNOWN_NUMBER) for lang in ("nb", "en")
        )
        return SmsAnswer(text, "unknown_sender")
    # The newest alert's record of the number says which language the member reads.
    reply = parse_reply(body, recipients[0][0].language)
    open_codes = {i.code for _, i in recipients if i.state == IncidentState.ACTIVE}
    if reply.code and reply.code not in open_codes:
        return await _unknown_code(session, recipients, reply.code, reply.rest)
    recipient, incident = await _pick_incident(session, recipients, reply.code)
    t = translator(recipient.language)
    await acknowledge(
        session,
        incident_id=incident.id,
        recipient_id=recipient.id,
        via=AckVia.SMS,
        delivery_id=None,
        comment=reply.rest or None,
    )
    if reply.rest:
        await add_field_report(
            session,
            text=reply.rest,
            source="sms",
            incident_id=incident.id,
            recipient=recipient,
            language=recipient.language,
        )
        return SmsAnswer(t.gettext(strings.SMS_REPLY_RECEIVED), "acknowledged_with_report")
    return SmsAnswer(t.gettext(strings.SMS_REPLY_CONFIRMED), "acknowledged")


async def _unknown_code(
    session: AsyncSession, rows: Sequence[tuple[Recipient, Incident]], code: str, rest: str
) -> SmsAnswer:
    """A code that names none of the member's open alerts confirms nothing (it may be a typo
    for another alert); the member is told so, with the code that would confirm the newest
    open one, and any text is kept for the coordinators."""
    recipient = rows[0][0]
    t = translator(recipient.language)
    if rest:
        await add_field_report(
            session,
            text=rest,
            source="sms",
            incident_id=None,
            recipient=recipient,
            language=recipient.language,
        )
    text = t.gettext(strings.SMS_REPLY_UNKNOWN_CODE, wrong=code)
    newest_open = next((i for _, i in rows if i.state == IncidentState.ACTIVE), None)
    if newest_open is not None:
        text += " " + t.gettext(strings.SMS_REPLY_INSTRUCTION, code=newest_open.code)
    return SmsAnswer(text, "unknown_code")


async def _pick_incident(
    session: AsyncSession, rows: Sequence[tuple[Recipient, Incident]], code: str | None
) -> tuple[Recipient, Incident]:
    """The incident named by its code, else the newest the person has not acknowledged."""
    if code:
        for recipient, incident in rows:
            if incident.code == code and incident.state == IncidentState.ACTIVE:
                return recipient, incident
    acked = set(
        (
            await session.scalars(
                select(Acknowledgement.recipient_id).where(
                    Acknowledgement.recipient_id.in_([r.id for r, _ in rows])
                )
            )
        ).all()
    )
    for recipient, incident in rows:
        if recipient.id not in acked:
            return recipient, incident
    return rows[0][0], rows[0][1]
