"""Unit tests for the field checks shared by the API and the CSV import."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from dispatch.directory import validation
from dispatch.directory.models import MembershipRole, OrganisationKind
from dispatch.directory.validation import InvalidValue

# Brønnøysundregistrene's own organisation number: a real, valid one.
VALID_ORGNR = "974760673"

no_db = hsettings(database=None)


def check_digit(base: str) -> int:
    """The mod-11 check digit of an eight-digit base, computed independently (10 = none)."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    total = sum(int(d) * w for d, w in zip(base, weights, strict=True))
    return (11 - total % 11) % 11


# --- organisation_number ------------------------------------------------------------------


def test_organisation_number_accepts_valid_number() -> None:
    assert validation.organisation_number(VALID_ORGNR) == VALID_ORGNR


def test_organisation_number_removes_spaces() -> None:
    assert validation.organisation_number("974 760 673") == VALID_ORGNR


def test_organisation_number_remainder_zero_gives_check_digit_zero() -> None:
    # 9*3 + 1*2 + 2*2 = 33, a multiple of 11: the check digit is 0, not 11.
    base = "91000002"
    assert check_digit(base) == 0
    assert validation.organisation_number(base + "0") == base + "0"


def test_organisation_number_rejects_wrong_check_digit() -> None:
    with pytest.raises(InvalidValue, match=r"fails the check digit") as info:
        validation.organisation_number("974760674")
    assert "'974760674'" in str(info.value)
    assert "mistyped digit" in str(info.value)


@pytest.mark.parametrize(
    "raw",
    ["97476067", "9747606730", "97476067X", "", "974-760-673", "٩٧٤٧٦٠٦٧٣", "９７４７６０６７３"],
)
def test_organisation_number_rejects_anything_but_nine_ascii_digits(raw: str) -> None:
    with pytest.raises(InvalidValue, match=r"must be nine digits"):
        validation.organisation_number(raw)


@no_db
@given(base=st.from_regex(r"[0-9]{8}", fullmatch=True))
def test_organisation_number_valid_with_its_check_digit(base: str) -> None:
    check = check_digit(base)
    assume(check != 10)
    assert validation.organisation_number(f"{base}{check}") == f"{base}{check}"


@no_db
@given(
    base=st.from_regex(r"[0-9]{8}", fullmatch=True),
    position=st.integers(min_value=0, max_value=8),
    offset=st.integers(min_value=1, max_value=9),
)
def test_organisation_number_detects_every_single_digit_substitution(
    base: str, position: int, offset: int
) -> None:
    check = check_digit(base)
    assume(check != 10)
    number = f"{base}{check}"
    replacement = str((int(number[position]) + offset) % 10)
    mistyped = number[:position] + replacement + number[position + 1 :]
    assert mistyped != number
    with pytest.raises(InvalidValue, match=r"fails the check digit"):
        validation.organisation_number(mistyped)


@no_db
@given(prefix=st.from_regex(r"[0-9]{7}", fullmatch=True))
def test_organisation_number_base_with_check_ten_never_validates(prefix: str) -> None:
    # Choose the eighth digit (weight 2; 6 is its inverse mod 11) so the remainder is 1.
    partial = sum(int(d) * w for d, w in zip(prefix, (3, 2, 7, 6, 5, 4, 3), strict=True))
    last = (1 - partial) * 6 % 11
    assume(last != 10)
    base = f"{prefix}{last}"
    assert check_digit(base) == 10
    for last in "0123456789":
        with pytest.raises(InvalidValue, match=r"fails the check digit"):
            validation.organisation_number(base + last)


def test_organisation_number_weights_detect_every_digit_change_exhaustively() -> None:
    # Changing the digit at a position with weight w by delta shifts the sum by w*delta; it goes
    # unnoticed only when that is a multiple of 11. The check digit itself has weight 1.
    for base in ("97476067", "91000002", "00000000", "99999999"):
        check = check_digit(base)
        number = f"{base}{check}"
        assert validation.organisation_number(number) == number
        for position in range(9):
            for digit in "0123456789":
                if digit == number[position]:
                    continue
                mistyped = number[:position] + digit + number[position + 1 :]
                with pytest.raises(InvalidValue, match=r"fails the check digit"):
                    validation.organisation_number(mistyped)


