"""The interface every channel adapter implements.

Exception tree:

    ChannelError                   base; ``reason`` is a sentence a coordinator can read
    ├── TransientChannelError      try again later: timeouts, refused connections, 429, 5xx,
    │                              SMTP 4xx; ``retry_after`` (seconds) when the provider says
    └── PermanentChannelError      retrying cannot help: invalid number, opted out, SMTP 5xx,
                                   webhook 404; ``code`` is the provider's code when it has one
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import parse_qsl


class ChannelKind(StrEnum):
    """Where a message goes."""

    EMAIL = "email"
    SMS = "sms"
    TEAMS = "teams"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with an e-mail, such as a meeting's ``invitation.ics``."""

    filename: str
    content_type: str
    """``maintype/subtype``, e.g. ``text/calendar``."""
    data: bytes
    params: dict[str, str] = field(default_factory=dict)
    """Content-Type parameters, e.g. ``{"method": "PUBLISH"}`` for a calendar file."""


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message rendered for one recipient on one channel; nothing here is looked up later.

    ``to`` is an e-mail address, an E.164 number, or a Teams webhook URL. ``text`` is the plain
    text (the whole SMS; the text part of an e-mail; the card's body for Teams). ``html`` is the
    e-mail's HTML part. ``language`` is a BCP 47 tag and ``direction`` ``ltr`` or ``rtl``.
    ``reference`` is our delivery id, echoed by providers that support it.
    """

    channel: ChannelKind
    to: str
    text: str
    language: str
    reference: str
    subject: str = ""
    html: str = ""
    direction: str = "ltr"
    link: str = ""
    """The acknowledgement link (e-mail button, Teams ``Action.OpenUrl``), when there is one."""
    link_label: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra e-mail headers, e.g. ``List-Unsubscribe`` for routine mail."""
    attachments: tuple[Attachment, ...] = ()
    """Files sent with an e-mail; other channels ignore them."""
    return_path: str = ""
    """The e-mail's envelope sender (``MAIL FROM``), where bounces go; empty: the adapter's
    own sender address."""
    reply_to: str = ""
    """The e-mail's ``Reply-To``; empty for none."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """A provider's acceptance of a message.

    ``delivered`` is true when acceptance is the last word we will get (SMTP accepted, Teams
    answered 2xx); for SMS it is false and a status callback says delivered later.
    """

    provider_id: str
    delivered: bool


class ChannelError(Exception):
    """A send that did not succeed; ``reason`` is shown to the coordinator."""

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TransientChannelError(ChannelError):
    """Worth trying again later. ``uncertain`` when the provider may have taken the message
    all the same (the request went out and the answer did not come back: a timeout);
    ``throttled`` when the provider only asked us to send more slowly (429): not a failed try."""

    def __init__(
        self,
        reason: str,
        *,
        code: str | None = None,
        retry_after: float | None = None,
        uncertain: bool = False,
        throttled: bool = False,
    ) -> None:
        super().__init__(reason, code=code)
        self.retry_after = retry_after
        self.uncertain = uncertain
        self.throttled = throttled


class PermanentChannelError(ChannelError):
    """Trying again cannot help; the delivery fails and another channel is tried."""


@runtime_checkable
class Channel(Protocol):
    """A delivery channel adapter; ``name`` is what deliveries record as their provider."""

    kind: ChannelKind
    name: str

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Hand the message to the provider; raise a ``ChannelError`` when it is not accepted."""
        ...

    async def close(self) -> None:
        """Release connections; the adapter is not used afterwards."""
        ...


@runtime_checkable
class Reconciling(Protocol):
    """A channel whose provider can say whether it already has a message: before a send whose
    earlier try has an unknown outcome, the worker asks instead of sending a second copy."""

    async def find_sent(self, message: OutgoingMessage, since: datetime) -> Receipt | None:
        """The provider's receipt for ``message`` if it took it at or after ``since``; raises
        ``TransientChannelError`` when the provider cannot be asked."""
        ...


# --- What providers send back: delivery reports and inbound messages ---------------------------

ReportedState = Literal["sent", "delivered", "undeliverable", "failed"]
"""The delivery states a provider's report can move a delivery to."""


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A provider's call to one of our webhooks, as it arrived.

    ``url`` is the public address the provider called (the service's base URL, the path and
    the query): a signature is computed over it, and behind a proxy the request's own URL
    differs. Header names are lower case.
    """

    url: str
    headers: Mapping[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        """The body as an ``application/x-www-form-urlencoded`` form (last value wins)."""
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def json(self) -> Any:
        """The body as JSON; ``ValueError`` when it is not."""
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What a provider says about one message it took."""

    provider_id: str
    state: ReportedState | None
    """``None`` for intermediate states that are not recorded (queued, sending, …)."""
    error_code: str | None = None
    reason: str | None = None
    """A sentence for the coordinator when the message was not delivered."""


@dataclass(frozen=True, slots=True)
class InboundSms:
    """An SMS a member sent to one of our numbers."""

    message_id: str
    """The provider's id of the inbound message: a provider's retry carries the same one."""
    sender: str
    """The member's number, E.164."""
    text: str
    recipient: str = ""
    """Our number (or short number) it was sent to."""


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """What our webhook answers the provider."""

    body: str = ""
    media_type: str = "text/plain"
    status: int = 200


@runtime_checkable
class SmsProvider(Protocol):
    """An SMS gateway: it sends, and it reads what the gateway calls back with.

    Each provider is configured under a ``name`` (``DISPATCH_SMS_PROVIDERS``); its webhooks are
    ``/webhooks/{name}/status`` (delivery reports) and ``/webhooks/{name}/sms`` (inbound SMS),
    and it names them itself when it sends, from the service's base URL.
    """

    kind: ChannelKind
    name: str
    answers_inline: bool
    """Whether ``answer_inbound`` carries the reply back (Twilio's TwiML); otherwise the reply
    is sent as a new SMS through ``send``."""

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Hand the SMS to the gateway; raise a ``ChannelError`` when it is not accepted."""
        ...

    async def close(self) -> None:
        """Release connections; the adapter is not used afterwards."""
        ...

    def verify(self, request: WebhookRequest) -> bool:
        """Whether the request really comes from this provider (its signature or credentials)."""
        ...

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        """The delivery reports in a verified status callback (some providers batch them)."""
        ...

    def parse_inbound(self, request: WebhookRequest) -> InboundSms | None:
        """The SMS in a verified inbound callback, or ``None`` when it carries none."""
        ...

    def answer_inbound(self, reply: str | None) -> WebhookAnswer:
        """The HTTP answer to an inbound callback, carrying ``reply`` where the gateway can."""
        ...

    def answer_status(self) -> WebhookAnswer:
        """The HTTP answer to a status callback."""
        ...
