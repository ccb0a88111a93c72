"""SMS through Twilio's official SDK (its aiohttp-based async client).

Errors when Twilio is asked to send (``SEND_ERRORS``; a code not listed falls back on HTTP status):

    code          meaning                                          outcome
    20003         our credentials were refused                     permanent
    20429 / 429   Twilio asks us to slow down                      transient, retry_after
    20500, 20503  Twilio is having trouble                         transient
    21211, 21217  the number is not a valid (mobile) number        permanent
    21265         the number is a short code                       permanent
    21408         SMS to the region is not enabled                 permanent
    21606, 21212  our sender cannot send SMS                       permanent
    21608         trial account, number not verified               permanent
    21610         the recipient replied STOP                       permanent
    21612         the number cannot be reached by SMS              permanent
    21614         the number is not a mobile number                permanent
    21617         the text is too long                             permanent
    other 4xx     Twilio refused the message                       permanent
    5xx, network errors                                            transient
    a timeout, or a connection lost after the request went out     transient, uncertain: Twilio
                                                                   may have the message; before
                                                                   the next try ``find_sent``
                                                                   asks it (no second copy)

Status callbacks (``parse_status``; ``STATUS_STATES`` and ``DELIVERY_ERRORS``):

    MessageStatus                          state
    accepted, scheduled, queued, sending   None (ignored)
    sent                                   "sent"
    delivered, read                        "delivered"
    undelivered                            "undeliverable"
    failed                                 "failed"
    canceled                               "failed": a scheduled or queued message Twilio
                                           dropped before sending (the other channel is tried)
    partially_delivered                    "undeliverable": only some segments reached the
                                           phone, so the member may miss the instruction

    ErrorCode 30003 unreachable handset, 30004 blocked, 30005 unknown number, 30006 landline or
    unreachable carrier, 30007 filtered as spam, 30008 unknown error: see ``DELIVERY_ERRORS``.
    A messaging service may report a send-time code (21610, …) here too: see ``SEND_ERRORS``.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels._redact import redact
from channels._retry_after import parse_retry_after
from channels.base import (
    ChannelError,
    ChannelKind,
    DeliveryReport,
    InboundSms,
    OutgoingMessage,
    PermanentChannelError,
    Receipt,
    ReportedState,
    TransientChannelError,
    WebhookAnswer,
    WebhookRequest,
)
from channels.providers import ProviderConfig


class _Meaning(NamedTuple):
    permanent: bool
    reason: str


SEND_ERRORS: dict[int, _Meaning] = {
    20003: _Meaning(True, "Twilio refused our credentials; check the account SID and auth token"),
    20429: _Meaning(False, "Twilio asked us to send more slowly"),
    20500: _Meaning(False, "Twilio had an internal error"),
    20503: _Meaning(False, "Twilio is temporarily unavailable"),
    21211: _Meaning(True, "the number is not a valid mobile number"),
    21212: _Meaning(True, "our sender number is not valid"),
    21217: _Meaning(True, "the number is not a valid phone number"),
    21265: _Meaning(True, "the number is a short code, which cannot receive our SMS"),
    21408: _Meaning(True, "SMS to this country or region is not enabled on our Twilio account"),
    21606: _Meaning(True, "our sender number cannot send SMS"),
    21608: _Meaning(True, "our Twilio trial account can only send to verified numbers"),
    21610: _Meaning(True, "the recipient has opted out of SMS by replying STOP"),
    21612: _Meaning(True, "the number cannot be reached by SMS from our sender"),
    21614: _Meaning(True, "the number is not a mobile number"),
    21617: _Meaning(True, "the text is longer than an SMS may be (1,600 characters)"),
}

STATUS_REASONS: dict[str, str] = {
    "canceled": "Twilio cancelled the message before sending it",
    "partially_delivered": "only part of the message reached the phone",
}
"""The reason of a final status that says more than its code."""

STATUS_STATES: dict[str, ReportedState | None] = {
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": None,
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undeliverable",
    "failed": "failed",
    "canceled": "failed",
    "partially_delivered": "undeliverable",
}

DELIVERY_ERRORS: dict[str, str] = {
    "30001": "Twilio's queue for our sender overflowed",
    "30002": "our Twilio account is suspended",
    "30003": "the phone was unreachable (switched off or out of coverage)",
    "30004": "the message was blocked by the recipient or their carrier",
    "30005": "the number is unknown or no longer in use",
    "30006": "the number is a landline or its carrier cannot be reached",
    "30007": "the carrier filtered the message as spam",
    "30008": "the carrier reported an unknown error",
}

# Set by the HTTP client below for the response the awaiting task just got; a ContextVar so
# that concurrent sends (each in its own task) never read each other's header.
_retry_after: ContextVar[float | None] = ContextVar("twilio_retry_after", default=None)


def parse_status(form: Mapping[str, str]) -> DeliveryReport:
    """Read the form Twilio POSTs to a message's StatusCallback URL."""
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    state = STATUS_STATES.get(status)
    error_code = form.get("ErrorCode") or None
    reason = None
    if state in ("undeliverable", "failed"):
        reason = (
            _delivery_reason(error_code)
            or STATUS_REASONS.get(status)
            or f"Twilio reported the message as {status}"
        )
        if error_code:
            reason = f"{reason} (Twilio {error_code})"
    return DeliveryReport(
        provider_id=form.get("MessageSid") or form.get("SmsSid") or "",
        state=state,
        error_code=error_code,
        reason=reason,
    )