# --- municipality_number ------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("0301", "0301"), (" 4601 ", "4601")])
def test_municipality_number_accepts_four_digits(raw: str, expected: str) -> None:
    assert validation.municipality_number(raw) == expected


@pytest.mark.parametrize("raw", ["301", "03011", "03a1", "", "٠٣٠١"])
def test_municipality_number_rejects_other_values(raw: str) -> None:
    with pytest.raises(InvalidValue, match=r"must be four digits, e.g. 0301") as info:
        validation.municipality_number(raw)
    assert f"'{raw}'" in str(info.value)


# --- organisation_kind and membership_role ------------------------------------------------


def test_organisation_kind_is_case_and_space_insensitive() -> None:
    assert validation.organisation_kind(" NGO ") is OrganisationKind.NGO
    assert validation.organisation_kind("Health_Trust") is OrganisationKind.HEALTH_TRUST


def test_organisation_kind_rejection_lists_allowed_kinds() -> None:
    with pytest.raises(InvalidValue) as info:
        validation.organisation_kind("church")
    message = str(info.value)
    assert message.startswith("organisation kind 'church' is not one of: ")
    for kind in OrganisationKind:
        assert kind.value in message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("member", MembershipRole.MEMBER), (" Observer ", MembershipRole.OBSERVER)],
)
def test_membership_role_accepts_known_roles(raw: str, expected: MembershipRole) -> None:
    assert validation.membership_role(raw) is expected


@pytest.mark.parametrize("raw", ["owner", ""])
def test_membership_role_rejects_unknown_roles(raw: str) -> None:
    with pytest.raises(InvalidValue, match=r"must be 'member' or 'observer'"):
        validation.membership_role(raw)


# --- mobile -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "912 34 567",
        "91234567",
        "0047 912 34 567",
        "+47 912 34 567",
        "+4791234567",
        "(+47) 912-34-567",
    ],
)
def test_mobile_normalises_norwegian_numbers_to_e164(raw: str) -> None:
    assert validation.mobile(raw) == "+4791234567"


def test_mobile_accepts_foreign_mobile_numbers() -> None:
    assert validation.mobile("+46 70 123 45 67") == "+46701234567"


@pytest.mark.parametrize(
    "raw", ["22 22 22 22", "+47 22 22 22 22", "123", "abc", "", "+47 912 34 56", "812 34 567"]
)
def test_mobile_rejects_landlines_and_invalid_numbers(raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        validation.mobile(raw)
    assert str(info.value) == (
        f"phone '{raw}' is not a valid Norwegian or international mobile number"
    )


@no_db
@given(rest=st.from_regex(r"[0-9]{7}", fullmatch=True))
def test_mobile_same_number_in_any_spelling_gives_same_e164(rest: str) -> None:
    local = f"9{rest}"
    spaced = f"{local[:3]} {local[3:5]} {local[5:]}"
    expected = f"+47{local}"
    assert validation.mobile(local) == expected
    assert validation.mobile(spaced) == expected
    assert validation.mobile(f"0047 {spaced}") == expected
    assert validation.mobile(expected) == expected


# --- email --------------------------------------------------------------------------------


def test_email_trims_and_lowercases_the_domain_only() -> None:
    assert validation.email("  Kari.Nordmann@Helse.NO ") == "Kari.Nordmann@helse.no"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("kari", "must have an @-sign"),
        ("kari@", "something after the @-sign"),
        ("kari@x..no", "two periods in a row"),
        ("a b@x.no", "invalid characters"),
    ],
)
def test_email_rejects_malformed_addresses(raw: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as info:
        validation.email(raw)
    message = str(info.value)
    assert message.startswith(f"e-mail '{raw}' is not a valid address: ")
    assert reason in message


def test_email_does_not_check_deliverability() -> None:
    # A domain that cannot exist in DNS is still accepted: only the form is checked.
    assert validation.email("kari@no-such-domain.example") == "kari@no-such-domain.example"


# --- language -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [("NO", "nb"), ("prs", "fa-AF"), ("fa_af", "fa-AF"), ("tl", "tl")]
)
def test_language_returns_canonical_tag(raw: str, expected: str) -> None:
    assert validation.language(raw) == expected


