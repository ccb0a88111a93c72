"""E-mail over SMTP (aiosmtplib), with a small pool of reused connections. How a failure is
classified (permanent or for now) is ``smtp_errors.py``'s."""

from __future__ import annotations

import asyncio
import binascii
import dataclasses
import re
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import ClassVar

import aiosmtplib
from aiosmtplib.email import flatten_message

from channels._redact import redact
from channels.base import (
    ChannelKind,
    OutgoingMessage,
    PermanentChannelError,
    Receipt,
)
from channels.smtp_errors import translate as _translate

_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)

# A pooled connection idle for longer than this is checked with NOOP before it is reused.
_CHECK_IDLE_AFTER = 20.0

# Stand-ins in a message's shared bytes for what differs per recipient: the address, the
# Message-ID and the two bodies (encoded per copy, as quoted-printable, by binascii's C code).
_TO = "to-3c9e1f@template.invalid"
_ID = "<id-3c9e1f@template.invalid>"
_REPLY = "reply-3c9e1f@template.invalid"
_TEXT = "text-3c9e1f-template"
_HTML = "html-3c9e1f-template"
_STAND_INS = re.compile(
    rb"("
    + b"|".join(re.escape(x.encode()) for x in (_TO, _ID, _REPLY, _TEXT, _HTML))
    + rb")(?:\r\n)?"
)
_SAFE_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]+$")
TEMPLATES = 512
"""Frames kept per adapter: one per subject, language and extra headers (a message version in
one language is one frame, whoever it goes to)."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the outgoing mail server."""

    kind: ClassVar[ChannelKind] = ChannelKind.EMAIL

    host: str
    port: int
    username: str
    """Empty for a server that does not ask for a login."""
    password: str
    starttls: bool
    """Upgrade the connection with STARTTLS (port 587); port 465 uses TLS from the start."""
    sender: str
    """The From header, e.g. ``Beredskapsvarsling <varsel@example.no>``."""


@dataclass(slots=True)
class _Connection:
    smtp: aiosmtplib.SMTP
    idle_since: float
    reused: bool = False


