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
from translations.strings.marking import N_
from translations.text import Text, reason_of

ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


class InvalidValue(ValueError):
    """A value that cannot be accepted, with the reason in plain words (``reason``: a ``Text``
    that the dashboard says in the page's language)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _not_mobile(raw: str) -> Text:
    return Text(
        N_("phone '%(value)s' is not a valid Norwegian or international mobile number"), value=raw
    )


def organisation_number(raw: str) -> str:
    """A Norwegian organisation number: nine digits whose last is the mod-11 check digit."""
    digits = raw.replace(" ", "")
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        raise InvalidValue(
            Text(N_("organisation number '%(value)s' must be nine digits"), value=raw)
        )
    remainder = sum(int(d) * w for d, w in zip(digits[:8], ORGNR_WEIGHTS, strict=True)) % 11
    check = (11 - remainder) % 11
    if check == 10 or check != int(digits[8]):
        raise InvalidValue(
            Text(
                N_(
                    "organisation number '%(value)s' fails the check digit; look for a mistyped digit"  # noqa: E501
                ),
                value=raw,
            )
        )
    return digits


def municipality_number(raw: str) -> str:
    """A four-digit municipality number (kommunenummer), e.g. 0301 for Oslo."""
    digits = raw.strip()
    if len(digits) != 4 or not digits.isascii() or not digits.isdigit():
        raise InvalidValue(
            Text(N_("municipality number '%(value)s' must be four digits, e.g. 0301"), value=raw)
        )
    return digits


def organisation_kind(raw: str) -> OrganisationKind:
    """One of the organisation kinds of the contract."""
    try:
        return OrganisationKind(raw.strip().lower())
    except ValueError as exc:
        allowed = ", ".join(k.value for k in OrganisationKind)
        raise InvalidValue(
            Text(
                N_("organisation kind '%(value)s' is not one of: %(allowed)s"),
                value=raw,
                allowed=allowed,
            )
        ) from exc


def membership_role(raw: str) -> MembershipRole:
    """``member`` or ``observer``."""
    try:
        return MembershipRole(raw.strip().lower())
    except ValueError as exc:
        raise InvalidValue(
            Text(N_("network role '%(value)s' must be 'member' or 'observer'"), value=raw)
        ) from exc


def mobile(raw: str) -> str:
    """A mobile number in any form ``phonenumbers`` parses with region NO, returned as E.164."""
    try:
        number = phonenumbers.parse(raw, "NO")
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(_not_mobile(raw)) from exc
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        raise InvalidValue(_not_mobile(raw))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(raw: str) -> str:
    """An e-mail address, checked for form (not delivery); the domain is lower-cased."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidValue(
            Text(
                N_("e-mail '%(value)s' is not a valid address: %(reason)s"),
                value=raw,
                reason=str(exc),
            )
        ) from exc


def language(raw: str) -> str:
    """A BCP 47 tag Babel knows, in canonical spelling (Dari is ``fa-AF``)."""
    try:
        return canonical_tag(raw)
    except UnknownLanguageError as exc:
        raise InvalidValue(
            Text(
                N_("language %(problem)s; use a BCP 47 tag such as nb, en, ar or fa-AF"),
                problem=reason_of(exc),
            )
        ) from exc


def channels(raw: list[str]) -> list[str]:
    """Personal channels, de-duplicated in a fixed order (e-mail first)."""
    chosen: set[Channel] = set()
    for item in raw:
        try:
            chosen.add(Channel(item.strip().lower()))
        except ValueError as exc:
            raise InvalidValue(
                Text(N_("channel '%(value)s' must be 'email' or 'sms'"), value=item)
            ) from exc
    return [c.value for c in Channel if c in chosen]


def channels_fit(chosen: list[str], *, email: str | None, phone: str | None) -> list[str]:
    """Reasons why the chosen channels cannot reach this contact (empty if they can)."""
    problems: list[str] = []
    if Channel.EMAIL in chosen and not email:
        problems.append(Text(N_("channel 'email' needs an e-mail address"), field="email"))
    if Channel.SMS in chosen and not phone:
        problems.append(Text(N_("channel 'sms' needs a phone number"), field="phone"))
    if not chosen:
        problems.append(
            Text(
                N_("the contact needs at least one channel: give an e-mail address or a phone"),
                field="channels",
            )
        )
    return problems


def webhook_url(raw: str, *, allow_loopback: bool = False) -> str:
    """A Teams webhook address: https on a Microsoft Workflows host; this machine only when
    ``DISPATCH_ALLOW_LOOPBACK_WEBHOOKS`` allows it (tests and the demo)."""
    url = raw.strip()
    problem = webhook_problem(url, allow_loopback=allow_loopback)
    if problem is not None:
        shown = url if len(url) <= 80 else url[:80] + "…"
        raise InvalidValue(
            # TRANSLATORS: %(problem)s says what is wrong with the address, in English.
            Text(N_("Teams webhook '%(value)s' %(problem)s"), value=shown, problem=problem)
        )
    return url


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine."""
    return is_loopback_host(host)


def text(raw: str, *, field: str, max_length: int) -> str:
    """A required piece of text, trimmed, not empty and not too long."""
    value = raw.strip()
    if not value:
        raise InvalidValue(Text(N_("%(name)s is empty"), field=field, name=field))
    if len(value) > max_length:
        raise InvalidValue(
            Text(
                N_("%(name)s is longer than %(limit)d characters"),
                field=field,
                name=field,
                limit=max_length,
            )
        )
    return value


def collect(
    errors: list[str], values: dict[str, Any], key: str, check: Any, raw: Any, **kwargs: Any
) -> None:
    """Put ``check(raw)`` in ``values[key]``, or its reason in ``errors``: to report every one."""
    try:
        values[key] = check(raw, **kwargs)
    except InvalidValue as exc:
        reason = exc.reason
        if isinstance(reason, Text) and not reason.field:
            reason.field = key  # so a form shows it beside that field
        errors.append(reason)
