"""Turning a message version into the text each channel sends, in the recipient's language.

Every exercise message begins with the exercise marker in its language (ØVELSE, ØVING,
EXERCISE, …) and every test message with TEST; the SMS ends with how to acknowledge by reply.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from dispatch.delivery.compose import Rendered, footer_html, footer_text
from dispatch.incidents.models import IncidentStatus
from translations import strings
from translations.catalog import translator
from translations.locales import format_list_local, text_direction
from translations.review import is_approved

MARKERS = {IncidentStatus.EXERCISE: "EXERCISE", IncidentStatus.TEST: "TEST"}
"""The system word (``strings.SYSTEM_WORDS``) that marks each kind of message that is not real."""


def marker(status: str, lang: str) -> str:
    """``ØVELSE``/``EXERCISE``/``TEST`` in the language, or empty for a real incident.

    A marker no person has approved in that language is followed by bokmål's (``تمرين /
    ØVELSE``): a wrong machine-drafted word must not make an exercise read as a real alert.
    """
    name = MARKERS.get(status)  # type: ignore[call-overload]
    if name is None:
        return ""
    word = translator(lang).gettext(strings.SYSTEM_WORDS[name])
    if is_approved(lang, name):
        return word
    bokmal = translator("nb").gettext(strings.SYSTEM_WORDS[name])
    return word if word == bokmal else f"{word} / {bokmal}"


def _prefixed(status: str, lang: str, text: str) -> str:
    mark = marker(status, lang)
    return f"{mark}: {text}" if mark else text


def with_reminder(lang: str, text: str, reminder: bool, silent: Sequence[str] = ()) -> str:
    """``text`` preceded by the reminder sentence when this is a follow-up; for a main contact,
    first which of their organisations have not confirmed, by name (``silent``)."""
    if not reminder:
        return text
    t = translator(lang)
    lines = [t.gettext(strings.REMINDER), text]
    if silent:
        names = format_list_local(silent, t.language)
        lines.insert(
            0, t.ngettext(*strings.ORGANISATIONS_NOT_CONFIRMED, len(silent), organisations=names)
        )
    return "\n".join(lines)


def content_with_reminder(
    lang: str, content: dict[str, str], reminder: bool, silent: Sequence[str] = ()
) -> dict[str, str]:
    """A message's fields with the reminder (and the silent organisations) before the body."""
    if not reminder:
        return content
    return {**content, "body": with_reminder(lang, content.get("body", ""), reminder, silent)}


def sms_text(*, status: str, lang: str, sms: str, code: str, ack_required: bool) -> str:
    """The whole SMS as sent: marker, text, and the reply instruction."""
    text = _prefixed(status, lang, sms)
    if ack_required:
        reply = translator(lang).gettext(strings.SMS_REPLY_INSTRUCTION, code=code)
        text = f"{text}\n{reply}"
    return text


def email(
    *,
    status: str,
    lang: str,
    content: dict[str, str],
    link: str,
    organisation: str,
    network: str,
    base_url: str = "",
) -> Rendered:
    """Subject, plain text and HTML of an e-mail, with ``lang`` and ``dir`` right."""
    direction = text_direction(lang)
    t = translator(lang)
    subject = _prefixed(status, lang, content["subject"])
    mark = marker(status, lang)
    where = {"organisation": organisation, "network": network, "base_url": base_url}
    footer = footer_text(lang, **where)
    # Who sends it, in the member's language, right after the exercise marker (which stays first).
    sender = t.gettext(strings.ALERT_FROM_DIRECTORATE) + (f" · {network}" if network else "")
    paragraphs = [p for p in (mark, sender, content["body"], content.get("instruction", "")) if p]
    text_parts = list(paragraphs)
    if link:
        text_parts.append(t.gettext(strings.CONFIRM_WITH_LINK, link=link))
    text_parts.append("-- \n" + footer)
    html_parts = [Markup("<p><strong>{}</strong></p>").format(mark)] if mark else []
    html_parts += [
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(p).split("\n")))
        for p in paragraphs[1 if mark else 0 :]
    ]
    if link:
        html_parts.append(
            Markup('<p><a href="{}" style="{}">{}</a></p>').format(
                link,
                "display:inline-block;padding:12px 20px;background:#0b5394;color:#fff;"
                "text-decoration:none;border-radius:4px",
                t.gettext(strings.CONFIRM_RECEIPT),
            )
        )
    html_parts.append(footer_html(lang, **where))
    html = Markup(
        '<!DOCTYPE html><html lang="{}" dir="{}"><head><meta charset="utf-8"><title>{}</title>'
        "</head><body>{}</body></html>"
    ).format(lang, direction, subject, Markup("").join(html_parts))
    return Rendered(
        subject=subject, text="\n\n".join(text_parts), html=str(html), direction=direction
    )


def teams(*, status: str, lang: str, content: dict[str, str]) -> Rendered:
    """Title and text of a Teams card; the card itself is built by the Teams channel."""
    subject = _prefixed(status, lang, content.get("subject") or content.get("sms", ""))
    text = "\n\n".join(
        p
        for p in (content.get("body") or content.get("sms", ""), content.get("instruction", ""))
        if p
    )
    return Rendered(subject=subject, text=text, html="", direction=text_direction(lang))
