"""Language tags: their canonical spelling, the Babel locale behind them, which language to fall
back to, which way the script runs, and dates in Norwegian time in the reader's language.

A leaf: imports nothing from ``dispatch`` or ``workers``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time, format_timedelta, get_timezone
from babel.lists import format_list

from translations.strings.marking import N_

# Language subtags people write that we spell otherwise.
LANGUAGE_ALIASES = {
    "no": "nb",  # Norwegian → Bokmål, the written standard of the messages
    "nob": "nb",
    "nno": "nn",
    "sme": "se",  # Northern Sami
    "kmr": "ku",  # Kurmanji
}
# Dari: ISO 639-3 ``prs``; in BCP 47 practice (and Babel) Persian as spoken in Afghanistan.
DARI = "prs"
# Babel files Tagalog's data under Filipino; we keep the tag people use.
BABEL_LANGUAGE = {"tl": "fil"}
# Languages written in more than one script whose catalog is in one of them: the name says
# which (Punjabi in Pakistan is written in Shahmukhi, which a Gurmukhi text does not serve).
CATALOG_SCRIPTS = {"pa": "Guru"}
# Northern Sami and Nynorsk readers read Bokmål more easily than English.
NORWEGIAN_FALLBACK = {"nn": "nb", "se": "nb"}
# Every chain ends here: English, then Bokmål, the language every message is written in first.
LAST_RESORT = ("en", "nb")
# Every time a member reads is Norwegian time, whatever their language.
OSLO = get_timezone("Europe/Oslo")

Direction = Literal["ltr", "rtl"]


class UnknownLanguageError(ValueError):
    """The tag is not a BCP 47 language Babel has data for. Reads as the English reason; its
    ``msgid`` and ``params`` let a reader have it in their language
    (``translations.text.reason_of``)."""

    def __init__(self, msgid: str, **params: str) -> None:
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params


@lru_cache(maxsize=512)
def canonical_tag(tag: str) -> str:
    """Return the canonical BCP 47 spelling of ``tag`` (``NB`` → ``nb``, ``fa_af`` → ``fa-AF``).

    Raises ``UnknownLanguageError`` for a language, script or region Babel does not know.
    """
    cleaned = tag.strip().replace("_", "-")
    if not cleaned:
        raise UnknownLanguageError(N_("the language is empty"))
    language, *rest = cleaned.split("-")
    language = language.lower()
    if language == DARI:
        language = "fa"
        if not rest:
            rest = ["AF"]
    language = LANGUAGE_ALIASES.get(language, language)
    locale = _parse("-".join([BABEL_LANGUAGE.get(language, language), *rest]), original=tag)
    for subtag in rest:
        if len(subtag) == 2 and subtag.upper() != locale.territory:
            raise UnknownLanguageError(N_("'%(tag)s' has a region we do not know"), tag=tag)
        if len(subtag) == 4 and subtag.title() != locale.script:
            raise UnknownLanguageError(N_("'%(tag)s' has a script we do not know"), tag=tag)
    parts = [language]
    if locale.script and any(len(s) == 4 for s in rest):
        parts.append(locale.script)
    if locale.territory and any(len(s) == 2 for s in rest):
        parts.append(locale.territory)
    return "-".join(parts)


def babel_locale(tag: str) -> Locale:
    """The Babel locale for a canonical tag (``tl`` maps to Babel's ``fil``)."""
    language, *rest = tag.split("-")
    return _parse("-".join([BABEL_LANGUAGE.get(language, language), *rest]), original=tag)


def _parse(tag: str, original: str) -> Locale:
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise UnknownLanguageError(
            N_("'%(tag)s' is not a language tag we know"), tag=original
        ) from exc


def fallback_chain(tag: str) -> list[str]:
    """The languages to try for ``tag``, best first: ``fa-AF`` → ``[fa-AF, fa, en, nb]``.

    The tag, then the tag without its region and script, then Bokmål for ``nn`` and ``se``,
    then English, then Bokmål; each once. Raises ``UnknownLanguageError`` for an unknown tag.
    """
    canonical = canonical_tag(tag)
    subtags = canonical.split("-")
    chain = ["-".join(subtags[:end]) for end in range(len(subtags), 0, -1)]
    if subtags[0] in NORWEGIAN_FALLBACK:
        chain.append(NORWEGIAN_FALLBACK[subtags[0]])
    chain.extend(LAST_RESORT)
    return list(dict.fromkeys(chain))


def choose_language(preferred: str, available: Collection[str]) -> tuple[str, bool]:
    """Pick from ``available`` the best language for ``preferred``; ``True`` marks a fallback.

    The tag is returned as ``available`` spells it (``fa_AF`` stays ``fa_AF``). Anything but the
    preferred tag itself is a fallback. An unknown ``preferred`` tag falls back to English, then
    Bokmål; if nothing in the chain is available, to the first available tag in sorted order.
    Raises ``ValueError`` when ``available`` is empty.
    """
    if not available:
        raise ValueError("no language is available")
    by_canonical: dict[str, str] = {}
    for tag in sorted(available):
        try:
            by_canonical.setdefault(canonical_tag(tag), tag)
        except UnknownLanguageError:
            by_canonical.setdefault(tag, tag)
    try:
        chain, known = fallback_chain(preferred), True
    except UnknownLanguageError:
        chain, known = list(LAST_RESORT), False
    for position, tag in enumerate(chain):
        if tag in by_canonical:
            return by_canonical[tag], position > 0 or not known
    return sorted(available)[0], True


def text_direction(tag: str) -> Direction:
    """``"rtl"`` for a language written right to left (Arabic, Persian, Urdu, …), else ``"ltr"``."""
    return "rtl" if babel_locale(canonical_tag(tag)).text_direction == "rtl" else "ltr"


def format_datetime_local(dt: datetime, tag: str, format: str = "medium") -> str:
    """Format an aware ``dt`` in Norwegian time (Europe/Oslo) the way ``tag``'s readers write it.

    ``format`` is ``short``, ``medium``, ``long``, ``full`` or a CLDR pattern. A naive ``dt``
    is refused: an alert must never guess which clock a time was read from.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("the datetime has no time zone")
    return format_datetime(dt, format=format, tzinfo=OSLO, locale=babel_locale(canonical_tag(tag)))


def format_span_local(start: datetime, end: datetime, tag: str) -> str:
    """A meeting's time in Norwegian time: ``torsdag 4. mars 2027 10:00–11:30`` in ``tag``'s
    words, with both dates when it ends on another day."""
    for moment in (start, end):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("the datetime has no time zone")
    locale = babel_locale(canonical_tag(tag))
    local_start, local_end = start.astimezone(OSLO), end.astimezone(OSLO)
    if local_start.date() != local_end.date():
        first = format_datetime(local_start, "full", tzinfo=OSLO, locale=locale)
        return f"{first} – {format_datetime(local_end, 'short', tzinfo=OSLO, locale=locale)}"
    day = format_date(local_start, "full", locale=locale)
    begins = format_time(local_start, "short", tzinfo=OSLO, locale=locale)
    ends = format_time(local_end, "short", tzinfo=OSLO, locale=locale)
    return f"{day} {begins}–{ends}"


def format_date_local(value: date | datetime, tag: str) -> str:
    """A date as ``tag``'s readers write it in full: ``7. desember 2026`` (nb), ``7 ديسمبر 2026``
    (ar). An aware datetime is read in Norwegian time (Europe/Oslo); naive is refused."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("the datetime has no time zone")
        value = value.astimezone(OSLO).date()
    return format_date(value, "long", locale=babel_locale(canonical_tag(tag)))


def format_time_local(value: time | datetime, tag: str) -> str:
    """A clock time in Norwegian time as ``tag``'s readers write it: ``14:30`` (nb),
    ``2:30 PM`` (en). A bare time is already Norwegian time; an aware datetime is converted."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("the datetime has no time zone")
        value = value.astimezone(OSLO).time()
    return format_time(value, "short", locale=babel_locale(canonical_tag(tag)))


def format_duration_local(seconds: int, tag: str) -> str:
    """A short span the way ``tag``'s readers write it: ``40 sek``, ``6 min``, ``2 t``; a span
    of a minute or more is rounded up to whole minutes, so "within about" never promises less."""
    if seconds >= 60:
        seconds = -(-seconds // 60) * 60
    return format_timedelta(
        timedelta(seconds=max(0, seconds)),
        threshold=1,
        format="short",
        locale=babel_locale(canonical_tag(tag)),
    )


# A list pattern that glues a word to an item ("{0} و{1}", "{0}ን {1}ን") suits the language's own
# words, not a Norwegian organisation's name; such lists are joined with the script's comma.
_GLUED = re.compile(r"[^\W\d_]\{\d\}|\{\d\}[^\W\d_]")
_COMMA = {"ti": "፣ ", **dict.fromkeys(("ar", "fa", "ps", "ur", "ckb"), "، ")}


def format_list_local(items: Sequence[str], tag: str) -> str:
    """Names joined the way ``tag``'s readers join them: ``Oslo kommune og Bergen kommune``,
    ``Oslo kommune ja Bergen kommune``; ``Oslo kommune، Bergen kommune`` where the language's
    own pattern would glue its "and" to a Latin name."""
    if not items:
        return ""
    locale = babel_locale(canonical_tag(tag))
    patterns = locale.list_patterns.get("standard", {})
    if any(_GLUED.search(pattern) for pattern in patterns.values()):
        return _COMMA.get(locale.language, ", ").join(items)
    return format_list(list(items), locale=locale)


def language_name(tag: str, display_in: str | None = None) -> str:
    """The language's name in its own language (``ar`` → ``العربية``, ``fa-AF`` → ``دری``).

    ``display_in`` names it in another language instead: ``language_name("fa-AF", "en")`` → Dari.
    """
    canonical = canonical_tag(tag)
    locale = babel_locale(canonical_tag(display_in) if display_in else canonical)
    script = CATALOG_SCRIPTS.get(canonical)
    if script:
        return str(Locale.parse(f"{canonical}_{script}").get_display_name(locale))
    # CLDR names some regional variants on their own (fa_AF is Dari, en_GB British English).
    for key in (canonical.replace("-", "_"), canonical.split("-")[0]):
        name = locale.languages.get(key)
        if isinstance(name, str) and name:
            return name
    return str(babel_locale(canonical).get_display_name(locale))
