"""The SMTP server that the inbound mail domain's MX points at (aiosmtpd), as a leaf: it knows
no delivery and no database. Whoever starts it says which recipients exist (``accepts``), takes
each message (``receive``) and says whether a client may send more (``allow``).

What a client is told:

    RCPT to an address ``accepts`` refuses          550 5.1.1, the message is not taken
    more than MAX_RECIPIENTS recipients             452 4.5.3
    MAIL from a client past its rate                451 4.7.1, try later
    a message over ``max_bytes``                    552 (SIZE announced, checked at MAIL and DATA)
    ``receive`` raised                              451 4.3.0: the sender's server tries again
    otherwise                                       250, once ``receive`` has recorded it
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from aiosmtpd.smtp import SMTP

log = structlog.get_logger("channels.mail_server")

MAX_RECIPIENTS = 20
"""Recipients one message may name; a bounce or a reply names one."""
IDLE_TIMEOUT_S = 60.0
"""A client silent this long is disconnected."""


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """One message as the SMTP client handed it over."""

    client: str
    """The client's IP address."""
    mail_from: str
    """The envelope sender; empty for a bounce (``MAIL FROM:<>``)."""
    recipients: tuple[str, ...]
    """The accepted envelope recipients."""
    data: bytes


class MailHandler(Protocol):
    """What the server asks of whoever runs it."""

    async def accepts(self, address: str) -> bool:
        """Whether ``address`` is one of ours (checked at RCPT, before any data)."""
        ...

    async def receive(self, message: ReceivedMessage) -> None:
        """Record and act on a message; raise to make the sender's server try again later."""
        ...


Allowance = Callable[[str], Awaitable[bool]]
"""Whether a client address may hand over another message now."""


async def _always(client: str) -> bool:
    return True


class _Hooks:
    """aiosmtpd's handler hooks, delegating to a ``MailHandler``."""

    def __init__(self, handler: MailHandler, allow: Allowance) -> None:
        self._handler = handler
        self._allow = allow

    async def handle_MAIL(  # aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        client = str(session.peer[0]) if session.peer else ""
        if not await self._allow(client):
            log.info("mail_in_rate_limited")
            return "451 4.7.1 Too many messages from your address; try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        if not await self._handler.accepts(address):
            log.info("mail_in_unknown_recipient")
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        message = ReceivedMessage(
            client=str(session.peer[0]) if session.peer else "",
            mail_from=str(envelope.mail_from or ""),
            recipients=tuple(envelope.rcpt_tos),
            data=data,
        )
        try:
            await self._handler.receive(message)
        except Exception:
            log.exception("mail_in_failed")
            return "451 4.3.0 Could not record the message; try again later"
        return "250 2.0.0 Received"


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server context for STARTTLS from a certificate chain and its key (PEM files)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


async def start(
    handler: MailHandler,
    *,
    host: str,
    port: int,
    hostname: str,
    max_bytes: int,
    allow: Allowance = _always,
    tls: ssl.SSLContext | None = None,
) -> asyncio.Server:
    """Listen on ``host``:``port`` in the running event loop; close the server to stop."""
    hooks = _Hooks(handler, allow)
    loop = asyncio.get_running_loop()

    def protocol() -> SMTP:
        return SMTP(
            hooks,
            data_size_limit=max_bytes,
            enable_SMTPUTF8=True,
            hostname=hostname,
            ident="dispatch mail-in",
            tls_context=tls,
            timeout=IDLE_TIMEOUT_S,
            loop=loop,
        )

    return await loop.create_server(protocol, host=host, port=port)
