"""One harness per adapter: the adapter, the server it talks to, and how to read what arrived.

The contract suite is written against ``Harness`` only, so every adapter (and the sandbox)
is held to the same behaviour.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace

from channels.base import (
    Channel,
    ChannelKind,
    OutgoingMessage,
    PermanentChannelError,
    TransientChannelError,
)
from channels.email import SmtpChannel
from channels.linkmobility import LinkMobilitySmsChannel
from channels.sandbox import MemorySink, SandboxChannel
from channels.teams import TeamsChannel
from channels.twilio import TwilioSmsChannel
from tests.fakes.linkmobility import FakeLink
from tests.fakes.smtp import SmtpSink
from tests.fakes.teams import TeamsReceiver
from tests.fakes.twilio import FakeTwilio

_DIR = re.compile(r'<html\b[^>]*\bdir="(?P<dir>[^"]+)"', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Arrived:
    """A message as its recipient sees it; ``None`` where the channel does not carry a field."""

    to: str
    text: str
    language: str | None
    direction: str | None
    provider_id: str


class Harness(ABC):
    """An adapter wired to the server it talks to."""

    kind: ChannelKind
    channel: Channel
    delivered_on_accept: bool
    carries_language: bool
    carries_direction: bool

    @abstractmethod
    def address(self, name: str) -> str:
        """A recipient address that works, distinct per ``name``."""

    @abstractmethod
    def arrived(self) -> list[Arrived]:
        """What the recipients got, oldest first."""

    @abstractmethod
    def refuse_permanently(self, name: str) -> str:
        """An address the provider will refuse for good."""

    @abstractmethod
    def fail_transiently(self, address: str) -> None:
        """Make the next send to ``address`` fail in a way worth retrying."""

    def recover(self) -> None:  # noqa: B027  # doing nothing is the right default
        """Undo ``fail_transiently`` where the failure does not clear itself."""

    def message(
        self, to: str, text: str, *, language: str = "nb", direction: str = "ltr"
    ) -> OutgoingMessage:
        """A message as the delivery worker would render it for this channel."""
        return OutgoingMessage(
            channel=self.kind,
            to=to,
            text=text,
            language=language,
            reference="delivery-1",
            subject="Beredskapsvarsel",
            direction=direction,
        )

    def arrived_at(self, address: str) -> list[Arrived]:
        """What arrived for one address."""
        return [a for a in self.arrived() if a.to == address]


class EmailHarness(Harness):
    kind = ChannelKind.EMAIL
    delivered_on_accept = True
    carries_language = True
    carries_direction = True

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink
        self.channel = SmtpChannel(
            sink.host, sink.port, "", "", False, "Beredskap <varsel@helsedir.test>", timeout=5
        )

    def address(self, name: str) -> str:
        return f"{name}@kommune.test"

    def message(
        self, to: str, text: str, *, language: str = "nb", direction: str = "ltr"
    ) -> OutgoingMessage:
        plain = super().message(to, text, language=language, direction=direction)
        return replace(plain, html=f"<p>{text}</p>")

    def arrived(self) -> list[Arrived]:
        result = []
        for mail in self.sink.messages:
            found = _DIR.search(mail.html)
            result.append(
                Arrived(
                    to=mail.rcpt_tos[0],
                    text=mail.text.removesuffix("\n"),
                    language=mail.message["Content-Language"],
                    direction=found["dir"] if found else None,
                    provider_id=str(mail.message["Message-ID"]),
                )
            )
        return result

    def refuse_permanently(self, name: str) -> str:
        address = self.address(name)
        self.sink.refuse(address, 550, "5.1.1 No such mailbox here")
        return address

    def fail_transiently(self, address: str) -> None:
        self.sink.fail_next(1, 451, "4.7.1 Greylisted, try again later")


class SmsHarness(Harness):
    kind = ChannelKind.SMS
    delivered_on_accept = False
    carries_language = False
    carries_direction = False

    def __init__(self, fake: FakeTwilio) -> None:
        self.fake = fake
        self.channel = TwilioSmsChannel(
            fake.account_sid, fake.auth_token, "+4759440000", api_base=fake.base_url, timeout=5
        )
        self._numbers: dict[str, str] = {}

    def address(self, name: str) -> str:
        return self._numbers.setdefault(name, f"+479{len(self._numbers):07d}")

    def arrived(self) -> list[Arrived]:
        return [
            Arrived(to=m.to, text=m.body, language=None, direction=None, provider_id=m.sid)
            for m in self.fake.messages
        ]

    def refuse_permanently(self, name: str) -> str:
        number = self.address(name)
        self.fake.fail_numbers[number] = (400, 21610, "Attempt to send to unsubscribed recipient")
        return number

    def fail_transiently(self, address: str) -> None:
        self.fake.fail_next(1, status=503)


class LinkMobilityHarness(Harness):
    kind = ChannelKind.SMS
    delivered_on_accept = False
    carries_language = False
    carries_direction = False

    def __init__(self, fake: FakeLink) -> None:
        self.fake = fake
        # The gate must be known to LINK; the contract does not read delivery reports.
        fake.gate("http://127.0.0.1:9/unused")
        fake.send_reports = False
        self.channel = LinkMobilitySmsChannel(
            fake.username,
            fake.password,
            fake.platform_id,
            fake.platform_partner_id,
            "Helsedir",
            fake.gate_id,
            api_base=fake.base_url,
            name="link",
            timeout=5,
        )
        self._numbers: dict[str, str] = {}

    def address(self, name: str) -> str:
        return self._numbers.setdefault(name, f"+479{len(self._numbers):07d}")

    def arrived(self) -> list[Arrived]:
        return [
            Arrived(
                to=m.destination,
                text=m.user_data,
                language=None,
                direction=None,
                provider_id=m.message_id,
            )
            for m in self.fake.messages
        ]

    def refuse_permanently(self, name: str) -> str:
        number = self.address(name)
        self.fake.refuse(number, 2105)
        return number

    def fail_transiently(self, address: str) -> None:
        self.fake.fail_next(1, status=503)


class TeamsHarness(Harness):
    kind = ChannelKind.TEAMS
    delivered_on_accept = True
    carries_language = True
    carries_direction = True

    def __init__(self, receiver: TeamsReceiver) -> None:
        self.receiver = receiver
        self.channel = TeamsChannel(timeout=5, allow_loopback=True)

    def address(self, name: str) -> str:
        return self.receiver.url(f"/workflows/{name}")

    def arrived(self) -> list[Arrived]:
        result = []
        for recorded in self.receiver.requests():
            if not 200 <= recorded.status < 300:
                continue
            card = recorded.request.json()["attachments"][0]["content"]
            result.append(
                Arrived(
                    to=self.receiver.url(recorded.request.path),
                    text=card["body"][1]["text"],
                    language=card["lang"],
                    direction="rtl" if card["rtl"] else "ltr",
                    provider_id=recorded.response.headers["x-ms-request-id"],
                )
            )
        return result

    def refuse_permanently(self, name: str) -> str:
        self.receiver.status_for[f"/workflows/{name}"] = 404
        return self.address(name)

    def fail_transiently(self, address: str) -> None:
        self.receiver.fail_next(1, status=503)


class SandboxHarness(Harness):
    delivered_on_accept = True
    carries_language = True
    carries_direction = True

    def __init__(self, kind: ChannelKind) -> None:
        self.kind = kind
        self.sink = MemorySink()
        self.sandbox = SandboxChannel(kind, self.sink)
        self.channel = self.sandbox
        self._numbers: dict[str, str] = {}

    def address(self, name: str) -> str:
        if self.kind is ChannelKind.SMS:
            return self._numbers.setdefault(name, f"+479{len(self._numbers):07d}")
        if self.kind is ChannelKind.EMAIL:
            return f"{name}@kommune.test"
        return f"https://teams.test/workflows/{name}"

    def arrived(self) -> list[Arrived]:
        return [
            Arrived(
                to=r.to,
                text=r.text,
                language=r.language,
                direction=r.direction,
                provider_id=r.provider_id,
            )
            for r in self.sink.records
        ]

    def refuse_permanently(self, name: str) -> str:
        address = self.address(name)
        self.sandbox.fail_addresses[address] = PermanentChannelError(
            "the sandbox was told to refuse this address", code="sandbox"
        )
        return address

    def fail_transiently(self, address: str) -> None:
        self.sandbox.fail_addresses[address] = TransientChannelError(
            "the sandbox was told to fail for now", retry_after=1
        )

    def recover(self) -> None:
        self.sandbox.fail_addresses.clear()
