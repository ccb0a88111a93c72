"""Provider webhooks: ``/webhooks/{name}/status`` and ``/webhooks/{name}/sms`` for every SMS
provider configured under ``name`` (the default Twilio provider's are ``/webhooks/twilio/…``).

Each request is checked the way its provider authenticates (``SmsProvider.verify``) against
the public URL it called, rebuilt from ``DISPATCH_BASE_URL`` (behind a proxy the request's own
URL is not the one the provider signed). Reports move deliveries forward; inbound SMS go to the
inbound router, and the answer goes back through the provider it came in on.
"""

from __future__ import annotations

import structlog
from litestar import Controller, Request, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.exceptions import (
    NotFoundException,
    PermissionDeniedException,
    TooManyRequestsException,
)
from litestar.params import FromPath

from channels.base import ChannelKind, OutgoingMessage, SmsProvider, WebhookAnswer, WebhookRequest
from dispatch.db.direct import DIRECT_STATE_KEY, DirectPool
from dispatch.db.session import DbSession, sessionmaker_from
from dispatch.delivery import events, fallback
from dispatch.delivery.sources import Sources
from dispatch.inbound.router import InboundRouter
from dispatch.member_pages import client_address
from dispatch.requests import ROUTER_STATE_KEY, channels_of, enqueuer_of
from dispatch.security.throttle import THROTTLE_STATE_KEY, GuessThrottle
from dispatch.settings import Settings

log = structlog.get_logger("dispatch.webhooks")

SOURCES_STATE_KEY = "dispatch_message_sources"


async def verified(
    request: Request[object, object, State], name: str
) -> tuple[SmsProvider, WebhookRequest]:
    """The provider called ``name`` and its request, once the request is shown to be its own;
    404 for a provider we do not have, 403 for a request it did not make."""
    provider = channels_of(request).provider(name)
    if provider is None:
        raise NotFoundException(f"There is no SMS provider called {name!r}.")
    settings: Settings = request.app.state["settings"]
    query = f"?{request.url.query}" if request.url.query else ""
    incoming = WebhookRequest(
        url=settings.base_url.rstrip("/") + request.url.path + query,
        headers={k.lower(): v for k, v in request.headers.items()},
        body=await request.body(),
    )
    if not provider.verify(incoming):
        # Checked first, counted only when it fails: a genuine callback is never refused for
        # what others sent from the same address.
        throttle: GuessThrottle = request.app.state[THROTTLE_STATE_KEY]
        if await throttle.failed(client_address(request), name):
            raise TooManyRequestsException(
                "Too many requests with a bad signature",
                headers={"Retry-After": str(throttle.window)},
            )
        raise PermissionDeniedException(f"The request is not signed by the provider {name!r}")
    return provider, incoming


def _response(answer: WebhookAnswer, background: BackgroundTask | None = None) -> Response[str]:
    return Response(
        answer.body, media_type=answer.media_type, status_code=answer.status, background=background
    )


class ProviderWebhookController(Controller):
    path = "/webhooks/{name:str}"
    tags = ("webhooks",)
    include_in_schema = False

    @post("/status", status_code=200, summary="A provider's delivery reports")
    async def status(
        self, request: Request[object, object, State], db_session: DbSession, name: FromPath[str]
    ) -> Response[str]:
        provider, incoming = await verified(request, name)
        try:
            reports = provider.parse_status(incoming)
        except ValueError:
            log.warning("status_unreadable", provider=name)
            reports = []
        failed = []
        for report in reports:
            if report.state is not None and report.provider_id:
                await events.apply_status(
                    db_session,
                    provider_id=report.provider_id,
                    state=report.state,
                    reason=report.reason,
                )
                if report.state in ("failed", "undeliverable"):
                    failed.append(report.provider_id)
        # Never arrived: the person's other channel is tried, as for any permanent failure.
        sources: Sources = request.app.state[SOURCES_STATE_KEY]
        instead = await fallback.after_reports(db_session, sources, failed)
        await db_session.commit()
        if instead:
            enqueuer_of(request).enqueue(instead)
        return _response(provider.answer_status())

    @post("/sms", status_code=200, summary="A provider's inbound SMS: acknowledgements and reports")
    async def sms(
        self, request: Request[object, object, State], name: FromPath[str]
    ) -> Response[str]:
        provider, incoming = await verified(request, name)
        try:
            inbound = provider.parse_inbound(incoming)
        except ValueError:
            log.warning("sms_unreadable", provider=name)
            inbound = None
        if inbound is None:
            return _response(provider.answer_inbound(None))
        router: InboundRouter = request.app.state[ROUTER_STATE_KEY]
        direct: DirectPool | None = request.app.state.get(DIRECT_STATE_KEY)
        given = {
            "provider": name,
            "message_id": inbound.message_id,
            "sender": inbound.sender,
            "text": inbound.text,
        }
        # The commonest reply in one round trip, else the handlers through the session.
        received = await router.receive_quick(direct, **given) if direct is not None else None
        if received is None:
            async with sessionmaker_from(request.app.state)() as db_session:
                received = await router.receive(db_session, **given)
                await db_session.commit()
        reply = received.answer.text if received.answer else None
        if reply and not provider.answers_inline and not received.repeated:
            # This provider cannot carry the reply in its answer: send it as a new SMS, after
            # the answer, through the provider it came in on.
            message = OutgoingMessage(ChannelKind.SMS, inbound.sender, reply, "", "reply")
            return _response(
                provider.answer_inbound(None), BackgroundTask(_send_reply, provider, message)
            )
        return _response(provider.answer_inbound(reply))


async def _send_reply(provider: SmsProvider, message: OutgoingMessage) -> None:
    try:
        await provider.send(message)
    except Exception as exc:
        log.warning("sms_reply_not_sent", provider=provider.name, error=type(exc).__name__)
