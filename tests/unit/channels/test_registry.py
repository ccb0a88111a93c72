"""Choosing the adapter for each channel from the settings that are present."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from channels.base import Channel, ChannelKind, OutgoingMessage, Receipt
from channels.email import SmtpChannel
from channels.registry import ADAPTERS, SmtpSettings, TwilioSettings, build_channels
from channels.sandbox import MemorySink, SandboxChannel
from channels.sms import TwilioSmsChannel
from channels.teams import TeamsChannel

SMTP = SmtpSettings("mail.test", 587, "user", "secret", True, "varsel@helsedir.test")
TWILIO = TwilioSettings("AC" + "0" * 32, "token", "+4759440000")


async def test_without_settings_email_and_sms_go_to_the_sandbox() -> None:
    sink = MemorySink()
    registry = build_channels(smtp=None, twilio=None, sink=sink)

    email = registry.get(ChannelKind.EMAIL)
    sms = registry.get(ChannelKind.SMS)
    await sms.send(OutgoingMessage(ChannelKind.SMS, "+4791234567", "Hei", "nb", "d1"))

    assert isinstance(email, SandboxChannel)
    assert email.kind is ChannelKind.EMAIL
    assert isinstance(sms, SandboxChannel)
    assert sms.kind is ChannelKind.SMS
    assert isinstance(registry.get(ChannelKind.TEAMS), TeamsChannel)
    assert [(r.channel, r.to) for r in sink.records] == [(ChannelKind.SMS, "+4791234567")]
    await registry.close()


async def test_with_settings_the_real_adapters_are_used() -> None:
    registry = build_channels(smtp=SMTP, twilio=TWILIO, sink=MemorySink())

    assert isinstance(registry.get(ChannelKind.EMAIL), SmtpChannel)
    assert isinstance(registry.get(ChannelKind.SMS), TwilioSmsChannel)
    assert all(isinstance(channel, Channel) for channel in registry)
    await registry.close()


async def test_teams_can_be_sandboxed() -> None:
    registry = build_channels(smtp=None, twilio=None, sink=MemorySink(), teams_sandbox=True)

    teams = registry.get(ChannelKind.TEAMS)

    assert isinstance(teams, SandboxChannel)
    assert teams.kind is ChannelKind.TEAMS
    await registry.close()


@dataclass(frozen=True)
class NorwegianSmsSettings:
    kind: ClassVar[ChannelKind] = ChannelKind.SMS
    api_key: str


class NorwegianSms:
    kind = ChannelKind.SMS

    def __init__(self, settings: NorwegianSmsSettings) -> None:
        self.settings = settings

    async def send(self, message: OutgoingMessage) -> Receipt:
        return Receipt("no-1", delivered=False)

    async def close(self) -> None:
        return None


async def test_a_new_provider_is_one_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ADAPTERS, NorwegianSmsSettings, NorwegianSms)

    registry = build_channels(
        smtp=None, twilio=TWILIO, sink=MemorySink(), providers=[NorwegianSmsSettings("key")]
    )

    sms = registry.get(ChannelKind.SMS)
    assert isinstance(sms, NorwegianSms)
    assert sms.settings.api_key == "key"
    await registry.close()


async def test_close_closes_every_adapter_even_when_one_fails() -> None:
    closed: list[str] = []

    class Closing:
        def __init__(self, kind: ChannelKind, fail: bool) -> None:
            self.kind, self.fail = kind, fail

        async def send(self, message: OutgoingMessage) -> Receipt:
            raise NotImplementedError

        async def close(self) -> None:
            closed.append(self.kind.value)
            if self.fail:
                raise RuntimeError("could not close")

    from channels.registry import ChannelRegistry

    registry = ChannelRegistry(
        {
            ChannelKind.EMAIL: Closing(ChannelKind.EMAIL, fail=True),
            ChannelKind.SMS: Closing(ChannelKind.SMS, fail=False),
        }
    )

    with pytest.raises(RuntimeError):
        await registry.close()
    assert sorted(closed) == ["email", "sms"]


def test_an_unregistered_kind_is_a_clear_error() -> None:
    from channels.registry import ChannelRegistry

    with pytest.raises(KeyError, match="no channel adapter is registered for teams"):
        ChannelRegistry({}).get(ChannelKind.TEAMS)
