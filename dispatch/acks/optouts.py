"""SMS opt-outs: a number that replied STOP gets no SMS until it replies START.

The delivery engine consults them as a suppression list (``SmsOptOuts``); the inbound router
hands STOP and START to ``opt_out_handler``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import SmsOptOut
from dispatch.db.base import utcnow
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


class SmsOptOuts:
    """The suppression list the delivery engine consults: numbers that replied STOP."""

    async def suppressed(
        self, session: AsyncSession, channel: str, addresses: Sequence[str]
    ) -> Mapping[str, str]:
        if channel != "sms":
            return {}
        return dict.fromkeys(await opted_out(session, addresses), OPTED_OUT)


async def _language_of(session: AsyncSession, sender: str) -> str:
    """The language of the newest incident's record of this number, else bokmål."""
    language = await session.scalar(
        select(Recipient.language)
        .join(Incident, Incident.id == Recipient.incident_id)
        .where(Recipient.phone == sender)
        .order_by(Incident.declared_at.desc(), Incident.id.desc())
        .limit(1)
    )
    return language or "nb"


async def opt_out_handler(session: AsyncSession, message: Inbound) -> SmsAnswer | None:
    """STOP opts the number out of SMS, START back in; anything else is not for here."""
    kind = parse_reply(message.text).kind
    if kind == ReplyKind.STOP:
        if await session.get(SmsOptOut, message.sender) is None:
            session.add(SmsOptOut(phone=message.sender, opted_out_at=utcnow()))
            await session.flush()
        t = translator(await _language_of(session, message.sender))
        return SmsAnswer(t.gettext(strings.SMS_REPLY_STOPPED), "opted_out")
    if kind == ReplyKind.START:
        await session.execute(delete(SmsOptOut).where(SmsOptOut.phone == message.sender))
        t = translator(await _language_of(session, message.sender))
        return SmsAnswer(t.gettext(strings.SMS_REPLY_STARTED), "opted_in")
    return None
