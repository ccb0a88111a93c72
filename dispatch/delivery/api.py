"""Provider webhooks and the sandbox outbox."""

from __future__ import annotations

from typing import cast
from xml.sax.saxutils import escape

import structlog
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import PermissionDeniedException, TooManyRequestsException
from litestar.params import FromQuery
from sqlalchemy import Table, select, update
from twilio.request_validator import RequestValidator

from channels.sms import parse_status
from dispatch.acks.models import InboundSms
from dispatch.acks.pages import THROTTLE_STATE_KEY
from dispatch.acks.service import handle_sms_reply
from dispatch.db.base import utcnow
from dispatch.db.session import DbSession
from dispatch.db.upsert import insert_ignoring_conflicts
from dispatch.delivery import events
from dispatch.delivery.sandbox import SandboxMessageOut, list_messages
from dispatch.security.guards import READ_PERSONAL
from dispatch.security.throttle import GuessThrottle
from dispatch.settings import Settings

log = structlog.get_logger("dispatch.webhooks")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def verified_form(request: Request[object, object, State]) -> dict[str, str]:
    """The form of a Twilio webhook whose ``X-Twilio-Signature`` is right, or a 403.

    The URL is rebuilt from ``DISPATCH_BASE_URL``: behind a proxy the request's own URL is not
    the one Twilio signed.
    """
    settings: Settings = request.app.state["settings"]
    throttle: GuessThrottle = request.app.state[THROTTLE_STATE_KEY]
    client = request.client.host if request.client else "unknown"
    if await throttle.blocked(client, "twilio"):
        raise TooManyRequestsException(
            "Too many requests with a bad signature", headers={"Retry-After": str(throttle.window)}
        )
    signature = request.headers.get("x-twilio-signature", "")
    form = {k: str(v) for k, v in (await request.form()).items()}
    query = f"?{request.url.query}" if request.url.query else ""
    url = settings.base_url.rstrip("/") + request.url.path + query
    valid = bool(settings.twilio_auth_token and signature) and RequestValidator(
        settings.twilio_auth_token
    ).validate(url, form, signature)
    if not valid:
        await throttle.failed(client, "twilio")
        raise PermissionDeniedException("The request has no valid Twilio signature")
    return form


class TwilioWebhookController(Controller):
    path = "/webhooks/twilio"
    tags = ("webhooks",)
    include_in_schema = False

    @post("/status", status_code=200, summary="Twilio status callback")
    async def status(
        self, request: Request[object, object, State], db_session: DbSession
    ) -> Response[str]:
        form = await verified_form(request)
        reported = parse_status(form)
        if reported.state is not None and reported.provider_id:
            await events.apply_status(
                db_session,
                provider_id=reported.provider_id,
                state=reported.state,
                reason=reported.reason,
            )
            await db_session.commit()
        return Response(EMPTY_TWIML, media_type="application/xml")

    @post("/sms", status_code=200, summary="Twilio inbound SMS: acknowledgements and reports")
    async def sms(
        self, request: Request[object, object, State], db_session: DbSession
    ) -> Response[str]:
        form = await verified_form(request)
        sid = form.get("MessageSid", "")[:64]
        if sid:
            table = cast(Table, InboundSms.__table__)
            new = await insert_ignoring_conflicts(
                db_session, table, [{"message_sid": sid, "received_at": utcnow()}],
                key=["message_sid"],
            )  # fmt: skip
            if not new:
                # Twilio's retry, or a replay: answer as before, record nothing again.
                await db_session.rollback()
                seen = await db_session.scalar(
                    select(InboundSms.answer).where(InboundSms.message_sid == sid)
                )
                log.info("sms_reply_repeated")
                return twiml(seen) if seen else Response(EMPTY_TWIML, media_type="application/xml")
        sender = form.get("From", "")
        answer = await handle_sms_reply(db_session, sender=sender, body=form.get("Body", ""))
        if sid:
            await db_session.execute(
                update(InboundSms).where(InboundSms.message_sid == sid).values(answer=answer.text)
            )
        await db_session.commit()
        log.info("sms_reply", outcome=answer.outcome)
        return twiml(answer.text)


def twiml(text: str) -> Response[str]:
    """A TwiML answer that sends ``text`` back as an SMS."""
    message = f"<Response><Message>{escape(text)}</Message></Response>"
    body = '<?xml version="1.0" encoding="UTF-8"?>' + message
    return Response(body, media_type="application/xml")


class SandboxController(Controller):
    path = "/sandbox"
    tags = ("sandbox",)

    @get("/messages", guards=[READ_PERSONAL], summary="What sandbox channels would have sent")
    async def messages(
        self,
        db_session: DbSession,
        channel: FromQuery[str | None] = None,
        to: FromQuery[str | None] = None,
    ) -> list[SandboxMessageOut]:
        rows = await list_messages(db_session, channel=channel, to=to)
        return [
            SandboxMessageOut(
                channel=m.channel,
                to=m.to,
                subject=m.subject,
                body=m.body,
                language=m.language,
                sent_at=m.sent_at,
                direction=m.direction,
                link=m.link,
                reference=m.reference,
            )
            for m in rows
        ]
