"""LINK Mobility specifics: the adapter against the fake LINK SMS REST API on loopback."""

from __future__ import annotations

import asyncio
import json
from base64 import b64decode, b64encode
from collections.abc import AsyncIterator

import pytest

from channels.base import (
    ChannelKind,
    OutgoingMessage,
    PermanentChannelError,
    SmsProvider,
    TransientChannelError,
    WebhookAnswer,
    WebhookRequest,
)
from channels.linkmobility import LinkMobilitySmsChannel
from channels.providers import ProviderConfigError, parse_providers, webhook_base
from tests.fakes.http import HttpRecorder, RecordedRequest, eventually
from tests.fakes.linkmobility import FakeLink

NUMBER = "+4791234567"
ARABIC = "تنبيه: انقطاع المياه في المستشفى. يرجى تأكيد الاستلام."
STATUS_PATH = "/webhooks/link/status"
INBOUND_PATH = "/webhooks/link/sms"


def sms(to: str = NUMBER, **fields: object) -> OutgoingMessage:
    values: dict[str, object] = {
        "channel": ChannelKind.SMS,
        "to": to,
        "text": "Beredskapsvarsel: vannet er borte. Svar OK.",
        "language": "nb",
        "reference": "delivery-9",
    }
    values.update(fields)
    return OutgoingMessage(**values)  # type: ignore[arg-type]


def adapter(fake: FakeLink, sender: str = "Helsedir", **options: object) -> LinkMobilitySmsChannel:
    settings: dict[str, object] = {"api_base": fake.base_url, "name": "link", "timeout": 5}
    settings.update(options)
    return LinkMobilitySmsChannel(
        fake.username,
        fake.password,
        fake.platform_id,
        fake.platform_partner_id,
        sender,
        fake.gate_id,
        **settings,  # type: ignore[arg-type]
    )


def webhook(receiver: HttpRecorder, recorded: RecordedRequest) -> WebhookRequest:
    request = recorded.request
    return WebhookRequest(
        url=receiver.url(request.target), headers=request.headers, body=request.body
    )


def basic(user: str, password: str) -> str:
    return "Basic " + b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
async def channel(
    fake_link: FakeLink, callback_receiver: HttpRecorder
) -> AsyncIterator[LinkMobilitySmsChannel]:
    fake_link.gate(callback_receiver.url(STATUS_PATH))
    channel = adapter(fake_link)
    yield channel
    await channel.close()


# -- what LINK receives ----------------------------------------------------------------------


async def test_the_request_has_the_documented_fields_and_basic_auth(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink
) -> None:
    receipt = await channel.send(sms())

    [request] = fake_link.received
    assert (request.method, request.path) == ("POST", "/sms/send")
    assert request.headers["content-type"] == "application/json"
    scheme, _, encoded = request.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    assert b64decode(encoded).decode() == f"{fake_link.username}:{fake_link.password}"
    assert request.json() == {
        "source": "Helsedir",
        "sourceTON": "ALPHANUMERIC",
        "destination": NUMBER,
        "destinationTON": "MSISDN",
        "userData": "Beredskapsvarsel: vannet er borte. Svar OK.",
        "dcs": "TEXT",
        "platformId": fake_link.platform_id,
        "platformPartnerId": fake_link.platform_partner_id,
        "refId": "delivery-9",
        "useDeliveryReport": True,
        "deliveryReportGates": [fake_link.gate_id],
        "ignoreResponse": False,
    }
    [message] = fake_link.messages
    assert receipt.provider_id == message.message_id
    assert receipt.delivered is False


@pytest.mark.parametrize(
    ("sender", "ton"),
    [("+4759440000", "MSISDN"), ("2230", "SHORTNUMBER"), ("Helsedir", "ALPHANUMERIC")],
)
async def test_the_sender_goes_with_its_type_of_number(
    fake_link: FakeLink, callback_receiver: HttpRecorder, sender: str, ton: str
) -> None:
    fake_link.gate(callback_receiver.url(STATUS_PATH))
    channel = adapter(fake_link, sender)
    try:
        await channel.send(sms())
    finally:
        await channel.close()

    [message] = fake_link.messages
    assert (message.source, message.source_ton) == (sender, ton)


