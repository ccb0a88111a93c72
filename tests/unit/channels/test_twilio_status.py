"""Reading Twilio status callbacks: every status and error code in the table."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from channels.base import WebhookRequest
from channels.twilio import DELIVERY_ERRORS, TwilioSmsChannel, parse_status

SID = "SM" + "1" * 32


def callback(status: str, error_code: str | None = None) -> dict[str, str]:
    form = {
        "MessageSid": SID,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": "AC" + "0" * 32,
        "To": "+4791234567",
        "From": "+4759440000",
    }
    if error_code is not None:
        form["ErrorCode"] = error_code
    return form


@pytest.mark.parametrize("status", ["queued", "accepted", "sending", "scheduled"])
def test_intermediate_states_are_ignored(status: str) -> None:
    update = parse_status(callback(status))

    assert update.state is None
    assert update.provider_id == SID
    assert update.reason is None


@pytest.mark.parametrize(
    ("status", "state"),
    [("sent", "sent"), ("delivered", "delivered"), ("read", "delivered")],
)
def test_progress_states_are_recorded_without_a_reason(status: str, state: str) -> None:
    update = parse_status(callback(status))

    assert update.state == state
    assert update.error_code is None
    assert update.reason is None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("30003", "the phone was unreachable (switched off or out of coverage) (Twilio 30003)"),
        ("30004", "the message was blocked by the recipient or their carrier (Twilio 30004)"),
        ("30005", "the number is unknown or no longer in use (Twilio 30005)"),
        ("30006", "the number is a landline or its carrier cannot be reached (Twilio 30006)"),
        ("30007", "the carrier filtered the message as spam (Twilio 30007)"),
        ("30008", "the carrier reported an unknown error (Twilio 30008)"),
    ],
)
def test_undelivered_messages_say_why_in_plain_words(code: str, reason: str) -> None:
    update = parse_status(callback("undelivered", code))

    assert update.state == "undeliverable"
    assert update.error_code == code
    assert update.reason == reason


def test_a_failed_message_is_failed_with_its_reason() -> None:
    update = parse_status(callback("failed", "30008"))

    assert update.state == "failed"
    assert update.reason == "the carrier reported an unknown error (Twilio 30008)"


def test_a_send_time_code_in_a_callback_reads_the_same_as_when_sending() -> None:
    # A messaging service accepts first and reports an opted-out recipient in the callback.
    update = parse_status(callback("failed", "21610"))

    assert update.state == "failed"
    assert update.reason == "the recipient has opted out of SMS by replying STOP (Twilio 21610)"


def test_an_error_code_not_in_the_table_still_gives_a_reason() -> None:
    update = parse_status(callback("undelivered", "30044"))

    assert update.state == "undeliverable"
    assert update.reason == "Twilio reported the message as undelivered (Twilio 30044)"


def test_a_failure_without_an_error_code_still_gives_a_reason() -> None:
    update = parse_status(callback("failed"))

    assert update.error_code is None
    assert update.reason == "Twilio reported the message as failed"


def test_an_unknown_status_is_ignored() -> None:
    assert parse_status(callback("teleported")).state is None


def test_the_legacy_sms_fields_are_understood() -> None:
    update = parse_status({"SmsSid": SID, "SmsStatus": "delivered"})

    assert (update.provider_id, update.state) == (SID, "delivered")


def test_an_empty_error_code_counts_as_none() -> None:
    assert parse_status(callback("delivered", "")).error_code is None


def test_every_delivery_error_reads_as_a_sentence() -> None:
    for code, reason in DELIVERY_ERRORS.items():
        assert code.startswith("300")
        assert reason.strip()
        assert not reason.endswith(".")


def test_the_adapter_reads_a_callback_with_the_same_parser() -> None:
    channel = TwilioSmsChannel("AC" + "0" * 32, "token", "+4759440000")
    body = urlencode(callback("delivered")).encode()
    request = WebhookRequest("https://v.example/webhooks/twilio/status", {}, body)
    assert channel.parse_status(request) == [parse_status(callback("delivered"))]


@pytest.mark.parametrize(
    ("status", "state", "reason"),
    [
        ("canceled", "failed", "Twilio cancelled the message before sending it"),
        ("partially_delivered", "undeliverable", "only part of the message reached the phone"),
    ],
)
def test_cancelled_and_partly_delivered_messages_say_so(
    status: str, state: str, reason: str
) -> None:
    update = parse_status(callback(status))

    assert update.state == state
    assert update.reason == reason
