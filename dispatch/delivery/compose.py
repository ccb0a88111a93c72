"""What every sender's messages share: the rendered subject, text and HTML, and the footer that
says why the member gets the message and where to ask for changes to the list."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from channels.base import ChannelKind, OutgoingMessage
from dispatch.delivery.sources import Job
from translations import strings
from translations.catalog import translator
from translations.locales import text_direction


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message's text for one channel and language."""

    subject: str
    text: str
    html: str
    direction: str


def changes_url(base_url: str, lang: str) -> str:
    """The public page where a member asks for someone to be added or removed."""
    return f"{base_url}/changes?lang={lang}"


def footer_text(lang: str, *, organisation: str, network: str, base_url: str) -> str:
    """Why the member gets this, and where to ask for changes to the list."""
    t = translator(lang)
    why = t.gettext(strings.WHY_YOU_RECEIVE_THIS, organisation=organisation, network=network)
    if not base_url:
        return why
    return why + "\n" + t.gettext(strings.CHANGES_FOOTER, link=changes_url(base_url, lang))


def footer_html(lang: str, *, organisation: str, network: str, base_url: str) -> Markup:
    """The footer as HTML, the changes link a real link."""
    t = translator(lang)
    why = t.gettext(strings.WHY_YOU_RECEIVE_THIS, organisation=organisation, network=network)
    parts = [escape(why)]
    if base_url:
        url = changes_url(base_url, lang)
        # Split around the placeholder, so the translated words are escaped and the link is one.
        before, _, after = t.gettext(strings.CHANGES_FOOTER, link="\x00").partition("\x00")
        parts.append(Markup('{}<a href="{}">{}</a>{}').format(before, url, url, after))
    return Markup('<p style="color:#555;font-size:90%">{}</p>').format(Markup("<br>").join(parts))


def outgoing(
    job: Job,
    rendered: Rendered,
    *,
    link: str = "",
    link_label: str = "",
) -> OutgoingMessage:
    """An e-mail or Teams message for ``job`` from its rendered subject, text and HTML."""
    return OutgoingMessage(
        channel=ChannelKind(job.channel),
        to=job.address,
        text=rendered.text,
        html=rendered.html,
        subject=rendered.subject,
        language=job.language,
        direction=rendered.direction,
        reference=str(job.id),
        link=link,
        link_label=link_label,
    )


def sms(job: Job, text: str, *, link: str = "") -> OutgoingMessage:
    """An SMS for ``job``."""
    return OutgoingMessage(
        channel=ChannelKind.SMS,
        to=job.address,
        text=text,
        language=job.language,
        direction=text_direction(job.language),
        reference=str(job.id),
        link=link,
    )