@pytest.mark.parametrize("sender", ["Helsedirektoratet", "+47 594", "123456789012345", "Hei🙂"])
def test_a_sender_link_cannot_use_is_refused_at_start(fake_link: FakeLink, sender: str) -> None:
    with pytest.raises(ProviderConfigError):
        adapter(fake_link, sender)


async def test_a_long_text_goes_whole_for_link_to_split_and_reports_per_part(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink, callback_receiver: HttpRecorder
) -> None:
    text = "Beredskapsvarsel: " + "vannforsyningen er brutt i hele kommunen. " * 6

    receipt = await channel.send(sms(text=text))

    [message] = fake_link.messages
    assert message.user_data == text
    assert message.dcs == "TEXT"
    assert "userDataHeader" not in message.payload
    assert message.segments == 2
    # LINK reports each part as "{id}${n}"; both read as the message we sent.
    assert await eventually(lambda: len(callback_receiver.requests(STATUS_PATH)) == 2)
    ids = [r.request.json()["id"] for r in callback_receiver.requests(STATUS_PATH)]
    assert sorted(ids) == [f"{receipt.provider_id}$0", f"{receipt.provider_id}$1"]
    for recorded in callback_receiver.requests(STATUS_PATH):
        [report] = channel.parse_status(webhook(callback_receiver, recorded))
        assert (report.provider_id, report.state) == (receipt.provider_id, "delivered")


async def test_arabic_text_goes_as_unicode_text_for_link_to_encode(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink
) -> None:
    await channel.send(sms(text=ARABIC * 2, language="ar", direction="rtl"))

    [request] = fake_link.received
    assert json.loads(request.body.decode("utf-8"))["userData"] == ARABIC * 2
    [message] = fake_link.messages
    assert message.dcs == "TEXT"
    assert message.segments == 2  # 108 UCS-2 characters: two concatenated parts


async def test_a_character_outside_what_link_takes_is_replaced(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink
) -> None:
    await channel.send(sms(text="Øvelse 🚨 ferdig"))

    [message] = fake_link.messages
    assert message.user_data == "Øvelse \ufffd ferdig"


async def test_without_a_gate_no_report_is_asked_for(
    fake_link: FakeLink,
) -> None:
    channel = LinkMobilitySmsChannel(
        fake_link.username,
        fake_link.password,
        fake_link.platform_id,
        fake_link.platform_partner_id,
        "2230",
        api_base=fake_link.base_url,
    )
    try:
        await channel.send(sms())
    finally:
        await channel.close()

    [message] = fake_link.messages
    assert message.payload["useDeliveryReport"] is False
    assert "deliveryReportGates" not in message.payload


async def test_the_adapter_builds_from_the_documented_configuration(
    fake_link: FakeLink, callback_receiver: HttpRecorder
) -> None:
    fake_link.gate(callback_receiver.url(STATUS_PATH), gate_id="G4teId")
    [config] = parse_providers(
        json.dumps(
            [
                {
                    "name": "link",
                    "kind": "linkmobility",
                    "weight": 40,
                    "segments_per_second": 20,
                    "username": fake_link.username,
                    "password": fake_link.password,
                    "platform_id": fake_link.platform_id,
                    "platform_partner_id": fake_link.platform_partner_id,
                    "gate_id": "G4teId",
                    "from": "2230",
                    "api_base": fake_link.base_url,
                }
            ]
        )
    )
    channel = LinkMobilitySmsChannel.from_config(
        config, webhook_base("https://varsling.test", "link")
    )
    try:
        assert isinstance(channel, SmsProvider)
        assert channel.name == "link"
        assert channel.answers_inline is False
        await channel.send(sms())
    finally:
        await channel.close()

    [message] = fake_link.messages
    assert (message.source, message.source_ton, message.gates) == (
        "2230",
        "SHORTNUMBER",
        ("G4teId",),
    )


def test_the_configuration_needs_the_gate() -> None:
    [config] = parse_providers(
        json.dumps(
            [
                {
                    "name": "link",
                    "kind": "linkmobility",
                    "username": "u",
                    "password": "p",
                    "platform_id": "COMMON",
                    "platform_partner_id": "1",
                    "from": "2230",
                }
            ]
        )
    )

    with pytest.raises(ProviderConfigError, match="gate_id"):
        LinkMobilitySmsChannel.from_config(config, "https://varsling.test/webhooks/link")


