"""The interface every channel adapter implements.

Exception tree:

    ChannelError                   base; ``reason`` is a sentence a coordinator can read
    ├── TransientChannelError      try again later: timeouts, refused connections, 429, 5xx,
    │                              SMTP 4xx; ``retry_after`` (seconds) when the provider says
    └── PermanentChannelError      retrying cannot help: invalid number, opted out, SMTP 5xx,
                                   webhook 404; ``code`` is the provider's code when it has one
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


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
    status_callback: str = ""
    """URL the SMS provider calls with delivery status updates."""


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
    """A delivery channel adapter."""

    kind: ChannelKind

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