def _delivery_reason(error_code: str | None) -> str | None:
    # A message sent through a messaging service is accepted first and refused later, so a
    # callback can carry a send-time code (21610, 21614, …) too.
    if not error_code:
        return None
    if error_code in DELIVERY_ERRORS:
        return DELIVERY_ERRORS[error_code]
    known = SEND_ERRORS.get(int(error_code)) if error_code.isdigit() else None
    return known.reason if known is not None else None


class TwilioSmsChannel:
    """Sends SMS with Twilio; delivery is confirmed later by status callbacks, which name this
    provider's webhook, and members' replies arrive at its inbound webhook."""

    kind: ChannelKind = ChannelKind.SMS
    answers_inline = True

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_base: str = "",
        *,
        name: str = "twilio",
        webhook_base: str = "",
        timeout: float = 10,
    ) -> None:
        self.name = name
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._sender = sender
        self._api_base = api_base
        self._status_callback = f"{webhook_base}/status" if webhook_base else ""
        self._timeout = timeout
        self._client: Any = None

    @classmethod
    def from_config(cls, config: ProviderConfig, webhook_base: str) -> TwilioSmsChannel:
        """An adapter for the account a provider's configuration names (``account_sid``,
        ``auth_token``, ``from`` and, for tests, ``api_base``)."""
        return cls(
            config.require("account_sid"),
            config.require("auth_token"),
            config.options.get("from", ""),
            config.options.get("api_base", ""),
            name=config.name,
            webhook_base=webhook_base,
        )

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Hand the SMS to Twilio; the receipt's ``provider_id`` is the message SID."""
        if not self._sender:
            raise PermanentChannelError(
                f"the SMS provider {self.name!r} has no sender number configured (from)"
            )
        arguments: dict[str, str] = {"to": message.to, "body": message.text}
        if self._sender.startswith("MG"):
            arguments["messaging_service_sid"] = self._sender
        else:
            arguments["from_"] = self._sender
        if self._status_callback:
            arguments["status_callback"] = self._status_callback
        _retry_after.set(None)
        try:
            created = await self._twilio().messages.create_async(**arguments)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _translate(exc, _retry_after.get()) from exc
        except TimeoutError as exc:
            raise TransientChannelError("Twilio did not answer in time", uncertain=True) from exc
        except aiohttp.ClientConnectorError as exc:
            raise TransientChannelError(
                f"Twilio could not be reached ({type(exc).__name__})"
            ) from exc
        except aiohttp.ClientError as exc:
            # The request may have gone out before the connection broke.
            raise TransientChannelError(
                f"Twilio's answer was lost ({type(exc).__name__})", uncertain=True
            ) from exc
        return Receipt(provider_id=str(created.sid), delivered=False)

    async def find_sent(self, message: OutgoingMessage, since: datetime) -> Receipt | None:
        """Twilio's newest messages to the number: one with this text, created at or after
        ``since`` (less a minute for clocks and Twilio's whole seconds), was taken already.
        Raises ``TransientChannelError`` when Twilio cannot be asked."""
        try:
            recent = await self._twilio().messages.list_async(to=message.to, limit=LOOKUP_LIMIT)
        except (
            # A page of the list that cannot be read is the SDK's plain TwilioException.
            TwilioException,
            TimeoutError,
            aiohttp.ClientError,
        ) as exc:
            raise TransientChannelError(
                f"Twilio's list of sent messages could not be read ({type(exc).__name__})"
            ) from exc
        earliest = since - LOOKUP_MARGIN
        for found in recent:
            created = found.date_created
            if found.body == message.text and (created is None or created >= earliest):
                return Receipt(provider_id=str(found.sid), delivered=False)
        return None

    def verify_callback(self, url: str, form: Mapping[str, str], signature: str) -> bool:
        """Whether a callback really comes from Twilio (its ``X-Twilio-Signature`` over the URL
        Twilio called and the form)."""
        if not (self._auth_token and signature):
            return False
        return bool(RequestValidator(self._auth_token).validate(url, dict(form), signature))

    def verify(self, request: WebhookRequest) -> bool:
        """Whether a webhook request is signed with our auth token."""
        signature = request.headers.get("x-twilio-signature", "")
        return self.verify_callback(request.url, request.form(), signature)

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """The one report in a status callback."""
        return [parse_status(request.form())]

    def parse_inbound(self, request: WebhookRequest) -> InboundSms | None:
        """The SMS in an inbound webhook (``MessageSid``, ``From``, ``Body``, ``To``)."""
        form = request.form()
        sender = form.get("From", "")
        if not sender:
            return None
        return InboundSms(
            message_id=form.get("MessageSid") or form.get("SmsSid") or "",
            sender=sender,
            text=form.get("Body", ""),
            recipient=form.get("To", ""),
        )

    def answer_inbound(self, reply: str | None) -> WebhookAnswer:
        """TwiML that sends ``reply`` back to the member, or says nothing."""
        return twiml(reply)

    def answer_status(self) -> WebhookAnswer:
        """An empty TwiML answer."""
        return twiml(None)

    async def close(self) -> None:
        """Close the SDK's aiohttp session."""
        if self._client is not None:
            await self._client.http_client.close()
            self._client = None

    def _twilio(self) -> Any:
        # Created on first use because the aiohttp session must be made inside a running loop.
        if self._client is None:
            http_client = _HttpClient(timeout=self._timeout)
            client = Client(self._account_sid, self._auth_token, http_client=http_client)
            if self._api_base:
                client.api.base_url = self._api_base.rstrip("/")
            self._client = client
        return self._client