# -- delivery reports ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "state", "reason"),
    [
        (1001, "delivered", None),
        (1006, "undeliverable", "the operator did not deliver the message (LINK 1006)"),
        (2104, "undeliverable", "the number is unknown or no longer in use (LINK 2104)"),
        (2106, "undeliverable", "the number is not a valid phone number (LINK 2106)"),
        (1002, "undeliverable", None),
        (1003, "failed", "LINK deleted the message before it was sent (LINK 1003)"),
    ],
)
async def test_a_delivery_report_reads_as_the_state_it_means(
    channel: LinkMobilitySmsChannel,
    fake_link: FakeLink,
    callback_receiver: HttpRecorder,
    result: int,
    state: str,
    reason: str | None,
) -> None:
    fake_link.final_result_for[NUMBER] = result

    receipt = await channel.send(sms())

    [sent] = fake_link.wait_for_reports(1)
    assert sent.status_code == 200
    [recorded] = callback_receiver.requests(STATUS_PATH)
    request = webhook(callback_receiver, recorded)
    assert request.headers["content-type"] == "application/json"
    assert channel.verify(request)
    [report] = channel.parse_status(request)
    assert report.provider_id == receipt.provider_id
    assert report.state == state
    assert report.error_code == str(result)
    if reason is not None:
        assert report.reason == reason
    assert (report.reason is None) == (state == "delivered")
    assert recorded.request.json()["refId"] == "delivery-9"


async def test_a_report_is_tried_again_until_acknowledged_with_a_2xx(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink, callback_receiver: HttpRecorder
) -> None:
    callback_receiver.fail_next(1, status=500)

    await channel.send(sms())

    [sent] = fake_link.wait_for_reports(1)
    assert (sent.status_code, sent.attempts) == (200, 2)
    assert channel.answer_status() == WebhookAnswer(body="", status=200)


def test_a_report_that_is_not_json_is_an_error(fake_link: FakeLink) -> None:
    channel = adapter(fake_link)
    request = WebhookRequest(
        url="https://varsling.test/webhooks/link/status",
        headers={"authorization": basic(fake_link.username, fake_link.password)},
        body=b"id=abc&resultCode=1001",
    )

    with pytest.raises(ValueError, match="Expecting value"):
        channel.parse_status(request)


# -- who may call our webhooks ---------------------------------------------------------------


async def test_verify_accepts_the_gates_basic_auth_and_refuses_anything_else(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink, callback_receiver: HttpRecorder
) -> None:
    await channel.send(sms())
    assert await eventually(lambda: len(callback_receiver.requests(STATUS_PATH)) == 1)
    real = webhook(callback_receiver, callback_receiver.requests(STATUS_PATH)[0])
    assert real.headers["authorization"] == basic(fake_link.username, fake_link.password)
    assert channel.verify(real)

    def calling_with(authorization: str | None) -> WebhookRequest:
        headers = {k: v for k, v in real.headers.items() if k != "authorization"}
        if authorization is not None:
            headers["authorization"] = authorization
        return WebhookRequest(url=real.url, headers=headers, body=real.body)

    refused = [
        None,
        basic(fake_link.username, "wrong"),
        basic("someone-else", fake_link.password),
        basic(fake_link.username, fake_link.password + "x"),
        basic(fake_link.username, ""),
        "Bearer " + fake_link.password,
        "Basic not-base64!",
        "Basic " + b64encode(fake_link.username.encode()).decode(),
        "",
    ]
    for authorization in refused:
        assert not channel.verify(calling_with(authorization)), authorization
    credentials = b64encode(f"{fake_link.username}:{fake_link.password}".encode()).decode()
    assert channel.verify(calling_with(f"basic  {credentials}"))


async def test_reports_sent_with_other_credentials_do_not_verify(
    fake_link: FakeLink, callback_receiver: HttpRecorder
) -> None:
    fake_link.gate(callback_receiver.url(STATUS_PATH), username="gate-user", password="other")
    channel = adapter(fake_link)
    try:
        await channel.send(sms())
    finally:
        await channel.close()

    assert await eventually(lambda: len(callback_receiver.requests(STATUS_PATH)) == 1)
    request = webhook(callback_receiver, callback_receiver.requests(STATUS_PATH)[0])
    assert not channel.verify(request)


