"""LINK Mobility's tables: every delivery-report resultCode, every send error, the sender TONs.

The expected values are written out from LINK's documents (the "Result Codes" and "Error Result
Codes" tables of *SMS REST API - MT and Delivery Reports* v1.18), so a change to the adapter's
tables has to be a change to these too.
"""

from __future__ import annotations

from typing import Any

import pytest

from channels.base import PermanentChannelError, TransientChannelError
from channels.linkmobility.codes import (
    DELIVERY_ERRORS,
    DELIVERY_STATES,
    HTTP_REFUSALS,
    SEND_ERRORS,
)
from channels.linkmobility.wire import (
    normalise_msisdn,
    parse_mo,
    parse_report,
    send_error,
    source_ton,
)
from channels.providers import ProviderConfigError

MESSAGE_ID = "Dcshuhod0PMAAAFQ+/PbnR3x"

# LINK's "Transaction State" column: TEMP codes are not final.
NOT_FINAL = [1005, 1008, 1012]
SENT = [1000, 1011, 1013]
DELIVERED = [1001, 1007]
UNDELIVERABLE = [2, 4, 5, 6, 1002, 1004, 1006, 1009, 1010, 2103, 2104, 2105, 2106, 2107]
FAILED = [
    0, 1, 3, 104, 105, 1003,
    2000, 2001, 2002, 2003, 2100, 2101, 2102,
    2200, 2201, 2202, 2203, 2204, 2205, 2206, 2207,
    3000, 3001, 3002,
    4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007,
]  # fmt: skip

REASONS = {
    0: "LINK reported an unknown error",
    1: "LINK could not route the message for now, and gave up",
    2: "LINK has no route to the number's operator",
    3: "LINK's sending limit for our account was exceeded",
    4: "the operator did not answer in time; it is unknown whether the message arrived",
    5: "the operator reported an unknown error; it is unknown whether the message arrived",
    6: "the operator reported an error",
    104: "LINK reported a configuration error on our account",
    105: "LINK had an internal error",
    1002: "the phone was unreachable until the message expired (switched off or out of coverage)",
    1003: "LINK deleted the message before it was sent",
    1004: "the phone's message memory is full",
    1006: "the operator did not deliver the message",
    1009: "the message was billed but not delivered",
    1010: "the message expired without a report from the operator; it may not have arrived",
    2000: "LINK refused our sender name or number",
    2001: "a short number may not be the sender here",
    2002: "an alphanumeric sender name may not be used here",
    2003: "a phone number may not be the sender here",
    2100: "LINK cannot send to a short number",
    2101: "LINK cannot send to an alphanumeric address",
    2102: "LINK cannot send to this phone number",
    2103: "the operator does not allow this message to the number",
    2104: "the number is unknown or no longer in use",
    2105: "the number is permanently barred from receiving this message",
    2106: "the number is not a valid phone number",
    2107: "the number is temporarily barred from receiving messages",
    2200: "LINK could not charge for the message",
    2201: "the recipient's balance is too low",
    2202: "the recipient is barred from premium messages",
    2203: "the recipient is too young for this content",
    2204: "prepaid subscribers may not receive this message",
    2205: "the recipient has refused this service",
    2206: "the recipient is not registered in the payment system",
    2207: "the recipient has reached their maximum balance",
    3000: "the operator does not support GSM-encoded messages",
    3001: "the operator does not support UCS-2 messages (non-Latin text)",
    3002: "the operator does not support binary messages",
    4000: "the operator does not support delivery reports",
    4001: "LINK found the message content invalid",
    4002: "LINK found the tariff invalid",
    4003: "LINK found the message text invalid",
    4004: "LINK found the message header invalid",
    4005: "LINK found the data coding invalid",
    4006: "LINK found the VAT invalid",
    4007: "the recipient's phone or operator does not support this content",
}


def report(result: Any, message_id: str = MESSAGE_ID, **fields: Any) -> dict[str, Any]:
    """A delivery report as LINK's document shows one."""
    return {
        "refId": "delivery-9",
        "id": message_id,
        "operator": "no.telenor",
        "sentTimestamp": "2015-11-19T09:37:35Z",
        "timestamp": "2015-11-19T09:37:00Z",
        "resultCode": result,
        "operatorResultCode": "2",
        "segments": 1,
        "gateCustomParameters": {},
        "customParameters": {"received": "2015-11-19 10:37:36"},
        **fields,
    }


# -- delivery reports ------------------------------------------------------------------------


