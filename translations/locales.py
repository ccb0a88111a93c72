"""Language tags: parsing BCP 47 tags into forms Babel knows, and their canonical spelling.

A leaf: imports nothing from ``dispatch`` or ``workers``.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

# Tags people write that Babel spells differently, or that mean a variety we name otherwise.
ALIASES = {
    "no": "nb",
    "nob": "nb",
    "nno": "nn",
    "prs": "fa-AF",  # Dari
    "fa-af": "fa-AF",
    "sme": "se",  # Northern Sami
    "kmr": "ku",  # Kurmanji
    "tl": "fil",  # Babel files Tagalog under Filipino; we keep the tag people use
}

# Tags kept as written even though Babel stores the data under another code.
_KEEP_AS_WRITTEN = {"tl"}


class UnknownLanguageError(ValueError):
    """The tag is not a BCP 47 language Babel has data for."""


def canonical_tag(tag: str) -> str:
    """Return the canonical BCP 47 spelling of ``tag`` (``NB`` → ``nb``, ``fa_af`` → ``fa-AF``).

    Raises ``UnknownLanguageError`` for a tag Babel does not know.
    """
    cleaned = tag.strip().replace("_", "-")
    if not cleaned:
        raise UnknownLanguageError("the language is empty")
    lowered = cleaned.lower()
    if lowered in _KEEP_AS_WRITTEN:
        babel_tag = ALIASES[lowered]
        _parse(babel_tag, original=tag)
        return lowered
    aliased = ALIASES.get(lowered, cleaned)
    locale = _parse(aliased, original=tag)
    parts = [locale.language]
    if locale.script:
        parts.append(locale.script)
    if locale.territory:
        parts.append(locale.territory)
    return "-".join(parts)


def babel_locale(tag: str) -> Locale:
    """The Babel locale for a canonical tag (``tl`` maps to Babel's ``fil``)."""
    lowered = tag.lower()
    return _parse(ALIASES[lowered] if lowered in _KEEP_AS_WRITTEN else tag, original=tag)


def _parse(tag: str, original: str) -> Locale:
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError) as exc:
        raise UnknownLanguageError(f"'{original}' is not a language tag we know") from exc
