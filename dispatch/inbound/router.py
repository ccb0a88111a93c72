"""One router for what members send back, whichever provider carried it.

The edge (a provider's webhook, the sandbox) authenticates the message and calls ``receive``:
a message the provider already delivered once is answered as before and acts no more; a new one
goes to the handlers in the order registered, and the first that takes it answers. The last
handler takes everything (an acknowledgement, a field report, or "we do not know this number").

On PostgreSQL a provider's webhook first offers the message to the quick handler
(``receive_quick``): the commonest message whole in one statement, its inbound record included,
or nothing written and the handlers as above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, cast

import structlog
from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.db.base import utcnow
from dispatch.db.direct import DirectPool
from dispatch.db.upsert import insert_ignoring_conflicts
from dispatch.inbound.models import InboundSms
from dispatch.inbound.replies import SmsAnswer

log = structlog.get_logger("dispatch.inbound")

MAX_TEXT = 4000
"""Characters of an inbound SMS that are read (providers concatenate at most ~1,600)."""


@dataclass(frozen=True, slots=True)
class Inbound:
    """An SMS from a member, as a handler sees it."""

    sender: str
    """E.164."""
    text: str
    provider: str
    """The provider it came in on (the reply goes back through it)."""


class InboundHandler(Protocol):
    """Takes an inbound SMS it recognises and says what to answer; ``None`` leaves it to the
    next handler."""

    async def __call__(self, session: AsyncSession, message: Inbound) -> SmsAnswer | None: ...


class QuickHandler(Protocol):
    """Takes a message whole in one statement (its inbound record under ``key`` included, ``""``
    for none) and says what to answer; ``None`` when it wrote nothing and the handlers must take
    the message (a repeat of an earlier message included)."""

    async def __call__(
        self, direct: DirectPool, message: Inbound, key: str
    ) -> SmsAnswer | None: ...


@dataclass(frozen=True, slots=True)
class Received:
    """What became of an inbound SMS."""

    answer: SmsAnswer | None
    """The reply to send back (none: say nothing)."""
    repeated: bool = False
    """The provider had delivered it before: nothing was done again."""


class InboundRouter:
    """The handlers, in the order they are asked."""

    def __init__(
        self, handlers: Sequence[InboundHandler], *, quick: QuickHandler | None = None
    ) -> None:
        if not handlers:
            raise ValueError("an inbound router needs at least one handler")
        self._handlers = list(handlers)
        self._quick = quick

    async def receive_quick(
        self, direct: DirectPool, *, provider: str, message_id: str, sender: str, text: str
    ) -> Received | None:
        """The quick handler's take of an SMS, committed; None when ``receive`` must take it."""
        if self._quick is None:
            return None
        message = Inbound(sender=sender, text=text[:MAX_TEXT], provider=provider)
        answer = await self._quick(direct, message, _key(provider, message_id))
        if answer is None:
            return None
        log.info("sms_reply", outcome=answer.outcome, provider=provider)
        return Received(answer if answer.text else None)

    async def route(self, session: AsyncSession, message: Inbound) -> SmsAnswer:
        """The first handler's answer that takes the message."""
        for handler in self._handlers:
            answer = await handler(session, message)
            if answer is not None:
                return answer
        return SmsAnswer("", "ignored")

    async def receive(
        self, session: AsyncSession, *, provider: str, message_id: str, sender: str, text: str
    ) -> Received:
        """Handle an SMS once per provider's ``message_id``; the caller commits."""
        key = _key(provider, message_id)
        if key:
            table = cast(Table, InboundSms.__table__)
            new = await insert_ignoring_conflicts(
                session,
                table,
                [{"message_sid": key, "received_at": utcnow()}],
                key=["message_sid"],
            )
            if not new:
                seen = await session.scalar(
                    select(InboundSms.answer).where(InboundSms.message_sid == key)
                )
                log.info("sms_reply_repeated", provider=provider)
                return Received(SmsAnswer(seen, "repeated") if seen else None, repeated=True)
        answer = await self.route(
            session, Inbound(sender=sender, text=text[:MAX_TEXT], provider=provider)
        )
        if key:
            await session.execute(
                update(InboundSms).where(InboundSms.message_sid == key).values(answer=answer.text)
            )
        log.info("sms_reply", outcome=answer.outcome, provider=provider)
        return Received(answer if answer.text else None)


def _key(provider: str, message_id: str) -> str:
    """The inbound record's key: the provider's id of the message, per provider."""
    return f"{provider}:{message_id}"[:140] if message_id else ""
