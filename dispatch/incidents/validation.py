"""Checks on an incident body: every problem found at once, each a sentence."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection
from enum import StrEnum

from channels.sms_encoding import analyse
from dispatch.incidents.models import Certainty, IncidentStatus, Severity, Urgency
from dispatch.incidents.schemas import LanguageContent
from translations.locales import UnknownLanguageError, canonical_tag

CHANNELS = ("email", "sms", "teams")
MAX_SMS_SEGMENTS = 10
MAX_DEADLINE_MINUTES = 10080
LIMITS = {"subject": 200, "sms": 2000, "body": 20000, "instruction": 2000}


def check_enum(errors: list[str], field: str, value: str, enum: type[StrEnum]) -> str:
    try:
        return enum(value.strip().lower()).value
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        errors.append(f"{field} '{value}' must be one of: {allowed}")
        return value


def check_cap_fields(
    errors: list[str], *, status: str, severity: str, urgency: str, certainty: str
) -> dict[str, str]:
    """The CAP-aligned fields, normalised."""
    return {
        "status": check_enum(errors, "status", status, IncidentStatus),
        "severity": check_enum(errors, "severity", severity, Severity),
        "urgency": check_enum(errors, "urgency", urgency, Urgency),
        "certainty": check_enum(errors, "certainty", certainty, Certainty),
    }


def check_channels(errors: list[str], channels: list[str]) -> list[str]:
    chosen = []
    for channel in channels:
        name = channel.strip().lower()
        if name not in CHANNELS:
            errors.append(f"channel '{channel}' must be one of: email, sms, teams")
        elif name not in chosen:
            chosen.append(name)
    if not channels:
        errors.append("choose at least one channel: email, sms or teams")
    return [c for c in CHANNELS if c in chosen]


def check_networks(errors: list[str], networks: list[str], known: Collection[str]) -> list[str]:
    chosen = []
    for code in networks:
        upper = code.strip().upper()
        if upper not in known:
            errors.append(f"unknown network '{code}'; the networks are {', '.join(known)}")
        elif upper not in chosen:
            chosen.append(upper)
    if not networks:
        errors.append("choose at least one network: NIK, NONEMI or NIFS")
    return chosen


def check_deadline(errors: list[str], minutes: int, seconds: int | None = None) -> int:
    """The deadline in seconds."""
    if not 1 <= minutes <= MAX_DEADLINE_MINUTES:
        errors.append(
            f"ack_deadline_minutes must be between 1 and {MAX_DEADLINE_MINUTES} (a week), "
            f"not {minutes}"
        )
    if seconds is None:
        return minutes * 60
    if not 10 <= seconds <= MAX_DEADLINE_MINUTES * 60:
        errors.append(f"the deadline in seconds must be between 10 and 604800, not {seconds}")
    return seconds


_LINE_BREAKS = frozenset("\n\r\t")


def control_character(text: str, *, breaks_allowed: bool) -> str | None:
    """The first control character in ``text`` (as ``U+000A``), or None. A subject is one line
    (a line break in it would break every e-mail's header); longer texts may break lines."""
    for char in text:
        if unicodedata.category(char) == "Cc" and not (breaks_allowed and char in _LINE_BREAKS):
            return f"U+{ord(char):04X}"
    return None


def check_message(
    errors: list[str],
    message: dict[str, LanguageContent],
    *,
    channels: list[str],
    sms_text: Callable[[str, str], str],
) -> dict[str, dict[str, str]]:
    """Languages Babel knows, the fields the channels need, and SMS of at most 10 segments.

    ``sms_text(lang, sms)`` renders the SMS as it will be sent (marker and reply line included).
    """
    if not message:
        errors.append('the message is empty: give at least one language, e.g. "nb"')
        return {}
    content: dict[str, dict[str, str]] = {}
    for raw_lang, item in message.items():
        try:
            lang = canonical_tag(raw_lang)
        except UnknownLanguageError as exc:
            errors.append(f"message language {exc}")
            continue
        fields = {k: getattr(item, k).strip() for k in ("subject", "sms", "body", "instruction")}
        for key, value in fields.items():
            found = control_character(value, breaks_allowed=key != "subject")
            if found is not None:
                errors.append(
                    f"{lang}: {key} contains the control character {found}"
                    + (" (a subject is one line)" if key == "subject" else "")
                )
        for key, limit in LIMITS.items():
            if len(fields[key]) > limit:
                errors.append(f"{lang}: {key} is longer than {limit} characters")
        if "sms" in channels and not fields["sms"]:
            errors.append(f"{lang}: sms is empty, and SMS is among the channels")
        if "email" in channels and not fields["subject"]:
            errors.append(f"{lang}: subject is empty, and e-mail is among the channels")
        if "email" in channels and not fields["body"]:
            errors.append(f"{lang}: body is empty, and e-mail is among the channels")
        if "teams" in channels and not (fields["body"] or fields["sms"]):
            errors.append(f"{lang}: body is empty, and Teams is among the channels")
        if "sms" in channels and fields["sms"]:
            analysis = analyse(sms_text(lang, fields["sms"]))
            if analysis.segments > MAX_SMS_SEGMENTS:
                errors.append(
                    f"{lang}: the SMS would be {analysis.segments} segments "
                    f"({analysis.encoding}); the most is {MAX_SMS_SEGMENTS}"
                )
        content[lang] = fields
    return content