def test_the_table_has_every_documented_result_code_once() -> None:
    documented = NOT_FINAL + SENT + DELIVERED + UNDELIVERABLE + FAILED
    assert len(documented) == len(set(documented))
    assert set(DELIVERY_STATES) == set(documented)


@pytest.mark.parametrize("code", NOT_FINAL)
def test_codes_that_are_not_final_are_not_recorded(code: int) -> None:
    update = parse_report(report(code))

    assert update is not None
    assert (update.provider_id, update.state, update.reason) == (MESSAGE_ID, None, None)


@pytest.mark.parametrize(
    ("code", "state"), [(c, "sent") for c in SENT] + [(c, "delivered") for c in DELIVERED]
)
def test_progress_codes_are_recorded_without_a_reason(code: int, state: str) -> None:
    update = parse_report(report(code))

    assert update is not None
    assert (update.state, update.error_code, update.reason) == (state, str(code), None)


@pytest.mark.parametrize(
    ("code", "state"),
    [(c, "undeliverable") for c in UNDELIVERABLE] + [(c, "failed") for c in FAILED],
)
def test_every_failure_says_why_in_plain_words(code: int, state: str) -> None:
    update = parse_report(report(code))

    assert update is not None
    assert update.state == state
    assert update.error_code == str(code)
    assert update.reason == f"{REASONS[code]} (LINK {code})"


def test_every_failure_and_only_a_failure_has_a_reason() -> None:
    assert set(DELIVERY_ERRORS) == set(UNDELIVERABLE + FAILED)
    assert DELIVERY_ERRORS == REASONS
    for reason in DELIVERY_ERRORS.values():
        assert reason.strip()
        assert not reason.endswith(".")
        assert "\n" not in reason


def test_a_code_not_in_the_table_is_not_delivered_and_still_says_so() -> None:
    update = parse_report(report(1999))

    assert update is not None
    assert update.state == "undeliverable"
    assert update.reason == "LINK reported the message as not delivered (LINK 1999)"


def test_a_result_code_as_text_is_read_as_its_number() -> None:
    update = parse_report(report("1001"))

    assert update is not None
    assert update.state == "delivered"


@pytest.mark.parametrize("value", [None, "", "delivered", True])
def test_a_report_without_a_usable_result_code_records_nothing(value: Any) -> None:
    update = parse_report(report(value))

    assert update is not None
    assert (update.provider_id, update.state) == (MESSAGE_ID, None)


def test_a_report_for_a_part_names_the_whole_message() -> None:
    first = parse_report(report(1001, f"{MESSAGE_ID}$0"))
    second = parse_report(report(1006, f"{MESSAGE_ID}$12"))

    assert first is not None
    assert second is not None
    assert first.provider_id == second.provider_id == MESSAGE_ID


def test_a_report_without_an_id_is_skipped() -> None:
    assert parse_report(report(1001, "")) is None


# -- send errors -----------------------------------------------------------------------------

SEND_REASONS = {
    106100: "LINK refused our credentials; check the username and password",
    106101: "LINK denied access; check the username and password",
    106200: "LINK does not know our platform id; check platform_id",
    106201: "LINK does not know our platform partner id; check platform_partner_id",
    106202: "LINK wants a price and currency, as for a premium message",
    106300: "LINK has no delivery report gate for our account",
    106301: "LINK does not know our delivery report gate; check gate_id",
}


def error_response(code: int, description: str = "Whatever LINK says") -> dict[str, Any]:
    return {"status": code, "description": description, "translatedDescription": description}


def test_the_send_table_has_every_documented_error_code() -> None:
    assert set(SEND_ERRORS) == {106000, *SEND_REASONS}


@pytest.mark.parametrize(("code", "reason"), sorted(SEND_REASONS.items()))
@pytest.mark.parametrize("status", [400, 401, 403, 500])
def test_a_documented_send_error_is_permanent_whatever_the_status(
    code: int, reason: str, status: int
) -> None:
    error = send_error(status, error_response(code))

    assert isinstance(error, PermanentChannelError)
    assert error.code == str(code)
    assert error.reason == f"{reason} (LINK {code})"


@pytest.mark.parametrize("key", ["resultCode", "code"])
def test_the_error_code_is_read_under_its_other_names(key: str) -> None:
    error = send_error(400, {key: 106301, "description": "Specified gate unavailable"})

    assert error.code == "106301"