def twiml(reply: str | None) -> WebhookAnswer:
    """A TwiML answer that sends ``reply`` back as an SMS, or an empty one."""
    message = f"<Message>{escape(reply)}</Message>" if reply else ""
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response>{message}</Response>'
    return WebhookAnswer(body=body, media_type="application/xml")


LOOKUP_LIMIT = 20
"""How many of a number's newest messages ``find_sent`` reads."""
LOOKUP_MARGIN = timedelta(minutes=1)


class _HttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # twilio ships no types
    """The SDK's client, with our timeout, the ``Retry-After`` header kept, and no auth warning."""

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109  # the SDK's signature
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        headers = dict(headers or {})
        if auth is not None:
            # aiohttp deprecates its auth= argument; setting the header ourselves keeps it quiet.
            credentials = b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {credentials}"
        response = await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            timeout=timeout if timeout is not None else self.timeout,
            allow_redirects=allow_redirects,
        )
        _retry_after.set(parse_retry_after(response.headers.get("Retry-After")))
        return response


def _translate(exc: Any, retry_after: float | None) -> ChannelError:
    status = int(exc.status)
    code = int(exc.code) if exc.code is not None else None
    known = SEND_ERRORS.get(code) if code is not None else None
    if known is not None:
        meaning = known
    else:
        detail = getattr(exc, "msg", None) or getattr(exc, "detail", None) or exc.title
        detail = redact(str(detail).removeprefix("Unable to create record: "))
        if status == 429 or status >= 500:
            meaning = _Meaning(False, f"Twilio could not take the message now ({status}): {detail}")
        else:
            meaning = _Meaning(True, f"Twilio refused the message: {detail}")
    reason = f"{meaning.reason} (Twilio {code})" if code is not None else meaning.reason
    code_text = str(code) if code is not None else str(status)
    if meaning.permanent:
        return PermanentChannelError(reason, code=code_text)
    return TransientChannelError(
        reason, code=code_text, retry_after=retry_after, throttled=status == 429
    )