def test_an_adapter_without_a_password_verifies_nothing(fake_link: FakeLink) -> None:
    channel = LinkMobilitySmsChannel("user", "", "COMMON", "1", "2230", "gate")
    request = WebhookRequest(
        url="https://varsling.test/webhooks/link/sms",
        headers={"authorization": basic("user", "")},
        body=b"{}",
    )

    assert not channel.verify(request)


# -- inbound SMS -----------------------------------------------------------------------------


async def test_an_inbound_sms_is_read_with_the_sender_in_e164(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink, callback_receiver: HttpRecorder
) -> None:
    url = callback_receiver.url(INBOUND_PATH)

    sent = await asyncio.to_thread(
        fake_link.send_mo, url, source="+4741560067", text="OK mottatt", destination="NO-2230"
    )

    assert sent.status_code == 200
    [recorded] = callback_receiver.requests(INBOUND_PATH)
    request = webhook(callback_receiver, recorded)
    assert channel.verify(request)
    inbound = channel.parse_inbound(request)
    assert inbound is not None
    assert inbound.message_id == sent.payload["messageId"]
    assert (inbound.sender, inbound.text, inbound.recipient) == (
        "+4741560067",
        "OK mottatt",
        "2230",
    )
    assert channel.answers_inline is False
    assert channel.answer_inbound("Takk, mottatt.") == WebhookAnswer(body="", status=200)


@pytest.mark.parametrize("source", ["4741560067", "004741560067", "+47 41 56 00 67"])
async def test_an_inbound_sender_without_its_plus_is_normalised(
    channel: LinkMobilitySmsChannel,
    fake_link: FakeLink,
    callback_receiver: HttpRecorder,
    source: str,
) -> None:
    url = callback_receiver.url(INBOUND_PATH)

    await asyncio.to_thread(fake_link.send_mo, url, source=source, text="JA")

    [recorded] = callback_receiver.requests(INBOUND_PATH)
    inbound = channel.parse_inbound(webhook(callback_receiver, recorded))
    assert inbound is not None
    assert inbound.sender == "+4741560067"


def test_an_inbound_call_without_a_sender_carries_no_sms(fake_link: FakeLink) -> None:
    channel = adapter(fake_link)
    request = WebhookRequest(
        url="https://varsling.test/webhooks/link/sms",
        headers={},
        body=json.dumps({"content": {"type": "SMS", "userData": "hei"}}).encode(),
    )

    assert channel.parse_inbound(request) is None


# -- failures --------------------------------------------------------------------------------


async def test_too_many_requests_is_throttled_with_retry_after(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink
) -> None:
    fake_link.rate_limit_per_second = 2

    await channel.send(sms())
    await channel.send(sms())
    with pytest.raises(TransientChannelError) as raised:
        await channel.send(sms())

    assert raised.value.throttled
    assert raised.value.retry_after == 1.0
    assert raised.value.code == "429"
    assert not raised.value.uncertain
    assert len(fake_link.messages) == 2


@pytest.mark.parametrize(("status", "retry_after"), [(500, None), (502, None), (503, 1.0)])
async def test_a_link_outage_is_transient(
    channel: LinkMobilitySmsChannel,
    fake_link: FakeLink,
    status: int,
    retry_after: float | None,
) -> None:
    fake_link.fail_next(1, status=status)

    with pytest.raises(TransientChannelError) as raised:
        await channel.send(sms())
    await channel.send(sms())

    assert raised.value.code == str(status)
    assert raised.value.retry_after == retry_after
    assert not raised.value.throttled
    assert not raised.value.uncertain
    assert raised.value.reason == f"LINK could not take the message now ({status})"
    assert len(fake_link.messages) == 1


