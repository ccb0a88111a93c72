"""The e-mail and Teams post that bring a pack to organisations, and the pack's plain text.

The e-mail's frame is in the main contact's language; it lists every approved language by its
own name, each linking to its public page with a token that names the organisation, so the
one-click "passed on" report there counts for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from dispatch.delivery.compose import Rendered, footer_html, footer_text
from translations import strings
from translations.catalog import translator
from translations.locales import language_name, text_direction


@dataclass(frozen=True, slots=True)
class PackMail:
    """What a publication's delivery needs to render: the pack, its languages, who it is for."""

    slug: str
    titles: dict[str, str]
    """Approved title per language, in the order the e-mail lists them."""
    organisation: str = ""
    networks: str = ""


def page_url(base_url: str, slug: str, lang: str = "", token: str = "") -> str:
    """The public page of a pack (or of one language), with a reporter's token if given."""
    url = f"{base_url}/packs/{slug}" + (f"/{lang}" if lang else "")
    return f"{url}?from={token}" if token else url


def _title_for(mail: PackMail, lang: str) -> str:
    for tag in (lang, lang.split("-")[0], "nb", "en"):
        if tag in mail.titles:
            return mail.titles[tag]
    return next(iter(mail.titles.values()))


def email(mail: PackMail, *, lang: str, base_url: str, token: str) -> Rendered:
    """Subject, text and HTML of the e-mail to one organisation's main contact."""
    t = translator(lang)
    direction = text_direction(lang)
    subject = t.gettext(strings.PACK_EMAIL_SUBJECT, title=_title_for(mail, lang))
    intro = t.gettext(strings.PACK_EMAIL_INTRO)
    report = t.gettext(strings.PACK_EMAIL_REPORT_BACK)
    download = t.gettext(strings.PACK_DOWNLOAD_ALL)
    where = {"organisation": mail.organisation, "network": mail.networks, "base_url": base_url}
    footer = footer_text(lang, **where)
    items = [
        (tag, language_name(tag), title, page_url(base_url, mail.slug, tag, token))
        for tag, title in mail.titles.items()
    ]
    zip_url = f"{base_url}/packs/{mail.slug}.zip"
    text = "\n\n".join(
        [
            intro,
            "\n".join(f"- {name}: {title}\n  {url}" for _, name, title, url in items),
            report,
            f"{download}: {zip_url}",
            "-- \n" + footer,
        ]
    )
    rows = Markup("").join(
        Markup(
            '<li><a href="{}" hreflang="{}" lang="{}" dir="{}"><strong>{}</strong> – {}</a></li>'
        ).format(url, tag, tag, text_direction(tag), name, title)
        for tag, name, title, url in items
    )
    html = Markup(
        '<!DOCTYPE html><html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">'
        "<title>{subject}</title></head><body><p>{intro}</p><ul>{rows}</ul><p>{report}</p>"
        '<p><a href="{zip}">{download}</a></p>'
        "{footer}</body></html>"
    ).format(
        lang=lang,
        dir=direction,
        subject=subject,
        intro=intro,
        rows=rows,
        report=report,
        zip=zip_url,
        download=download,
        footer=footer_html(lang, **where),
    )
    return Rendered(subject=subject, text=text, html=str(html), direction=direction)


def teams(mail: PackMail, *, base_url: str, lang: str = "nb") -> Rendered:
    """The Teams post for a network's channel: the languages with their links, in Bokmål."""
    t = translator(lang)
    subject = t.gettext(strings.PACK_EMAIL_SUBJECT, title=_title_for(mail, lang))
    lines = [
        f"- {language_name(tag)}: [{title}]({page_url(base_url, mail.slug, tag)})"
        for tag, title in mail.titles.items()
    ]
    text = "\n\n".join([t.gettext(strings.PACK_EMAIL_INTRO), "\n".join(lines)])
    return Rendered(subject=subject, text=text, html="", direction=text_direction(lang))


def plain_text(
    *, title: str, body: str, short: str, links: Sequence[dict[str, str]], lang: str
) -> str:
    """One language as a .txt file: title, long text, links, then the short text for SMS."""
    t = translator(lang)
    parts = [f"{title}\n{'=' * min(len(title), 60)}"]
    if body:
        parts.append(body)
    if links:
        parts.append(
            t.gettext(strings.PACK_MORE_INFORMATION)
            + ":\n"
            + "\n".join(f"- {link['label'] or link['url']}: {link['url']}" for link in links)
        )
    if short:
        parts.append(f"{t.gettext(strings.PACK_SHORT_TEXT)}:\n{short}")
    return "\n\n".join(parts) + "\n"


def paragraphs(text: str) -> list[Markup]:
    """Blank-line-separated paragraphs, line breaks kept, everything escaped."""
    return [
        Markup("<br>").join(escape(line) for line in block.split("\n"))
        for block in (b.strip() for b in text.replace("\r\n", "\n").split("\n\n"))
        if block
    ]
