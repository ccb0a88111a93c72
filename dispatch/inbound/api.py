"""Answering an SMS as a member would, while SMS runs in sandbox mode: the reply goes through
the same inbound router as a provider's webhook (acknowledgements, field reports, STOP and
START), and our answer to it is kept in the sandbox outbox beside what was sent."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.datastructures import State
from litestar.params import JSONBody

from dispatch.db.base import utcnow
from dispatch.db.session import DbSession
from dispatch.delivery.sandbox import SandboxMessage
from dispatch.directory import validation
from dispatch.errors import ConflictError, InvalidInputError
from dispatch.inbound.router import MAX_TEXT, InboundRouter
from dispatch.lengths import Phone
from dispatch.requests import ROUTER_STATE_KEY
from dispatch.security.guards import WRITE_INCIDENTS
from dispatch.settings import Settings
from translations.strings.marking import N_
from translations.text import Text

SANDBOX_PROVIDER = "sandbox"


class SmsReplyIn(msgspec.Struct, forbid_unknown_fields=True):
    sender: Phone = msgspec.field(name="from")
    """The member's mobile number, in any form (``+4791234567``, ``912 34 567``)."""
    body: Annotated[str, msgspec.Meta(max_length=2 * MAX_TEXT)]
    """Refused past ``MAX_TEXT`` characters with the reason in the caller's language; past
    twice that, before the request is read any further."""


class SmsReplyOut(msgspec.Struct):
    outcome: str
    """What the reply became: ``acknowledged``, ``field_report``, ``stopped``, ``unknown`` …"""
    answer: str
    """Our answer to the member (also in the sandbox outbox); empty when we say nothing."""


async def reply_as_member(
    request: Request[Any, Any, State], db_session: DbSession, *, sender: str, body: str
) -> SmsReplyOut:
    """Handle ``body`` from ``sender`` as an inbound SMS; 409 unless SMS is in sandbox mode."""
    settings: Settings = request.app.state["settings"]
    if settings.sms_provider_configs():
        raise ConflictError(
            Text(N_("SMS goes through a provider, not the sandbox: reply from a real phone."))
        )
    errors: list[str] = []
    number = ""
    try:
        number = validation.mobile(sender.strip())
    except validation.InvalidValue:
        errors.append(
            Text(
                N_("'%(number)s' is not a mobile number, such as +4791234567"),
                field="from",
                number=sender[:40],
            )
        )
    text = body.strip()
    if not text:
        errors.append(Text(N_("the reply is empty"), field="body"))
    elif len(text) > MAX_TEXT:
        errors.append(
            Text(N_("the reply is longer than %(limit)d characters"), field="body", limit=MAX_TEXT)
        )
    if errors:
        raise InvalidInputError.from_errors(errors)
    router: InboundRouter = request.app.state[ROUTER_STATE_KEY]
    received = await router.receive(
        db_session,
        provider=SANDBOX_PROVIDER,
        message_id=secrets.token_hex(8),
        sender=number,
        text=text,
    )
    answer = received.answer
    if answer is not None and answer.text:
        db_session.add(
            SandboxMessage(
                channel="sms",
                to=number,
                subject="",
                body=answer.text,
                html="",
                language="",
                direction="ltr",
                link="",
                reference="reply",
                sent_at=utcnow(),
            )
        )
    await db_session.commit()
    return SmsReplyOut(
        outcome=answer.outcome if answer is not None else "ignored",
        answer=answer.text if answer is not None else "",
    )


class SandboxReplies(Controller):
    path = "/sandbox"
    tags = ("sandbox",)

    @post(
        "/sms-replies",
        guards=[WRITE_INCIDENTS],
        status_code=200,
        summary="Reply to an SMS as a member would (sandbox mode only)",
    )
    async def sms_reply(
        self, request: Request[Any, Any, State], db_session: DbSession, data: JSONBody[SmsReplyIn]
    ) -> SmsReplyOut:
        """Handled exactly as a provider's inbound SMS: OK (with a code) acknowledges, other
        text becomes a field report, STOP and START opt out and in."""
        return await reply_as_member(request, db_session, sender=data.sender, body=data.body)