async def test_a_slow_link_times_out_as_uncertain(fake_link: FakeLink) -> None:
    fake_link.gate("http://127.0.0.1:9/unused")
    fake_link.send_reports = False
    fake_link.delay_seconds = 5
    channel = adapter(fake_link, timeout=0.3)
    try:
        with pytest.raises(TransientChannelError) as raised:
            await asyncio.wait_for(channel.send(sms()), timeout=3)
    finally:
        await channel.close()

    assert raised.value.reason == "LINK did not answer in time"
    assert raised.value.uncertain  # the request went out; LINK may have the message


async def test_an_unreachable_link_is_transient_and_certain() -> None:
    with FakeLink() as fake:
        base_url = fake.base_url
    channel = LinkMobilitySmsChannel("u", "p", "COMMON", "1", "2230", "gate", api_base=base_url)
    try:
        with pytest.raises(TransientChannelError) as raised:
            await channel.send(sms())
    finally:
        await channel.close()

    assert raised.value.reason.startswith("LINK could not be reached")
    assert not raised.value.uncertain


async def test_wrong_credentials_fail_permanently(
    fake_link: FakeLink, callback_receiver: HttpRecorder
) -> None:
    fake_link.gate(callback_receiver.url(STATUS_PATH))
    channel = LinkMobilitySmsChannel(
        fake_link.username,
        "wrong",
        fake_link.platform_id,
        fake_link.platform_partner_id,
        "2230",
        fake_link.gate_id,
        api_base=fake_link.base_url,
    )
    try:
        with pytest.raises(PermanentChannelError) as raised:
            await channel.send(sms())
    finally:
        await channel.close()

    assert raised.value.code == "106100"
    assert raised.value.reason == (
        "LINK refused our credentials; check the username and password (LINK 106100)"
    )
    assert fake_link.messages == []


@pytest.mark.parametrize(
    ("option", "code"),
    [("platform_id", "106200"), ("platform_partner_id", "106201"), ("gate_id", "106301")],
)
async def test_a_wrong_account_setting_fails_permanently_and_names_it(
    fake_link: FakeLink, callback_receiver: HttpRecorder, option: str, code: str
) -> None:
    fake_link.gate(callback_receiver.url(STATUS_PATH))
    settings = {
        "platform_id": fake_link.platform_id,
        "platform_partner_id": fake_link.platform_partner_id,
        "gate_id": fake_link.gate_id,
    }
    settings[option] = "not-ours"
    channel = LinkMobilitySmsChannel(
        fake_link.username,
        fake_link.password,
        settings["platform_id"],
        settings["platform_partner_id"],
        "2230",
        settings["gate_id"],
        api_base=fake_link.base_url,
    )
    try:
        with pytest.raises(PermanentChannelError) as raised:
            await channel.send(sms())
    finally:
        await channel.close()

    assert raised.value.code == code
    assert option in raised.value.reason
    assert fake_link.messages == []


async def test_a_number_link_refuses_in_its_answer_fails_permanently_in_plain_words(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink
) -> None:
    fake_link.refuse(NUMBER, 2105)

    with pytest.raises(PermanentChannelError) as raised:
        await channel.send(sms())

    assert raised.value.code == "2105"
    assert raised.value.reason == (
        "the number is permanently barred from receiving this message (LINK 2105)"
    )
    assert fake_link.messages == []


async def test_a_refusal_link_explains_itself_passes_its_words_on_without_the_number(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink
) -> None:
    fake_link.refuse(NUMBER, 106000, status=400, description=f"Destination {NUMBER} rejected")

    with pytest.raises(PermanentChannelError) as raised:
        await channel.send(sms())

    assert raised.value.code == "106000"
    assert raised.value.reason == "LINK had an unknown error: Destination … rejected (LINK 106000)"


async def test_a_number_not_in_international_format_is_refused_without_asking_link(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink
) -> None:
    with pytest.raises(PermanentChannelError) as raised:
        await channel.send(sms(to="91234567"))

    assert "international format" in raised.value.reason
    assert fake_link.received == []


async def test_concurrent_sends_share_one_connection_pool(
    channel: LinkMobilitySmsChannel, fake_link: FakeLink
) -> None:
    numbers = [f"+4791{i:06d}" for i in range(10)]

    receipts = await asyncio.gather(*(channel.send(sms(to=n)) for n in numbers))

    assert sorted(m.destination for m in fake_link.messages) == numbers
    assert len({r.provider_id for r in receipts}) == len(numbers)
