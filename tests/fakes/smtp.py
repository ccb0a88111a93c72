"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives for the test to read.

Use as a fixture::

    @pytest.fixture
    def smtp_sink() -> Iterator[SmtpSink]:
        with SmtpSink() as sink:
            yield sink

    channel = SmtpChannel(sink.host, sink.port, "", "", False, "Varsel <varsel@example.no>")
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Self, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.fakes.http import wait_until


@dataclass(slots=True)
class ReceivedMail:
    """One message the server accepted; parsed when first read (the benchmark's national alert
    takes 100,000 e-mails, and parsing each as it came made this sink, not the service, the
    bound)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    received_at: datetime
    _parsed: EmailMessage | None = None

    @property
    def message(self) -> EmailMessage:
        if self._parsed is None:
            self._parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        return self._parsed

    def part(self, content_type: str) -> EmailMessage | None:
        """The first part of the given type (``text/plain``, ``text/html``), if any."""
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.is_multipart():
                return part
        return None

    @property
    def text(self) -> str:
        """The decoded ``text/plain`` part, with ``\n`` line ends ("" when there is none)."""
        return self._decoded("text/plain")

    @property
    def html(self) -> str:
        """The decoded ``text/html`` part, with ``\n`` line ends ("" when there is none)."""
        return self._decoded("text/html")

    def _decoded(self, content_type: str) -> str:
        part = self.part(content_type)
        if part is None:
            return ""
        # Over the wire every line ends in CRLF; a mail client shows plain line breaks.
        return str(part.get_content()).replace("\r\n", "\n")


class _EphemeralPortController(Controller):
    # aiosmtpd connects to its own port to check that it started; with port 0 it has to learn
    # the port the OS picked first.
    def _trigger_server(self) -> None:
        server = cast(asyncio.Server, self.server)
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpSink:
    """An SMTP server on 127.0.0.1 with switches to refuse recipients and fail on demand."""

    def __init__(self, *, username: str | None = None, password: str | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        """The bound port; kept across ``refuse_connections``/``accept_connections``."""
        self._username = username
        self._password = password
        self._lock = threading.Lock()
        self._received: list[ReceivedMail] = []
        self._refusals: dict[str, tuple[int, str]] = {}
        self._fail_next: list[tuple[int, str]] = []
        self._controller: Controller | None = None
        self.connections = 0
        """How many SMTP sessions clients opened (counted at EHLO)."""

    # -- switches --------------------------------------------------------------------------

    def refuse(
        self, address: str, code: int = 550, text: str = "5.1.1 Mailbox unavailable"
    ) -> None:
        """Answer RCPT TO for ``address`` with ``code`` (550 permanent, 450 temporary)."""
        with self._lock:
            self._refusals[address.lower()] = (code, text)

    def fail_next(
        self, count: int = 1, code: int = 451, text: str = "4.3.0 Temporary failure, try later"
    ) -> None:
        """Answer DATA for the next ``count`` messages with ``code``."""
        with self._lock:
            self._fail_next.extend([(code, text)] * count)

    def refuse_connections(self) -> None:
        """Stop listening, so connections are refused; ``accept_connections`` undoes it."""
        self.stop()

    def accept_connections(self) -> None:
        """Listen again, on the same port."""
        self.start()

    # -- what happened ---------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMail]:
        """Accepted messages, oldest first."""
        with self._lock:
            return list(self._received)

    @property
    def count(self) -> int:
        """How many messages were accepted (without copying them)."""
        with self._lock:
            return len(self._received)

    def to(self, address: str) -> list[ReceivedMail]:
        """Accepted messages with ``address`` among the envelope recipients."""
        return [m for m in self.messages if address.lower() in map(str.lower, m.rcpt_tos)]

    def wait_for(self, count: int, *, timeout: float = 5.0) -> list[ReceivedMail]:
        """Block until ``count`` messages arrived (or ``timeout``); return all received."""
        wait_until(lambda: len(self.messages) >= count, timeout=timeout)
        return self.messages

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on 127.0.0.1 (an ephemeral port the first time, the same port afterwards)."""
        if self._controller is not None:
            raise RuntimeError("already running")
        login: dict[str, Any] = {}
        if self._username is not None:
            login = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        controller = _EphemeralPortController(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="fake-smtp.test",
            enable_SMTPUTF8=True,
            **login,
        )
        controller.start()
        self.port = controller.port
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening and close the connections."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- called by the server --------------------------------------------------------------

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (self._username, self._password)
        return AuthResult(success=ok, handled=False)

    def _refusal(self, address: str) -> tuple[int, str] | None:
        with self._lock:
            return self._refusals.get(address.lower())

    def _take_failure(self) -> tuple[int, str] | None:
        with self._lock:
            return self._fail_next.pop(0) if self._fail_next else None

    def _keep(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> None:
        with self._lock:
            self._received.append(
                ReceivedMail(mail_from, tuple(rcpt_tos), content, datetime.now(UTC))
            )


class _Handler:
    """aiosmtpd's hooks, delegating to the sink."""

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_EHLO(  # aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self._sink._lock:
            self._sink.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(  # aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self._sink._refusal(address)
        if refusal is not None:
            return f"{refusal[0]} {refusal[1]}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        failure = self._sink._take_failure()
        if failure is not None:
            return f"{failure[0]} {failure[1]}"
        content = envelope.original_content or envelope.content
        self._sink._keep(envelope.mail_from, list(envelope.rcpt_tos), content)
        return "250 Message accepted for delivery"
