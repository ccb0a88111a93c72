"""SMS specifics: the real Twilio SDK against the fake Twilio API on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from twilio.request_validator import RequestValidator

from channels.base import (
    ChannelKind,
    OutgoingMessage,
    PermanentChannelError,
    TransientChannelError,
    WebhookRequest,
)
from channels.twilio import TwilioSmsChannel, parse_status
from tests.fakes.http import HttpRecorder, eventually
from tests.fakes.twilio import FakeTwilio, FinalStatus

NUMBER = "+4791234567"


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


@pytest.fixture
async def channel(fake_twilio: FakeTwilio) -> AsyncIterator[TwilioSmsChannel]:
    """An adapter that names no webhooks."""
    channel = TwilioSmsChannel(
        fake_twilio.account_sid, fake_twilio.auth_token, "+4759440000", fake_twilio.base_url
    )
    yield channel
    await channel.close()


@pytest.fixture
async def calling_back(
    fake_twilio: FakeTwilio, callback_receiver: HttpRecorder
) -> AsyncIterator[TwilioSmsChannel]:
    """An adapter whose webhooks are on the callback receiver, as ``/webhooks/twilio/…``."""
    channel = TwilioSmsChannel(
        fake_twilio.account_sid,
        fake_twilio.auth_token,
        "+4759440000",
        fake_twilio.base_url,
        webhook_base=callback_receiver.url("/webhooks/twilio"),
    )
    yield channel
    await channel.close()


async def test_the_sms_goes_from_our_number_with_the_status_callback(
    calling_back: TwilioSmsChannel, fake_twilio: FakeTwilio, callback_receiver: HttpRecorder
) -> None:
    callback = callback_receiver.url("/webhooks/twilio/status")

    receipt = await calling_back.send(sms())

    [message] = fake_twilio.messages
    assert message.sid == receipt.provider_id
    assert message.sid.startswith("SM")
    assert message.from_ == "+4759440000"
    assert message.messaging_service_sid is None
    assert message.status_callback == callback
    assert message.body == "Beredskapsvarsel: vannet er borte. Svar OK."
    assert receipt.delivered is False


async def test_the_status_callbacks_are_signed_and_tell_sent_then_delivered(
    calling_back: TwilioSmsChannel, fake_twilio: FakeTwilio, callback_receiver: HttpRecorder
) -> None:
    # Given an SMS sent by an adapter whose webhooks are on the receiver
    channel = calling_back
    receipt = await channel.send(sms())

    # When Twilio calls back
    assert await eventually(lambda: len(callback_receiver.requests()) >= 2)

    # Then each call is signed with our auth token and reads as sent, then delivered
    updates = []
    for recorded in callback_receiver.requests():
        form = recorded.request.form()
        url = callback_receiver.url(recorded.request.target)
        signature = recorded.request.headers["x-twilio-signature"]
        assert RequestValidator(fake_twilio.auth_token).validate(url, form, signature)
        assert channel.verify_callback(url, form, signature)
        assert not channel.verify_callback(url, {**form, "MessageStatus": "failed"}, signature)
        request = WebhookRequest(url, recorded.request.headers, recorded.request.body)
        assert channel.verify(request)
        assert not channel.verify(WebhookRequest(url + "&x=1", request.headers, request.body))
        [update] = channel.parse_status(request)
        assert update == parse_status(form)
        updates.append(update)
    assert [(u.provider_id, u.state) for u in updates] == [
        (receipt.provider_id, "sent"),
        (receipt.provider_id, "delivered"),
    ]


async def test_a_callback_signed_with_another_token_does_not_verify(
    fake_twilio: FakeTwilio, callback_receiver: HttpRecorder
) -> None:
    channel = TwilioSmsChannel(
        fake_twilio.account_sid,
        fake_twilio.auth_token,
        "+4759440000",
        fake_twilio.base_url,
        webhook_base=callback_receiver.url("/webhooks/twilio"),
    )
    other = TwilioSmsChannel(fake_twilio.account_sid, "another-token", "+4759440000")
    try:
        await channel.send(sms())
        assert await eventually(lambda: len(callback_receiver.requests()) >= 1)
    finally:
        await channel.close()

    request = callback_receiver.requests()[0].request
    url = callback_receiver.url(request.target)
    signature = request.headers["x-twilio-signature"]
    assert channel.verify_callback(url, request.form(), signature)
    assert not other.verify_callback(url, request.form(), signature)


async def test_an_undelivered_sms_reports_why_in_its_callback(
    calling_back: TwilioSmsChannel, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.final_status_for[NUMBER] = FinalStatus("undelivered", "30005")

    await calling_back.send(sms())

    callbacks = fake_twilio.wait_for_callbacks(2)
    final = parse_status(callbacks[-1].params)
    assert final.state == "undeliverable"
    assert final.error_code == "30005"
    assert final.reason == "the number is unknown or no longer in use (Twilio 30005)"


async def test_without_a_status_callback_none_is_requested_or_sent(
    channel: TwilioSmsChannel, fake_twilio: FakeTwilio
) -> None:
    await channel.send(sms())
    await asyncio.sleep(0.1)

    [message] = fake_twilio.messages
    assert message.status_callback is None
    assert fake_twilio.callbacks == []


async def test_a_messaging_service_sender_is_sent_as_the_service(
    fake_twilio: FakeTwilio, callback_receiver: HttpRecorder
) -> None:
    service = "MG" + "a" * 32
    channel = TwilioSmsChannel(
        fake_twilio.account_sid,
        fake_twilio.auth_token,
        service,
        fake_twilio.base_url,
        webhook_base=callback_receiver.url("/webhooks/twilio"),
    )
    try:
        receipt = await channel.send(sms())
    finally:
        await channel.close()

    [message] = fake_twilio.messages
    assert message.sid == receipt.provider_id
    assert message.messaging_service_sid == service
    assert message.from_ is None
    [first, *_] = fake_twilio.wait_for_callbacks(2)
    assert first.params["MessagingServiceSid"] == service


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (21610, "the recipient has opted out of SMS by replying STOP (Twilio 21610)"),
        (21614, "the number is not a mobile number (Twilio 21614)"),
        (
            21408,
            "SMS to this country or region is not enabled on our Twilio account (Twilio 21408)",
        ),
        (21612, "the number cannot be reached by SMS from our sender (Twilio 21612)"),
    ],
)
async def test_numbers_twilio_refuses_fail_permanently_in_plain_words(
    channel: TwilioSmsChannel, fake_twilio: FakeTwilio, code: int, expected: str
) -> None:
    fake_twilio.fail_numbers[NUMBER] = (400, code, f"Twilio's own words about {NUMBER}")

    with pytest.raises(PermanentChannelError) as raised:
        await channel.send(sms())

    assert raised.value.reason == expected
    assert raised.value.code == str(code)
    assert fake_twilio.messages == []


async def test_an_invalid_number_is_permanent_and_the_reason_does_not_repeat_it(
    channel: TwilioSmsChannel,
) -> None:
    with pytest.raises(PermanentChannelError) as raised:
        await channel.send(sms(to="+47 912"))

    assert raised.value.reason == "the number is not a valid mobile number (Twilio 21211)"


async def test_an_unknown_refusal_passes_twilios_words_on_without_the_number(
    channel: TwilioSmsChannel, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_numbers[NUMBER] = (400, 21999, f"Something odd about {NUMBER}")

    with pytest.raises(PermanentChannelError) as raised:
        await channel.send(sms())

    assert raised.value.reason == "Twilio refused the message: Something odd about … (Twilio 21999)"


async def test_too_many_requests_is_transient_with_retry_after(
    channel: TwilioSmsChannel, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.rate_limit_per_second = 2

    await channel.send(sms())
    await channel.send(sms())
    with pytest.raises(TransientChannelError) as raised:
        await channel.send(sms())

    assert raised.value.code == "20429"
    assert raised.value.retry_after == 1.0
    assert len(fake_twilio.messages) == 2


async def test_a_twilio_outage_is_transient(
    channel: TwilioSmsChannel, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(2, status=500)

    for _ in range(2):
        with pytest.raises(TransientChannelError):
            await channel.send(sms())
    await channel.send(sms())

    assert len(fake_twilio.messages) == 1


async def test_a_slow_twilio_times_out_as_transient(fake_twilio: FakeTwilio) -> None:
    fake_twilio.delay_seconds = 5
    channel = TwilioSmsChannel(
        fake_twilio.account_sid,
        fake_twilio.auth_token,
        "+4759440000",
        fake_twilio.base_url,
        timeout=0.3,
    )
    try:
        with pytest.raises(TransientChannelError) as raised:
            await asyncio.wait_for(channel.send(sms()), timeout=3)
    finally:
        await channel.close()

    assert raised.value.reason == "Twilio did not answer in time"
    assert raised.value.uncertain  # the request went out; Twilio may have the message


async def test_a_timed_out_sms_that_twilio_took_is_found_instead_of_sent_again(
    fake_twilio: FakeTwilio,
) -> None:
    fake_twilio.delay_seconds = 1
    channel = TwilioSmsChannel(
        fake_twilio.account_sid,
        fake_twilio.auth_token,
        "+4759440000",
        fake_twilio.base_url,
        timeout=0.3,
    )
    since = datetime.now(UTC)
    try:
        with pytest.raises(TransientChannelError) as raised:
            await channel.send(sms())
        assert raised.value.uncertain
        assert await eventually(lambda: len(fake_twilio.messages) == 1, within=5)
        fake_twilio.delay_seconds = 0
        found = await channel.find_sent(sms(), since)
        # Another text, or only older messages, is not this one.
        other = await channel.find_sent(sms(text="Noe annet."), since)
        later = await channel.find_sent(sms(), since + timedelta(minutes=5))
    finally:
        await channel.close()
    assert found is not None
    assert found.provider_id == fake_twilio.messages[0].sid
    assert other is None
    assert later is None
    assert len(fake_twilio.messages) == 1


async def test_an_unreachable_twilio_is_transient() -> None:
    with FakeTwilio() as fake:
        base_url, sid, token = fake.base_url, fake.account_sid, fake.auth_token
    channel = TwilioSmsChannel(sid, token, "+4759440000", base_url)
    try:
        with pytest.raises(TransientChannelError) as raised:
            await channel.send(sms())
    finally:
        await channel.close()

    assert raised.value.reason.startswith("Twilio could not be reached")


async def test_wrong_credentials_fail_permanently(fake_twilio: FakeTwilio) -> None:
    channel = TwilioSmsChannel(
        fake_twilio.account_sid, "wrong", "+4759440000", fake_twilio.base_url
    )
    try:
        with pytest.raises(PermanentChannelError) as raised:
            await channel.send(sms())
    finally:
        await channel.close()

    assert raised.value.code == "20003"
    assert fake_twilio.messages == []


async def test_concurrent_rate_limits_report_their_own_retry_after(
    channel: TwilioSmsChannel, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(3, status=429)

    results = await asyncio.gather(
        channel.send(sms()), channel.send(sms()), channel.send(sms()), return_exceptions=True
    )

    assert all(isinstance(r, TransientChannelError) and r.retry_after == 1.0 for r in results)


async def test_the_fake_delivers_signed_replies_like_twilios_messaging_webhook(
    fake_twilio: FakeTwilio, callback_receiver: HttpRecorder
) -> None:
    url = callback_receiver.url("/twilio/inbound")

    sent = await asyncio.to_thread(fake_twilio.send_reply, url, from_=NUMBER, body="OK mottatt")

    assert sent.status_code == 200
    [recorded] = callback_receiver.requests("/twilio/inbound")
    form = recorded.request.form()
    assert (form["From"], form["Body"]) == (NUMBER, "OK mottatt")
    validator = RequestValidator(fake_twilio.auth_token)
    assert validator.validate(url, form, recorded.request.headers["x-twilio-signature"])


async def test_asking_an_unreachable_twilio_what_it_took_is_a_transient_error() -> None:
    with FakeTwilio() as fake:
        base_url, sid, token = fake.base_url, fake.account_sid, fake.auth_token
    channel = TwilioSmsChannel(sid, token, "+4759440000", base_url)
    try:
        with pytest.raises(TransientChannelError, match="could not be read"):
            await channel.find_sent(sms(), datetime.now(UTC))
    finally:
        await channel.close()


async def test_a_twilio_whose_list_answers_500_is_asked_again_later(
    fake_twilio: FakeTwilio,
) -> None:
    # The SDK raises its plain TwilioException ("Unable to fetch page") for a list page that
    # answers an error: it must become "ask again later", not an internal error.
    fake_twilio.list_status = 500
    channel = TwilioSmsChannel(
        fake_twilio.account_sid, fake_twilio.auth_token, "+4759440000", fake_twilio.base_url
    )
    try:
        with pytest.raises(TransientChannelError, match="could not be read"):
            await channel.find_sent(sms(), datetime.now(UTC))
    finally:
        await channel.close()
    assert fake_twilio.lookups == 1
