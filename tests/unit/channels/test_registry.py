"""Choosing the adapter for each channel from the settings that are present."""

from __future__ import annotations

import pytest

from channels.base import (
    Channel,
    ChannelKind,
    DeliveryReport,
    InboundSms,
    OutgoingMessage,
    Receipt,
    SmsProvider,
    WebhookAnswer,
    WebhookRequest,
)
from channels.email import SmtpChannel
from channels.providers import ProviderConfig, ProviderConfigError, parse_providers
from channels.registry import SMS_PROVIDER_KINDS, SmtpSettings, build_channels
from channels.sandbox import MemorySink, SandboxChannel
from channels.teams import TeamsChannel
from channels.twilio import TwilioSmsChannel

SMTP = SmtpSettings("mail.test", 587, "user", "secret", True, "varsel@helsedir.test")
TWILIO = ProviderConfig(
    name="twilio",
    kind="twilio",
    options={"account_sid": "AC" + "0" * 32, "auth_token": "token", "from": "+4759440000"},
)


async def test_without_settings_email_and_sms_go_to_the_sandbox() -> None:
    sink = MemorySink()
    registry = build_channels(smtp=None, sink=sink)

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
    registry = build_channels(
        smtp=SMTP, sms=[TWILIO], sink=MemorySink(), base_url="https://v.example"
    )

    assert isinstance(registry.get(ChannelKind.EMAIL), SmtpChannel)
    sms = registry.get(ChannelKind.SMS)
    assert isinstance(sms, TwilioSmsChannel)
    assert registry.provider("twilio") is sms
    assert isinstance(sms, SmsProvider)
    assert all(isinstance(channel, Channel) for channel in registry)
    await registry.close()


async def test_teams_can_be_sandboxed() -> None:
    registry = build_channels(smtp=None, sink=MemorySink(), teams_sandbox=True)

    teams = registry.get(ChannelKind.TEAMS)

    assert isinstance(teams, SandboxChannel)
    assert teams.kind is ChannelKind.TEAMS
    await registry.close()


class NorwegianSms:
    """A provider kind that exists only in this test."""

    kind = ChannelKind.SMS
    answers_inline = False

    def __init__(self, config: ProviderConfig, webhook_base: str) -> None:
        self.name = config.name
        self.api_key = config.require("api_key")
        self.webhook_base = webhook_base

    async def send(self, message: OutgoingMessage) -> Receipt:
        return Receipt("no-1", delivered=False)

    async def close(self) -> None:
        return None

    def verify(self, request: WebhookRequest) -> bool:
        return False

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        return []

    def parse_inbound(self, request: WebhookRequest) -> InboundSms | None:
        return None

    def answer_inbound(self, reply: str | None) -> WebhookAnswer:
        return WebhookAnswer()

    def answer_status(self) -> WebhookAnswer:
        return WebhookAnswer()


async def test_a_new_provider_is_one_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SMS_PROVIDER_KINDS, "norsk", NorwegianSms)
    configs = parse_providers('[{"name": "gw", "kind": "norsk", "api_key": "key"}]')

    registry = build_channels(smtp=None, sms=configs, sink=MemorySink(), base_url="https://v.no/")

    sms = registry.get(ChannelKind.SMS)
    assert isinstance(sms, NorwegianSms)
    assert sms.api_key == "key"
    assert sms.webhook_base == "https://v.no/webhooks/gw"
    assert registry.provider("gw") is sms
    await registry.close()


def test_an_unknown_provider_kind_is_a_clear_error() -> None:
    configs = parse_providers('[{"name": "gw", "kind": "carrier-pigeon"}]')
    with pytest.raises(ValueError, match="unknown kind 'carrier-pigeon'"):
        build_channels(smtp=None, sms=configs, sink=MemorySink())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("{}", "must be a JSON list"),
        ('[{"kind": "twilio"}]', "needs a name"),
        ('[{"name": "Twilio!", "kind": "twilio"}]', "needs a name"),
        ('[{"name": "a"}]', "needs a kind"),
        ('[{"name": "a", "kind": "twilio", "weight": -1}]', "weight must be"),
        ('[{"name": "a", "kind": "twilio", "segments_per_second": 0}]', "segments_per_second"),
        ('[{"name": "a", "kind": "twilio", "from": 4759}]', "from must be a string"),
        ('[{"name": "a", "kind": "twilio"}, {"name": "a", "kind": "twilio"}]', "same name"),
    ],
)
def test_a_bad_provider_list_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ProviderConfigError, match=message):
        parse_providers(text)


def test_two_providers_of_one_kind_are_two_providers() -> None:
    configs = parse_providers(
        '[{"name": "a", "kind": "twilio", "weight": 60, "segments_per_second": 10,'
        ' "account_sid": "AC1", "auth_token": "t1", "from": "+4759440000"},'
        ' {"name": "b", "kind": "twilio", "weight": 40, "segments_per_second": 5.5,'
        ' "account_sid": "AC2", "auth_token": "t2", "from": "MG123"}]'
    )
    registry = build_channels(smtp=None, sms=configs, sink=MemorySink(), base_url="https://v")
    a, b = registry.provider("a"), registry.provider("b")
    assert isinstance(a, TwilioSmsChannel)
    assert isinstance(b, TwilioSmsChannel)
    assert a is not b
    assert (a.name, b.name) == ("a", "b")
    assert [c.weight for c in configs] == [60, 40]
    assert [c.segments_per_second for c in configs] == [10.0, 5.5]


async def test_close_closes_every_adapter_even_when_one_fails() -> None:
    closed: list[str] = []

    class Closing:
        def __init__(self, kind: ChannelKind, fail: bool) -> None:
            self.kind, self.fail, self.name = kind, fail, kind.value

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