def test_language_rejects_unknown_tag_with_guidance() -> None:
    with pytest.raises(InvalidValue) as info:
        validation.language("xx")
    assert str(info.value) == (
        "language 'xx' is not a language tag we know; use a BCP 47 tag such as nb, en, ar or fa-AF"
    )


def test_language_rejects_empty_tag() -> None:
    with pytest.raises(InvalidValue, match=r"^language the language is empty; use a BCP 47"):
        validation.language("  ")


# --- channels and channels_fit ------------------------------------------------------------


def test_channels_deduplicates_and_puts_email_first() -> None:
    assert validation.channels(["SMS", " email ", "sms", "Email"]) == ["email", "sms"]


def test_channels_empty_list_stays_empty() -> None:
    assert validation.channels([]) == []


def test_channels_rejects_unknown_channel() -> None:
    with pytest.raises(InvalidValue, match=r"^channel 'teams' must be 'email' or 'sms'$"):
        validation.channels(["email", "teams"])


def test_channels_fit_accepts_reachable_contact() -> None:
    assert validation.channels_fit(["email", "sms"], email="k@x.no", phone="+4791234567") == []


def test_channels_fit_reports_missing_addresses() -> None:
    assert validation.channels_fit(["email", "sms"], email=None, phone="") == [
        "channel 'email' needs an e-mail address",
        "channel 'sms' needs a phone number",
    ]


def test_channels_fit_needs_at_least_one_channel() -> None:
    assert validation.channels_fit([], email="k@x.no", phone=None) == [
        "the contact needs at least one channel: give an e-mail address or a phone"
    ]


# --- webhook_url --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://x.webhook.office.com/abc", "https://x.webhook.office.com/abc"),
        ("  https://a.logic.azure.com/hook  ", "https://a.logic.azure.com/hook"),
        ("http://127.0.0.1:8000/hook", "http://127.0.0.1:8000/hook"),
        ("http://127.5.6.7/hook", "http://127.5.6.7/hook"),
        ("http://[::1]:9000/hook", "http://[::1]:9000/hook"),
        ("http://localhost:8080/hook", "http://localhost:8080/hook"),
    ],
)
def test_webhook_url_accepts_workflows_hosts_and_loopback_where_allowed(
    raw: str, expected: str
) -> None:
    assert validation.webhook_url(raw, allow_loopback=True) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("https://a.example/hook", "must be a Microsoft Teams Workflows address"),
        ("http://127.0.0.1:6379/", "must not point at this server"),
        ("https://169.254.169.254/latest/meta-data/", "must be a Microsoft Teams Workflows"),
        ("https://kubernetes.default.svc/api", "must be a Microsoft Teams Workflows"),
    ],
)
def test_webhook_url_refuses_other_hosts_and_loopback_by_default(raw: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        validation.webhook_url(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "http://example.com/hook",
        "http://10.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://localhost.evil.example/hook",
        "http://127.0.0.1.evil.example/hook",
    ],
)
def test_webhook_url_rejects_plain_http_to_other_hosts(raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        validation.webhook_url(raw)
    assert str(info.value) == f"Teams webhook '{raw}' must use https"


@pytest.mark.parametrize("raw", ["ftp://x.example/hook", "https://", "x.example.com/hook", ""])
def test_webhook_url_rejects_non_urls(raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        validation.webhook_url(raw)
    assert str(info.value) == f"Teams webhook '{raw}' must be a full https:// address"


# --- text ---------------------------------------------------------------------------------


def test_text_trims_and_returns_value() -> None:
    assert validation.text("  Oslo kommune \n", field="name", max_length=20) == "Oslo kommune"


def test_text_at_max_length_is_accepted() -> None:
    assert validation.text("a" * 5, field="name", max_length=5) == "aaaaa"


@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_text_rejects_empty(raw: str) -> None:
    with pytest.raises(InvalidValue, match=r"^name is empty$"):
        validation.text(raw, field="name", max_length=10)


def test_text_rejects_too_long_after_trimming() -> None:
    assert validation.text(" abcde ", field="name", max_length=5) == "abcde"
    with pytest.raises(InvalidValue, match=r"^name is longer than 5 characters$"):
        validation.text("abcdef", field="name", max_length=5)
