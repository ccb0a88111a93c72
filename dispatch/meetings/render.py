"""A meeting's invitation, reminder and cancellation: e-mail (with the calendar file), SMS and
the network's Teams post, in the contact's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from channels.base import Attachment
from dispatch.db.base import utcnow
from dispatch.delivery.compose import Rendered, footer_html, footer_text
from dispatch.meetings import ics
from translations import strings
from translations.catalog import translator
from translations.locales import format_span_local, text_direction

INVITE = "invite"
REMINDER = "reminder"
CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class MeetingMail:
    """What a meeting message says, already in the delivery's language."""

    phase: str
    """``invite``, ``reminder`` or ``cancel``."""
    meeting_id: int
    title: str
    agenda: str
    starts_at: datetime
    ends_at: datetime
    join_url: str
    code: str
    organisation: str
    network: str
    """The networks' names, for the e-mail and its footer."""
    networks: str
    """The networks' codes (``NIK, NONEMI``), for the SMS."""


def answer_url(base_url: str, token: str) -> str:
    return f"{base_url}/meetings/answer/{token}"


def when(mail: MeetingMail, lang: str) -> str:
    return format_span_local(mail.starts_at, mail.ends_at, lang)


def calendar_file(mail: MeetingMail, *, base_url: str, sender: str, lang: str) -> Attachment:
    """``invitation.ics``: the same UID for the invitation and its cancellation."""
    name, address = parseaddr(sender)
    host = urlsplit(base_url).hostname or "beredskapsvarsling"
    t = translator(lang)
    description = "\n".join(
        p
        for p in (
            t.gettext(strings.MEETING_JOIN_LINE, link=mail.join_url),
            f"{t.gettext(strings.MEETING_AGENDA)}:\n{mail.agenda}" if mail.agenda else "",
        )
        if p
    )
    event = ics.CalendarEvent(
        uid=f"meeting-{mail.meeting_id}@{host}",
        # The cancellation outranks the invitation, whichever a calendar reads first.
        sequence=1 if mail.phase == CANCEL else 0,
        starts_at=mail.starts_at,
        ends_at=mail.ends_at,
        summary=mail.title,
        description=description,
        join_url=mail.join_url,
        organizer=address if "@" in address else "",
        organizer_name=name or mail.network,
        cancelled=mail.phase == CANCEL,
        stamp=utcnow(),
    )
    return Attachment(
        filename="invitation.ics",
        content_type="text/calendar",
        data=ics.calendar(event).encode(),
        params={"method": "PUBLISH", "charset": "utf-8"},
    )


def _subject(mail: MeetingMail, lang: str) -> str:
    message = {
        INVITE: strings.MEETING_INVITE_SUBJECT,
        REMINDER: strings.MEETING_REMINDER_SUBJECT,
        CANCEL: strings.MEETING_CANCEL_SUBJECT,
    }[mail.phase]
    return translator(lang).gettext(message, title=mail.title, time=when(mail, lang))


def _paragraphs(mail: MeetingMail, lang: str, link: str) -> list[str]:
    t = translator(lang)
    if mail.phase == CANCEL:
        return [t.gettext(strings.MEETING_CANCEL_INTRO)]
    intro = (
        t.gettext(strings.MEETING_REMINDER_INTRO)
        if mail.phase == REMINDER
        else t.gettext(strings.MEETING_INVITE_INTRO, network=mail.network)
    )
    parts = [
        intro,
        t.gettext(strings.MEETING_TIME, time=when(mail, lang)),
        t.gettext(strings.MEETING_JOIN_LINE, link=mail.join_url),
    ]
    if mail.agenda:
        parts.append(f"{t.gettext(strings.MEETING_AGENDA)}:\n{mail.agenda}")
    if link:
        parts.append(t.gettext(strings.MEETING_ANSWER_LINE, link=link))
    if mail.phase == INVITE:
        parts.append(t.gettext(strings.MEETING_CALENDAR_NOTE))
    return parts


def email(mail: MeetingMail, *, lang: str, link: str, base_url: str) -> Rendered:
    direction = text_direction(lang)
    subject = _subject(mail, lang)
    parts = _paragraphs(mail, lang, link)
    where = {"organisation": mail.organisation, "network": mail.network, "base_url": base_url}
    text = "\n\n".join([*parts, "-- \n" + footer_text(lang, **where)])
    html = Markup(
        '<!DOCTYPE html><html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">'
        "<title>{subject}</title></head><body><h1>{title}</h1>{paragraphs}{footer}</body></html>"
    ).format(
        lang=lang,
        dir=direction,
        subject=subject,
        title=mail.title,
        paragraphs=Markup("").join(
            Markup("<p>{}</p>").format(Markup("<br>").join(escape(p).split("\n"))) for p in parts
        ),
        footer=footer_html(lang, **where),
    )
    return Rendered(subject=subject, text=text, html=str(html), direction=direction)


def sms(mail: MeetingMail, *, lang: str, link: str) -> str:
    t = translator(lang)
    time = when(mail, lang)
    if mail.phase == CANCEL:
        return t.gettext(strings.MEETING_SMS_CANCEL, title=mail.title, time=time)
    if mail.phase == REMINDER:
        return t.gettext(
            strings.MEETING_SMS_REMINDER,
            title=mail.title,
            time=time,
            link=mail.join_url,
            code=mail.code,
        )
    return t.gettext(
        strings.MEETING_SMS_INVITE,
        network=mail.networks,
        title=mail.title,
        time=time,
        code=mail.code,
        link=link,
    )


def teams(mail: MeetingMail, *, lang: str) -> Rendered:
    """The network channel's post: what, when, the agenda; its button opens the meeting."""
    return Rendered(
        subject=_subject(mail, lang),
        text="\n\n".join(_paragraphs(mail, lang, "")),
        html="",
        direction=text_direction(lang),
    )
