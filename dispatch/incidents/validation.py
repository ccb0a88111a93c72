"""Checks on an incident body: every problem found at once, each a sentence."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection
from enum import StrEnum

from channels.sms_encoding import analyse
from dispatch.incidents.models import Certainty, IncidentStatus, Severity, Urgency
from dispatch.incidents.schemas import LanguageContent
from translations.locales import UnknownLanguageError, canonical_tag
from translations.strings.marking import N_
from translations.text import LanguageName, Text

CHANNELS = ("email", "sms", "teams")
MAX_SMS_SEGMENTS = 10
MAX_DEADLINE_MINUTES = 10080
LIMITS = {"subject": 200, "sms": 2000, "body": 20000, "instruction": 2000}


def check_enum(errors: list[str], field: str, value: str, enum: type[StrEnum]) -> str:
    try:
        return enum(value.strip().lower()).value
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        errors.append(
            Text(
                N_("%(name)s '%(value)s' must be one of: %(allowed)s"),
                field=field,
                name=field,
                value=value,
                allowed=allowed,
            )
        )
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
            errors.append(
                Text(
                    N_("channel '%(channel)s' must be one of: email, sms, teams"),
                    field="channels",
                    channel=channel,
                )
            )
        elif name not in chosen:
            chosen.append(name)
    if not channels:
        errors.append(
            Text(N_("choose at least one channel: e-mail, SMS or Teams"), field="channels")
        )
    return [c for c in CHANNELS if c in chosen]


def check_networks(errors: list[str], networks: list[str], known: Collection[str]) -> list[str]:
    chosen = []
    for code in networks:
        upper = code.strip().upper()
        if upper not in known:
            errors.append(
                Text(
                    N_("unknown network '%(code)s'; the networks are %(known)s"),
                    field="networks",
                    code=code,
                    known=", ".join(known),
                )
            )
        elif upper not in chosen:
            chosen.append(upper)
    if not networks:
        errors.append(
            Text(
                N_("choose at least one network: %(known)s"),
                field="networks",
                known=", ".join(known),
            )
        )
    return chosen


def check_deadline(errors: list[str], minutes: int, seconds: int | None = None) -> int:
    """The deadline in seconds."""
    if not 1 <= minutes <= MAX_DEADLINE_MINUTES:
        errors.append(
            Text(
                N_(
                    "the acknowledgement deadline must be between 1 and %(most)d minutes "
                    "(a week), not %(minutes)d"
                ),
                field="ack_deadline_minutes",
                most=MAX_DEADLINE_MINUTES,
                minutes=minutes,
            )
        )
    if seconds is None:
        return minutes * 60
    if not 10 <= seconds <= MAX_DEADLINE_MINUTES * 60:
        errors.append(
            Text(
                N_("the deadline in seconds must be between 10 and 604800, not %(seconds)d"),
                field="ack_deadline_minutes",
                seconds=seconds,
            )
        )
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
        errors.append(
            Text(
                N_('the message is empty: write it in at least one language, e.g. "nb"'),
                field="message",
            )
        )
        return {}
    content: dict[str, dict[str, str]] = {}
    for raw_lang, item in message.items():
        try:
            lang = canonical_tag(raw_lang)
        except UnknownLanguageError:
            errors.append(
                Text(N_("'%(tag)s' is not a language tag we know"), field="message", tag=raw_lang)
            )
            continue
        fields = {k: getattr(item, k).strip() for k in ("subject", "sms", "body", "instruction")}
        language = LanguageName(lang)
        for key, value in fields.items():
            found = control_character(value, breaks_allowed=key != "subject")
            if found is not None:
                errors.append(
                    Text(CONTROL[key], field=f"message.{lang}.{key}", language=language, char=found)
                )
        for key, limit in LIMITS.items():
            if len(fields[key]) > limit:
                errors.append(
                    Text(
                        TOO_LONG[key],
                        field=f"message.{lang}.{key}",
                        language=language,
                        limit=limit,
                    )
                )
        if "sms" in channels and not fields["sms"]:
            errors.append(
                _missing(
                    N_("%(language)s: the SMS text is empty, and SMS is among the channels"),
                    lang,
                    "sms",
                )
            )
        if "email" in channels and not fields["subject"]:
            errors.append(
                _missing(
                    N_("%(language)s: the subject is empty, and e-mail is among the channels"),
                    lang,
                    "subject",
                )
            )
        if "email" in channels and not fields["body"]:
            errors.append(
                _missing(
                    N_("%(language)s: the message is empty, and e-mail is among the channels"),
                    lang,
                    "body",
                )
            )
        if "teams" in channels and not (fields["body"] or fields["sms"]):
            errors.append(
                _missing(
                    N_("%(language)s: the message is empty, and Teams is among the channels"),
                    lang,
                    "body",
                )
            )
        if "sms" in channels and fields["sms"]:
            analysis = analyse(sms_text(lang, fields["sms"]))
            if analysis.segments > MAX_SMS_SEGMENTS:
                errors.append(
                    Text(
                        N_(
                            "%(language)s: the SMS would be %(segments)d segments "
                            "(%(encoding)s); the most is %(most)d"
                        ),
                        field=f"message.{lang}.sms",
                        language=language,
                        segments=analysis.segments,
                        encoding=analysis.encoding,
                        most=MAX_SMS_SEGMENTS,
                    )
                )
        content[lang] = fields
    return content


TOO_LONG = {
    "subject": N_("%(language)s: the subject is longer than %(limit)d characters"),
    "sms": N_("%(language)s: the SMS text is longer than %(limit)d characters"),
    "body": N_("%(language)s: the message is longer than %(limit)d characters"),
    "instruction": N_("%(language)s: what to do is longer than %(limit)d characters"),
}


CONTROL = {
    "subject": N_(
        "%(language)s: the subject contains the control character %(char)s (a subject is one line)"
    ),
    "sms": N_("%(language)s: the SMS text contains the control character %(char)s"),
    "body": N_("%(language)s: the message contains the control character %(char)s"),
    "instruction": N_("%(language)s: what to do contains the control character %(char)s"),
}


def _missing(msgid: str, lang: str, part: str) -> Text:
    return Text(msgid, field=f"message.{lang}.{part}", language=LanguageName(lang))
