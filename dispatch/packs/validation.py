"""Checks on a pack and its languages: every problem found at once, each a sentence."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from dispatch.packs.schemas import Link
from translations.locales import UnknownLanguageError, canonical_tag
from translations.strings.marking import N_
from translations.text import Text, reason_of

LIMITS = {"title": 200, "short": 1000, "body": 20000}
MAX_LINKS = 20
MAX_URL = 2000
MAX_LABEL = 200
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,78}[a-z0-9])$")
# Letters NFKD does not take apart.
_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "đ": "d", "ł": "l"})


def slugify(text: str) -> str:
    """A lowercase ASCII slug: ``Vaksine mot mpox – råd`` → ``vaksine-mot-mpox-rad``."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLITERATE))
    ascii_text = folded.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60].strip("-")
    return slug if len(slug) >= 3 else f"pakke-{slug}".strip("-")


def check_slug(errors: list[str], slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        errors.append(
            Text(
                N_(
                    "slug '%(slug)s' must be 3 to 80 characters of a-z, 0-9 and hyphens, "
                    "starting and ending with a letter or digit"
                ),
                field="slug",
                slug=slug,
            )
        )
    return slug


def check_language(errors: list[str], raw: str) -> str:
    try:
        return canonical_tag(raw)
    except UnknownLanguageError as exc:
        errors.append(Text(N_("language %(problem)s"), field="content", problem=reason_of(exc)))
        return raw


def check_content(
    errors: list[str], lang: str, *, title: str, short: str, body: str, links: list[Link]
) -> dict[str, Any]:
    """One language's text, trimmed; the shape ``PackContent.approved`` keeps."""
    fields = {"title": title.strip(), "short": short.strip(), "body": body.strip()}
    at = f"content.{lang}"
    if not fields["title"]:
        errors.append(
            Text(N_("%(language)s: the title is empty"), field=f"{at}.title", language=lang)
        )
    if not (fields["short"] or fields["body"]):
        errors.append(
            Text(
                N_("%(language)s: give a short text, a long text, or both"),
                field=f"{at}.short",
                language=lang,
            )
        )
    for key, limit in LIMITS.items():
        if len(fields[key]) > limit:
            errors.append(
                Text(
                    # TRANSLATORS: %(key)s is the field's name in the API: title, short or body.
                    N_("%(language)s: %(key)s is longer than %(limit)d characters"),
                    field=f"{at}.{key}",
                    language=lang,
                    key=key,
                    limit=limit,
                )
            )
    if len(links) > MAX_LINKS:
        errors.append(
            Text(
                N_("%(language)s: at most %(most)d links, not %(count)d"),
                field=f"{at}.links",
                language=lang,
                most=MAX_LINKS,
                count=len(links),
            )
        )
    checked_links = []
    for number, link in enumerate(links[:MAX_LINKS], start=1):
        url, label = link.url.strip(), link.label.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL:
            errors.append(
                Text(
                    N_(
                        "%(language)s: link %(number)d must be a web address starting with https://"
                    ),
                    field=f"{at}.links",
                    language=lang,
                    number=number,
                )
            )
        if len(label) > MAX_LABEL:
            errors.append(
                Text(
                    N_("%(language)s: the label of link %(number)d is longer than %(limit)d"),
                    field=f"{at}.links",
                    language=lang,
                    number=number,
                    limit=MAX_LABEL,
                )
            )
        checked_links.append({"url": url, "label": label})
    return {**fields, "links": checked_links}
