"""The list review's e-mail and SMS, in the contact's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from dispatch.delivery.compose import Rendered, footer_html, footer_text
from translations import strings
from translations.catalog import translator
from translations.locales import format_datetime_local, text_direction


@dataclass(frozen=True, slots=True)
class ReviewMail:
    """What a list-review message says besides the link."""

    organisation: str
    network: str
    deadline: datetime
    reminder: bool
    email_bounced: bool = False
    """The contact's e-mail address bounced: the SMS asks them to correct it."""


def confirm_url(base_url: str, token: str) -> str:
    return f"{base_url}/confirm/{token}"


def _deadline(mail: ReviewMail, lang: str) -> str:
    return format_datetime_local(mail.deadline, lang, format="long")


def email(mail: ReviewMail, *, lang: str, link: str, base_url: str = "") -> Rendered:
    t = translator(lang)
    direction = text_direction(lang)
    deadline = _deadline(mail, lang)
    subject = t.gettext(strings.REVIEW_SUBJECT, organisation=mail.organisation)
    parts = [t.gettext(strings.REVIEW_INTRO, network=mail.network, deadline=deadline)]
    if mail.reminder:
        parts.insert(0, t.gettext(strings.REVIEW_REMINDER, deadline=deadline))
    where = {"organisation": mail.organisation, "network": mail.network, "base_url": base_url}
    footer = footer_text(lang, **where)
    text = "\n\n".join([*parts, t.gettext(strings.REVIEW_LINK, link=link), "-- \n" + footer])
    html = Markup(
        '<!DOCTYPE html><html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">'
        "<title>{subject}</title></head><body>{paragraphs}"
        '<p><a href="{link}">{button}</a></p>'
        "{footer}</body></html>"
    ).format(
        lang=lang,
        dir=direction,
        subject=subject,
        paragraphs=Markup("").join(Markup("<p>{}</p>").format(p) for p in parts),
        link=link,
        button=t.gettext(strings.REVIEW_PAGE_CONFIRM),
        footer=footer_html(lang, **where),
    )
    return Rendered(subject=subject, text=text, html=str(html), direction=direction)


def sms(mail: ReviewMail, *, lang: str, link: str) -> str:
    """The same text for the request and the reminder: it names the deadline either way."""
    return translator(lang).gettext(
        strings.REVIEW_SMS_BOUNCED if mail.email_bounced else strings.REVIEW_SMS,
        deadline=_deadline(mail, lang),
        organisation=mail.organisation,
        link=link,
    )
