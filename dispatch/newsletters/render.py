"""A newsletter's e-mail (with List-Unsubscribe) and Teams post, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from dispatch.delivery.compose import Rendered
from translations import strings
from translations.catalog import translator
from translations.locales import text_direction


@dataclass(frozen=True, slots=True)
class NewsletterMail:
    subject: str
    body: str
    organisation: str


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url}/unsubscribe/{token}"


def contribute_url(base_url: str, lang: str) -> str:
    return f"{base_url}/newsletter/contribute?lang={lang}"


def email(mail: NewsletterMail, *, lang: str, base_url: str, token: str) -> Rendered:
    t = translator(lang)
    direction = text_direction(lang)
    unsubscribe = unsubscribe_url(base_url, token)
    contribute = contribute_url(base_url, lang)
    lines = [
        t.gettext(strings.NEWSLETTER_CONTRIBUTE_LINE, link=contribute),
        t.gettext(
            strings.NEWSLETTER_UNSUBSCRIBE_LINE, organisation=mail.organisation, link=unsubscribe
        ),
    ]
    text = "\n\n".join([mail.body, "-- \n" + "\n".join(lines)])
    paragraphs = Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(p).split("\n")))
        for p in mail.body.split("\n\n")
    )
    html = Markup(
        '<!DOCTYPE html><html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">'
        "<title>{subject}</title></head><body><h1>{subject}</h1>{paragraphs}"
        '<p style="color:#555;font-size:90%">{footer}</p></body></html>'
    ).format(
        lang=lang,
        dir=direction,
        subject=mail.subject,
        paragraphs=paragraphs,
        footer=Markup("<br>").join(lines),
    )
    return Rendered(subject=mail.subject, text=text, html=str(html), direction=direction)


def headers(base_url: str, token: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail programs show an unsubscribe button that works in one click."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(base_url, token)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def teams(mail: NewsletterMail, *, lang: str) -> Rendered:
    return Rendered(subject=mail.subject, text=mail.body, html="", direction=text_direction(lang))