class SmtpChannel:
    """Sends e-mail through one SMTP server, reusing up to ``pool_size`` connections."""

    kind: ChannelKind = ChannelKind.EMAIL
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        starttls: bool,
        sender: str,
        timeout: float = 15,
        *,
        pool_size: int = 4,
    ) -> None:
        self._host = host
        self._port = port
        self._username = username or None
        self._password = password or None
        self._starttls = starttls
        self._sender = sender
        self._timeout = timeout
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(pool_size)
        self._envelope_from = parseaddr(sender)[1] or sender
        self._frames: OrderedDict[Hashable, list[bytes | str] | None] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: SmtpSettings) -> SmtpChannel:
        """An adapter for the server the settings name."""
        return cls(
            settings.host,
            settings.port,
            settings.username,
            settings.password,
            settings.starttls,
            settings.sender,
        )

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Send one e-mail; the receipt's ``provider_id`` is its Message-ID.

        The headers and MIME frame of a message are built once per subject, language and extra
        headers, as bytes; each copy only gets its recipient, its id and its two bodies put in,
        encoded as quoted-printable in C. Composing and flattening a whole e-mail with the
        standard library costs about 1.7 ms of CPU; a copy from its frame, some microseconds.
        """
        sender = message.return_path or self._envelope_from
        async with self._slots:
            connection = await self._checkout()
            wire, message_id = self._wire(message)
            try:
                await self._deliver(connection, wire, message.to, sender)
            except ConnectionError as exc:
                if not connection.reused:
                    raise _translate(exc) from exc
                # A pooled connection the server closed while it sat idle, before this loop
                # noticed. The caller would retry a transient error anyway: do it now, once.
                connection = await self._connect()
                try:
                    await self._deliver(connection, wire, message.to, sender)
                except ConnectionError as again:
                    raise _translate(again) from again
        return Receipt(provider_id=message_id, delivered=True)

    def _wire(self, message: OutgoingMessage) -> tuple[EmailMessage | bytes, str]:
        """The message as bytes from its frame when it has one, else composed; and its id."""
        frame = self._frame(message)
        if frame is None:
            mail = self.compose(message)
            return mail, str(mail["Message-ID"])
        message_id = make_msgid(domain=_domain_of(self._sender))
        html = _with_html_element(message.html, message.language, message.direction)
        fills = {
            _TO: message.to.encode(),
            _ID: message_id.encode(),
            _REPLY: message.reply_to.encode(),
            _TEXT: _quoted_printable(message.text),
            _HTML: _quoted_printable(html) if message.html else b"",
        }
        data = b"".join(fills[part] if isinstance(part, str) else part for part in frame)
        return data, message_id

    def _frame(self, message: OutgoingMessage) -> list[bytes | str] | None:
        """The bytes every copy of this message shares, in pieces around the stand-ins; none
        for a message that must be composed whole (attachments, an unusual address)."""
        if message.attachments or not _SAFE_ADDRESS.match(message.to):
            return None
        if message.reply_to and not _SAFE_ADDRESS.match(message.reply_to):
            return None
        key = (
            bool(message.reply_to),
            message.subject,
            message.language,
            message.direction,
            tuple(message.headers.items()),
            bool(message.html),
        )
        if key in self._frames:
            self._frames.move_to_end(key)
            return self._frames[key]
        frame = self._build_frame(message)
        self._frames[key] = frame
        if len(self._frames) > TEMPLATES:
            self._frames.popitem(last=False)
        return frame

    def _build_frame(self, message: OutgoingMessage) -> list[bytes | str] | None:
        model = dataclasses.replace(
            message,
            to=_TO,
            text=_TEXT,
            html=_HTML if message.html else "",
            link="",
            reply_to=_REPLY if message.reply_to else "",
        )
        try:
            mail = self.compose(model, message_id=_ID, cte="quoted-printable", wrap_html=False)
        except PermanentChannelError:
            return None
        data = flatten_message(mail, cte_type="7bit")
        pieces: list[bytes | str] = []
        start = 0
        for found in _STAND_INS.finditer(data):
            stand_in = found.group(1).decode()
            pieces += [data[start : found.start()], stand_in]
            # A body's stand-in goes with the line end after it (each encoded body brings its
            # own); a header's keeps it.
            start = found.end() if stand_in in (_TEXT, _HTML) else found.end(1)
        pieces.append(data[start:])
        found_stand_ins = [p for p in pieces if isinstance(p, str)]
        expected = (
            [_TO, _ID]
            + ([_REPLY] if message.reply_to else [])
            + [_TEXT]
            + ([_HTML] if message.html else [])
        )
        return pieces if found_stand_ins == expected else None

    async def _deliver(
        self, connection: _Connection, mail: EmailMessage | bytes, to: str, sender: str = ""
    ) -> None:
        """Send on one connection; translate failures, except a lost connection (re-raised).
        ``sender`` is the envelope sender (the adapter's own address when empty)."""
        sender = sender or self._envelope_from
        try:
            if isinstance(mail, bytes):
                await connection.smtp.sendmail(sender, [to], mail)
            else:
                await connection.smtp.send_message(mail, sender=sender, recipients=[to])
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused) as exc:
            # The server answered and aiosmtplib reset the envelope: the connection is fine.
            self._checkin(connection)
            raise _translate(exc) from exc
        except ValueError as exc:
            # aiosmtplib checks the addresses before it writes anything to the server.
            self._checkin(connection)
            raise PermanentChannelError("the e-mail address is not valid") from exc
        except ConnectionError:
            connection.smtp.close()
            raise
        except (aiosmtplib.SMTPException, OSError) as exc:
            connection.smtp.close()
            raise _translate(exc) from exc
        except BaseException:
            connection.smtp.close()
            raise
        self._checkin(connection)

    def compose(
        self,
        message: OutgoingMessage,
        *,
        message_id: str = "",
        cte: str | None = None,
        wrap_html: bool = True,
    ) -> EmailMessage:
        """The e-mail as it will be sent: text part, an HTML alternative when there is one, and
        the attachments. ``cte`` forces the text parts' transfer encoding; ``wrap_html`` puts
        ``lang`` and ``dir`` on the HTML (a frame's stand-in has none to take them)."""
        mail = EmailMessage()
        try:
            mail["From"] = self._sender
            mail["To"] = message.to
            mail["Subject"] = message.subject
            mail["Message-ID"] = message_id or make_msgid(domain=_domain_of(self._sender))
            if message.reply_to:
                mail["Reply-To"] = message.reply_to
            for name, value in message.headers.items():
                mail[name] = value
            mail.set_content(message.text, cte=cte)
            if message.html:
                html = message.html
                if wrap_html:
                    html = _with_html_element(html, message.language, message.direction)
                mail.add_alternative(html, subtype="html", cte=cte)
            for attachment in message.attachments:
                maintype, _, subtype = attachment.content_type.partition("/")
                mail.add_attachment(
                    attachment.data,
                    maintype=maintype,
                    subtype=subtype,
                    filename=attachment.filename,
                    params=attachment.params,
                )
            # After the content: set_content() drops every Content-* header already there.
            mail["Content-Language"] = message.language
        except (ValueError, TypeError, IndexError) as exc:
            raise PermanentChannelError(
                f"the e-mail address or a header is not valid ({redact(str(exc))})"
            ) from exc
        return mail

    async def close(self) -> None:
        """Say goodbye to the server on every pooled connection."""
        idle, self._idle = self._idle, []
        for connection in idle:
            try:
                await connection.smtp.quit(timeout=2)
            except (aiosmtplib.SMTPException, OSError):
                connection.smtp.close()

    async def _checkout(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if await self._still_open(connection):
                connection.reused = True
                return connection
            connection.smtp.close()
        return await self._connect()

    async def _connect(self) -> _Connection:
        smtp = aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            # aiosmtplib wants one of the two; port 465 means TLS from the first byte.
            start_tls=self._starttls,
            use_tls=self._port == 465 and not self._starttls,
            timeout=self._timeout,
        )
        try:
            await smtp.connect()
            # Greet now, as sending would: a server that refuses us says so here, in one place.
            if smtp.is_ehlo_or_helo_needed:
                try:
                    await smtp.ehlo()
                except aiosmtplib.SMTPHeloError:
                    await smtp.helo()
        except (aiosmtplib.SMTPException, OSError) as exc:
            smtp.close()
            raise _translate(exc) from exc
        return _Connection(smtp, time.monotonic())

    def _checkin(self, connection: _Connection) -> None:
        if connection.smtp.is_connected:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)

    async def _still_open(self, connection: _Connection) -> bool:
        if not connection.smtp.is_connected:
            return False
        if time.monotonic() - connection.idle_since < _CHECK_IDLE_AFTER:
            return True
        try:
            await connection.smtp.noop(timeout=self._timeout)
        except (aiosmtplib.SMTPException, OSError):
            return False
        return True


def _quoted_printable(text: str) -> bytes:
    """A body as the standard library would put it in a part: its lines with CRLF and a final
    line end, encoded as quoted-printable (binascii's C encoder, with soft line breaks)."""
    body = "\n".join(text.splitlines()) + "\n"
    return binascii.b2a_qp(body.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")


def _domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(" >") or "localhost"


def _with_html_element(html: str, language: str, direction: str) -> str:
    """The HTML with ``lang`` and ``dir`` on its ``<html>`` element, which is added if missing."""
    tag = _HTML_TAG.search(html)
    if tag is None:
        return f'<html lang="{language}" dir="{direction}"><body>{html}</body></html>'
    opening = tag.group(0)
    missing = "".join(
        f' {name}="{value}"'
        for name, value in (("lang", language), ("dir", direction))
        if not re.search(rf"\s{name}\s*=", opening, re.IGNORECASE)
    )
    if not missing:
        return html
    patched = opening[:5] + missing + opening[5:]
    return html[: tag.start()] + patched + html[tag.end() :]
