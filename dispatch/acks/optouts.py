"""SMS opt-outs: a number that replied STOP gets no SMS until it replies START.

The delivery engine consults them as a suppression list (``SmsOptOuts``); the inbound router
hands STOP and START to ``opt_out_handler``. Anyone can send an SMS with another's number as
its sender, so a STOP is confirmed to the number (the real owner reads what happened and how to
undo it), audited, and shown on the dashboard's directory (``stopped_numbers``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import SmsOptOut
from dispatch.audit.service import Actor, record
from dispatch.db.base import utcnow
from dispatch.directory.models import Contact
from dispatch.inbound.replies import ReplyKind, SmsAnswer, parse_reply
from dispatch.inbound.router import Inbound
from dispatch.incidents.models import Incident, Recipient
from translations import strings
from translations.catalog import translator

OPTED_OUT = "the number has opted out of SMS (replied STOP)"


async def opted_out(session: AsyncSession, phones: Sequence[str]) -> set[str]:
    """Which of these numbers replied STOP."""
    if not phones:
        return set()
    rows = await session.scalars(select(SmsOptOut.phone).where(SmsOptOut.phone.in_(list(phones))))
    return set(rows.all())


def stopped_numbers() -> Select[tuple[str]]:
    """The numbers that replied STOP, as a subquery (the directory's filter)."""
    return select(SmsOptOut.phone)


async def stopped_at(session: AsyncSession, phones: Sequence[str]) -> dict[str, datetime]:
    """When each of these numbers replied STOP (those that did)."""
    if not phones:
        return {}
    rows = await session.execute(
        select(SmsOptOut.phone, SmsOptOut.opted_out_at).where(SmsOptOut.phone.in_(list(phones)))
    )
    return {str(phone): at for phone, at in rows.all()}


class SmsOptOuts:
    """The suppression list the delivery engine consults: numbers that replied STOP."""

    async def suppressed(
        self, session: AsyncSession, channel: str, addresses: Sequence[str]
    ) -> Mapping[str, str]:
        if channel != "sms":
            return {}
        return dict.fromkeys(await opted_out(session, addresses), OPTED_OUT)


async def _language_of(session: AsyncSession, sender: str) -> str | None:
    """The member's language: their directory listing's (as they keep it now), else the
    newest incident's record of the number; None for a number we know nothing of."""
    language = await session.scalar(
        select(Contact.language)
        .where(Contact.phone == sender)
        .order_by(Contact.active.desc(), Contact.id)
        .limit(1)
    )
    if language:
        return language
    return await session.scalar(
        select(Recipient.language)
        .join(Incident, Incident.id == Recipient.incident_id)
        .where(Recipient.phone == sender)
        .order_by(Incident.declared_at.desc(), Incident.id.desc())
        .limit(1)
    )


def _say(message: str, language: str | None) -> str:
    """In the member's language; to a number we do not know, in bokmål and English."""
    if language:
        return translator(language).gettext(message)
    return " ".join(translator(tag).gettext(message) for tag in ("nb", "en"))


async def _audit(session: AsyncSession, message: Inbound, action: str) -> None:
    """One event per directory listing with this number, naming the contact by id (the log is
    append-only, so it never holds the number); one without an entity for an unknown number."""
    actor = Actor(f"sms:{message.provider}")
    details = {"via": f"sms reply to {message.provider}"}
    contact_ids = (
        await session.scalars(
            select(Contact.id).where(Contact.phone == message.sender).order_by(Contact.id)
        )
    ).all()
    for contact_id in contact_ids:
        record(
            session,
            actor=actor,
            action=f"contact.{action}",
            entity_type="contact",
            entity_id=contact_id,
            details=details,
        )
    if not contact_ids:
        record(session, actor=actor, action=f"sms.{action}", entity_type="phone", details=details)


async def opt_out_handler(session: AsyncSession, message: Inbound) -> SmsAnswer | None:
    """STOP opts the number out of SMS, START back in; anything else is not for here.

    The sender's number can be forged, so a STOP is answered to the number itself, in the
    member's language, saying what happened and that START undoes it; a change is audited.
    """
    kind = parse_reply(message.text).kind
    if kind == ReplyKind.STOP:
        if await session.get(SmsOptOut, message.sender) is None:
            session.add(SmsOptOut(phone=message.sender, opted_out_at=utcnow()))
            await session.flush()
            await _audit(session, message, "sms_stopped")
        text = _say(strings.SMS_REPLY_STOPPED, await _language_of(session, message.sender))
        return SmsAnswer(text, "opted_out")
    if kind == ReplyKind.START:
        removed = await session.execute(
            delete(SmsOptOut).where(SmsOptOut.phone == message.sender),
            execution_options={"synchronize_session": False},
        )
        if removed.rowcount:  # type: ignore[attr-defined]
            await _audit(session, message, "sms_started")
        text = _say(strings.SMS_REPLY_STARTED, await _language_of(session, message.sender))
        return SmsAnswer(text, "opted_in")
    return None
