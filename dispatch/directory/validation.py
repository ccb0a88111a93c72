"""Checks shared by the API and the CSV import, each returning the clean value or raising.

Every message is a sentence a coordinator can act on; the caller adds the field or row.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from channels.teams import is_loopback_host, webhook_problem
from dispatch.directory.models import Channel, MembershipRole, OrganisationKind
from translations.locales import UnknownLanguageError, canonical_tag

ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


class InvalidValue(ValueError):
    """A value that cannot be accepted, with the reason in plain words."""


def organisation_number(raw: str) -> str:
    """A Norwegian organisation number: nine digits whose last is the mod-11 check digit."""
    digits = raw.replace(" ", "")
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        raise InvalidValue(f"organisation number '{raw}' must be nine digits")
    remainder = sum(int(d) * w for d, w in zip(digits[:8], ORGNR_WEIGHTS, strict=True)) % 11
    check = (11 - remainder) % 11
    if check == 10 or check != int(digits[8]):
        raise InvalidValue(
            f"organisation number '{raw}' fails the check digit; look for a mistyped digit"
        )
    return digits


def municipality_number(raw: str) -> str:
    """A four-digit municipality number (kommunenummer), e.g. 0301 for Oslo."""
    digits = raw.strip()
    if len(digits) != 4 or not digits.isascii() or not digits.isdigit():
        raise InvalidValue(f"municipality number '{raw}' must be four digits, e.g. 0301")
    return digits


def organisation_kind(raw: str) -> OrganisationKind:
    """One of the organisation kinds of the contract."""
    try:
        return OrganisationKind(raw.strip().lower())
    except ValueError as exc:
        allowed = ", ".join(k.value for k in OrganisationKind)
        raise InvalidValue(f"organisation kind '{raw}' is not one of: {allowed}") from exc


def membership_role(raw: str) -> MembershipRole:
    """``member`` or ``observer``."""
    try:
        return MembershipRole(raw.strip().lower())
    except ValueError as exc:
        raise InvalidValue(f"network role '{raw}' must be 'member' or 'observer'") from exc


def mobile(raw: str) -> str:
    """A mobile number in any form ``phonenumbers`` parses with region NO, returned as E.164."""
    try:
        number = phonenumbers.parse(raw, "NO")
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(
            f"phone '{raw}' is not a valid Norwegian or international mobile number"
        ) from exc
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        raise InvalidValue(f"phone '{raw}' is not a valid Norwegian or international mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(raw: str) -> str:
    """An e-mail address, checked for form (not delivery); the domain is lower-cased."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidValue(f"e-mail '{raw}' is not a valid address: {exc}") from exc


def language(raw: str) -> str:
    """A BCP 47 tag Babel knows, in canonical spelling (Dari is ``fa-AF``)."""
    try:
        return canonical_tag(raw)
    except UnknownLanguageError as exc:
        raise InvalidValue(f"language {exc}; use a BCP 47 tag such as nb, en, ar or fa-AF") from exc


def channels(raw: list[str]) -> list[str]:
    """Personal channels, de-duplicated in a fixed order (e-mail first)."""
    chosen: set[Channel] = set()
    for item in raw:
        try:
            chosen.add(Channel(item.strip().lower()))
        except ValueError as exc:
            raise InvalidValue(f"channel '{item}' must be 'email' or 'sms'") from exc
    return [c.value for c in Channel if c in chosen]


def channels_fit(chosen: list[str], *, email: str | None, phone: str | None) -> list[str]:
    """Reasons why the chosen channels cannot reach this contact (empty if they can)."""
    problems = []
    if Channel.EMAIL in chosen and not email:
        problems.append("channel 'email' needs an e-mail address")
    if Channel.SMS in chosen and not phone:
        problems.append("channel 'sms' needs a phone number")
    if not chosen:
        problems.append("the contact needs at least one channel: give an e-mail address or a phone")
    return problems


def webhook_url(raw: str, *, allow_loopback: bool = False) -> str:
    """A Teams webhook address: https on a Microsoft Workflows host; this machine only when
    ``DISPATCH_ALLOW_LOOPBACK_WEBHOOKS`` allows it (tests and the demo)."""
    url = raw.strip()
    problem = webhook_problem(url, allow_loopback=allow_loopback)
    if problem is not None:
        shown = url if len(url) <= 80 else url[:80] + "…"
        raise InvalidValue(f"Teams webhook '{shown}' {problem}")
    return url


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine."""
    return is_loopback_host(host)


def text(raw: str, *, field: str, max_length: int) -> str:
    """A required piece of text, trimmed, not empty and not too long."""
    value = raw.strip()
    if not value:
        raise InvalidValue(f"{field} is empty")
    if len(value) > max_length:
        raise InvalidValue(f"{field} is longer than {max_length} characters")
    return value


def collect(
    errors: list[str], values: dict[str, Any], key: str, check: Any, raw: Any, **kwargs: Any
) -> None:
    """Put ``check(raw)`` in ``values[key]``, or its reason in ``errors``: to report every one."""
    try:
        values[key] = check(raw, **kwargs)
    except InvalidValue as exc:
        errors.append(str(exc))
