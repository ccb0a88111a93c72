"""A template's typed fields, the ``{placeholders}`` in its texts, and the values a coordinator
gives them, formatted for each language (dates and times in Norwegian time, with Babel)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from urllib.parse import urlsplit

import phonenumbers

from translations.locales import format_date_local, format_time_local
from translations.strings.marking import N_
from translations.text import Text

MAX_FIELDS = 20
MAX_VALUE = 500
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# A placeholder is ``{name}``; anything else between braces is an error, so is a lone brace.
_BRACES = re.compile(r"\{([^{}]*)\}")
PARTS = ("subject", "sms", "body", "instruction")


class FieldKind(StrEnum):
    """What a field holds; it decides how the value is checked and written in each language."""

    TEXT = "text"
    DATE = "date"
    TIME = "time"
    PHONE = "phone"
    URL = "url"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: FieldKind


Value = str | date | time | datetime | phonenumbers.PhoneNumber


def placeholders(text: str) -> tuple[list[str], bool]:
    """The names between braces, in order, and whether a brace stands alone (``{place`` …)."""
    names = _BRACES.findall(text)
    rest = _BRACES.sub("", text)
    return names, "{" in rest or "}" in rest


def check_placeholders(errors: list[str], text: str, known: set[str], *, where: str) -> None:
    """Every placeholder in ``text`` names a field; ``where`` is the form field it is about."""
    names, stray = placeholders(text)
    for name in names:
        if name not in known:
            errors.append(
                Text(
                    N_(
                        "{%(name)s} is not one of the template's fields (%(known)s); "
                        "add the field or correct the placeholder"
                    ),
                    field=where,
                    name=name,
                    known=", ".join(sorted(known)) or "-",
                )
            )
    if stray:
        errors.append(
            Text(
                N_("a brace without its pair: write a placeholder as {place}"),
                field=where,
            )
        )


def fill(text: str, formatted: dict[str, str]) -> str:
    """``text`` with every ``{name}`` replaced (the names were checked when it was saved)."""
    return _BRACES.sub(lambda m: formatted.get(m.group(1), m.group(0)), text)


def parse_value(errors: list[str], field: Field, raw: str) -> Value | None:
    """A coordinator's value for ``field``, checked for its kind; None (and a reason) if wrong."""
    value = raw.strip()
    where = f"template.fields.{field.name}"
    if not value:
        errors.append(
            Text(N_("give a value for the field {%(name)s}"), field=where, name=field.name)
        )
        return None
    if len(value) > MAX_VALUE:
        errors.append(
            Text(
                N_("the value of {%(name)s} is longer than %(limit)d characters"),
                field=where,
                name=field.name,
                limit=MAX_VALUE,
            )
        )
        return None
    try:
        return _parse(field.kind, value)
    except ValueError:
        errors.append(Text(_WRONG[field.kind], field=where, name=field.name, value=value))
        return None


def _parse(kind: FieldKind, value: str) -> Value:
    if kind is FieldKind.DATE:
        if len(value) == 10:
            return date.fromisoformat(value)
        return _aware(datetime.fromisoformat(value))
    if kind is FieldKind.TIME:
        if len(value) <= 8:
            return time.fromisoformat(value)
        return _aware(datetime.fromisoformat(value))
    if kind is FieldKind.PHONE:
        try:
            number = phonenumbers.parse(value, "NO")
        except phonenumbers.NumberParseException as exc:
            raise ValueError(value) from exc
        if not phonenumbers.is_valid_number(number):
            raise ValueError(value)
        return number
    if kind is FieldKind.URL:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            raise ValueError(value)
    return value


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment


def format_value(field: Field, value: Value, lang: str) -> str:
    """The value as ``lang``'s readers write it: ``7. desember 2026`` in nb, ``7 ديسمبر 2026``
    in ar; times in Norwegian time (a date-time given with its offset is read in Europe/Oslo,
    as its date for a date field and its time for a time field); numbers in international form."""
    if isinstance(value, phonenumbers.PhoneNumber):
        return phonenumbers.format_number(value, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if isinstance(value, datetime):
        if field.kind is FieldKind.TIME:
            return format_time_local(value, lang)
        return format_date_local(value, lang)
    if isinstance(value, date):
        return format_date_local(value, lang)
    if isinstance(value, time):
        return format_time_local(value, lang)
    return value


_WRONG = {
    FieldKind.TEXT: N_("the value of {%(name)s} cannot be used: '%(value)s'"),
    FieldKind.DATE: N_(
        "{%(name)s} must be a date like 2026-12-07 (or a date and time with its offset), "
        "not '%(value)s'"
    ),
    FieldKind.TIME: N_("{%(name)s} must be a time like 14:30, not '%(value)s'"),
    FieldKind.PHONE: N_("{%(name)s} must be a phone number, not '%(value)s'"),
    FieldKind.URL: N_("{%(name)s} must be a web address starting with https://, not '%(value)s'"),
}
