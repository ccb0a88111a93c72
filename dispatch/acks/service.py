"""Recording acknowledgements and field reports, and answering SMS replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import Acknowledgement, AckVia, FieldReport, SmsOptOut
from dispatch.acks.replies import ReplyKind, SmsAnswer, parse_reply
from dispatch.acks.tokens import read_token
from dispatch.db.base import utcnow
from dispatch.db.upsert import insert_ignoring_conflicts
from dispatch.delivery.models import Delivery
from dispatch.errors import DomainError, NotFoundError
from dispatch.incidents.models import Incident, IncidentState, MessageVersion, Recipient
from dispatch.meetings import service as meetings
from translations import strings
from translations.catalog import translator

MAX_COMMENT = 4000


class LinkExpiredError(DomainError):
    status_code = 410
    title = "Gone"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What an acknowledgement link points at: the few columns its pages need."""

    delivery_id: int
    incident_id: int
    recipient_id: int
    version_id: int
    language: str
    status: str
    title: str


async def message_version(
    session: AsyncSession, version_id: int
) -> tuple[dict[str, dict[str, str]], datetime]:
    """A message version's texts by language, and when it was sent."""
    row = (
        await session.execute(
            select(MessageVersion.content, MessageVersion.created_at).where(
                MessageVersion.id == version_id
            )
        )
    ).one()
    return row.content, row.created_at


async def resolve_link(
    session: AsyncSession, *, secret: str, token: str, valid_days: int
) -> LinkTarget:
    """The delivery a link names; 404 for a forged or unknown token, 410 once expired."""
    delivery_id = read_token(secret, token)
    row = None
    if delivery_id is not None:
        row = (
            await session.execute(
                select(
                    Delivery.incident_id,
                    Delivery.recipient_id,
                    Delivery.language,
                    Delivery.message_version_id,
                    Incident.status,
                    Incident.title,
                    Incident.closed_at,
                )
                .join(Incident, Incident.id == Delivery.incident_id)
                .where(Delivery.id == delivery_id, Delivery.recipient_id.is_not(None))
            )
        ).first()
    if row is None or delivery_id is None:
        raise NotFoundError("This link is not valid.")
    if row.closed_at is not None and row.closed_at + timedelta(days=valid_days) < utcnow():
        raise LinkExpiredError("This link has expired.")
    return LinkTarget(
        delivery_id=delivery_id,
        incident_id=row.incident_id,
        recipient_id=row.recipient_id,
        version_id=row.message_version_id,
        language=row.language,
        status=row.status,
        title=row.title,
    )


async def acknowledge(
    session: AsyncSession,
    *,
    incident_id: int,
    recipient_id: int,
    via: AckVia,
    delivery_id: int | None,
    comment: str | None = None,
) -> bool:
    """Record that a person received an incident; False if they already had (nothing changes)."""
    row = {
        "incident_id": incident_id,
        "recipient_id": recipient_id,
        "delivery_id": delivery_id,
        "via": via.value,
        "comment": (comment or "").strip()[:MAX_COMMENT] or None,
        "at": utcnow(),
    }
    table = cast(Table, Acknowledgement.__table__)
    new = await insert_ignoring_conflicts(
        session, table, [row], key=["incident_id", "recipient_id"]
    )
    return bool(new)


async def add_field_report(
    session: AsyncSession,
    *,
    text: str,
    source: str,
    incident_id: int | None,
    recipient: Recipient | None,
    language: str | None,
    sender: str | None = None,
) -> FieldReport:
    """Store what a member reported; linked to the person and incident where known."""
    report = FieldReport(
        incident_id=incident_id,
        recipient_id=recipient.id if recipient else None,
        contact_id=recipient.contact_id if recipient else None,
        organisation_id=recipient.organisation_ids[0]
        if recipient and recipient.organisation_ids
        else None,
        network_code=recipient.network_codes[0] if recipient and recipient.network_codes else None,
        language=language,
        source=source,
        text=text.strip()[:MAX_COMMENT],
        sender=None if recipient else sender,
        unknown_sender=recipient is None,
    )
    session.add(report)
    await session.flush()
    return report


async def handle_sms_reply(session: AsyncSession, *, sender: str, body: str) -> SmsAnswer:
    """Act on an SMS from ``sender`` (E.164) and return the reply to send back."""
    reply = parse_reply(body)
    recipients = (
        await session.execute(
            select(Recipient, Incident)
            .join(Incident, Incident.id == Recipient.incident_id)
            .where(Recipient.phone == sender)
            .order_by(Incident.declared_at.desc(), Incident.id.desc())
        )
    ).all()
    if reply.kind == ReplyKind.STOP:
        await _opt_out(session, sender)
        lang = recipients[0][0].language if recipients else "nb"
        return SmsAnswer(translator(lang).gettext(strings.SMS_REPLY_STOPPED), "opted_out")
    if reply.kind == ReplyKind.START:
        await session.execute(delete(SmsOptOut).where(SmsOptOut.phone == sender))
        lang = recipients[0][0].language if recipients else "nb"
        return SmsAnswer(translator(lang).gettext(strings.SMS_REPLY_STARTED), "opted_in")
    open_incident = any(incident.state == IncidentState.ACTIVE for _, incident in recipients)
    meeting = await meetings.answer_by_sms(
        session, sender=sender, body=body, has_open_incident=open_incident
    )
    if meeting is not None:
        return meeting
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


async def _opt_out(session: AsyncSession, phone: str) -> None:
    exists = await session.get(SmsOptOut, phone)
    if exists is None:
        session.add(SmsOptOut(phone=phone, opted_out_at=utcnow()))
        await session.flush()


async def opted_out(session: AsyncSession, phones: Sequence[str]) -> set[str]:
    """Which of these numbers replied STOP."""
    if not phones:
        return set()
    return set(
        (
            await session.scalars(select(SmsOptOut.phone).where(SmsOptOut.phone.in_(list(phones))))
        ).all()
    )
