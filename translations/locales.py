"""Language tags: parsing BCP 47 tags into forms Babel knows, and their canonical spelling.

A leaf: imports nothing from ``dispatch`` or ``workers``.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

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


class UnknownLanguageError(ValueError):
    """The tag is not a BCP 47 language Babel has data for."""


@lru_cache(maxsize=512)
def canonical_tag(tag: str) -> str:
    """Return the canonical BCP 47 spelling of ``tag`` (``NB`` → ``nb``, ``fa_af`` → ``fa-AF``).

    Raises ``UnknownLanguageError`` for a language, script or region Babel does not know.
    """
    cleaned = tag.strip().replace("_", "-")
    if not cleaned:
        raise UnknownLanguageError("the language is empty")
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
            raise UnknownLanguageError(f"'{tag}' has a region we do not know")
        if len(subtag) == 4 and subtag.title() != locale.script:
            raise UnknownLanguageError(f"'{tag}' has a script we do not know")
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
        raise UnknownLanguageError(f"'{original}' is not a language tag we know") from exc