def test_an_unknown_error_follows_the_http_status_and_passes_links_words_on() -> None:
    refused = send_error(400, error_response(106000, "Destination +4791234567 rejected"))
    broken = send_error(500, error_response(106000, "Something broke"))

    assert isinstance(refused, PermanentChannelError)
    assert refused.reason == "LINK had an unknown error: Destination … rejected (LINK 106000)"
    assert isinstance(broken, TransientChannelError)
    assert broken.reason == "LINK had an unknown error: Something broke (LINK 106000)"


@pytest.mark.parametrize(("status", "reason"), sorted(HTTP_REFUSALS.items()))
def test_a_refusal_without_a_code_says_what_its_status_means(status: int, reason: str) -> None:
    error = send_error(status, None)

    assert isinstance(error, PermanentChannelError)
    assert (error.code, error.reason) == (str(status), reason)


def test_another_4xx_is_permanent() -> None:
    error = send_error(422, {"description": "Nope\nnot this"})

    assert isinstance(error, PermanentChannelError)
    assert error.reason == "LINK refused the message (422): Nope not this"


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_a_server_error_is_transient_and_not_throttled(status: int) -> None:
    error = send_error(status, "<html>Bad Gateway</html>", retry_after=2.0)

    assert isinstance(error, TransientChannelError)
    assert (error.code, error.retry_after, error.throttled, error.uncertain) == (
        str(status),
        2.0,
        False,
        False,
    )
    assert error.reason == f"LINK could not take the message now ({status})"


def test_too_many_requests_is_throttled_with_its_retry_after() -> None:
    error = send_error(429, None, retry_after=3.0)

    assert isinstance(error, TransientChannelError)
    assert error.throttled
    assert error.retry_after == 3.0


def test_the_http_status_in_an_error_response_is_not_taken_for_links_code() -> None:
    error = send_error(400, {"status": 400, "description": "Bad request"})

    assert error.code == "400"
    assert error.reason == "LINK refused the request as invalid: Bad request"


# -- sender, numbers, inbound ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "ton"),
    [
        ("+4759440000", "MSISDN"),
        ("2230", "SHORTNUMBER"),
        ("1", "SHORTNUMBER"),
        ("12345678901234", "SHORTNUMBER"),
        ("Helsedir", "ALPHANUMERIC"),
        ("NIK 2025", "ALPHANUMERIC"),
        ("Beredskap01", "ALPHANUMERIC"),
    ],
)
def test_the_sender_type_of_number(sender: str, ton: str) -> None:
    assert source_ton(sender) == ton


@pytest.mark.parametrize(
    "sender",
    ["", "+47", "+47 594 40 000", "123456789012345", "Helsedirektoratet", "Beredskap🚨", "Ω≈ç"],
)
def test_a_sender_link_cannot_use(sender: str) -> None:
    with pytest.raises(ProviderConfigError):
        source_ton(sender)


@pytest.mark.parametrize(
    ("number", "normalised"),
    [
        ("+4741560067", "+4741560067"),
        ("4741560067", "+4741560067"),
        ("004741560067", "+4741560067"),
        (" +47 415 60 067 ", "+4741560067"),
        ("(+47) 41-56-00-67", "+4741560067"),
        ("LINK", "LINK"),
        ("", ""),
    ],
)
def test_numbers_are_normalised_to_e164(number: str, normalised: str) -> None:
    assert normalise_msisdn(number) == normalised


def test_an_mo_message_as_the_document_shows_it() -> None:
    inbound = parse_mo(
        {
            "destination": "NO-2333",
            "subNumber": None,
            "source": "+4741560067",
            "content": {"type": "SMS", "userData": "Bclt hello", "encoding": "TEXT"},
            "operator": "no.telenor",
            "timestamp": "2015-11-17T14:28:40Z",
            "messageId": "0",
            "route": {"type": "KEYWORD_ROUTE", "keyword": "BCLT"},
        }
    )

    assert inbound is not None
    assert (inbound.message_id, inbound.sender, inbound.text, inbound.recipient) == (
        "0",
        "+4741560067",
        "Bclt hello",
        "2333",
    )


def test_an_mo_message_to_a_long_number_keeps_it() -> None:
    inbound = parse_mo({"source": "4741560067", "destination": "+4759440000", "messageId": "1"})

    assert inbound is not None
    assert (inbound.sender, inbound.text, inbound.recipient) == ("+4741560067", "", "+4759440000")


def test_an_mo_message_without_a_sender_is_none() -> None:
    assert parse_mo({"content": {"userData": "hei"}}) is None
