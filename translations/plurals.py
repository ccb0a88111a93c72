"""Plural rules for the catalogs, as gettext ``Plural-Forms`` headers that agree with CLDR.

Babel's gettext table (``babel.messages.plurals``, used by ``pybabel init``) is older than CLDR
and wrong for several of our languages: Northern Sami gets two forms instead of three (one, two,
other), Spanish and French two instead of three (CLDR's "many" for whole millions), Persian and
Turkish one instead of two, and Arabic 100-102 land in "many" and 111-199 in "other", the wrong
way round. ``babel.plural.to_gettext`` writes CLDR's exponent operand ``e`` into the C
expression, which gettext cannot evaluate. So the rules are written out here, and a unit test
checks each against the CLDR rule Babel ships (``Locale.plural_form``) for every count up to
2,000 and for the millions.

``ngettext`` is only ever called with a whole number, so a rule lists the CLDR categories that
whole numbers reach, in CLDR order (zero, one, two, few, many, other). Russian, Ukrainian,
Polish and Lithuanian have a fourth CLDR category used only for fractions; it is left out, as
every gettext toolchain does, so translators are not asked for a form no one would ever see.
"""

from __future__ import annotations

from dataclasses import dataclass

from translations.locales import BABEL_LANGUAGE


@dataclass(frozen=True, slots=True)
class PluralRule:
    """The CLDR categories a whole number can fall in, and the C expression that picks one."""

    categories: tuple[str, ...]
    expression: str

    @property
    def header(self) -> str:
        """The value of a catalog's ``Plural-Forms`` header."""
        return f"nplurals={len(self.categories)}; plural={self.expression};"


_ONE_OTHER = PluralRule(("one", "other"), "(n != 1)")
_ZERO_ONE_OTHER = PluralRule(("one", "other"), "(n > 1)")  # 0 and 1 are singular
_OTHER = PluralRule(("other",), "0")
_EAST_SLAVIC = PluralRule(
    ("one", "few", "many"),
    "(n % 10 == 1 && n % 100 != 11 ? 0"
    " : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : 2)",
)

PLURAL_RULES: dict[str, PluralRule] = {
    "ar": PluralRule(
        ("zero", "one", "two", "few", "many", "other"),
        "(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2"
        " : n % 100 >= 3 && n % 100 <= 10 ? 3 : n % 100 >= 11 ? 4 : 5)",
    ),
    "ckb": _ONE_OTHER,
    "en": _ONE_OTHER,
    "es": PluralRule(
        ("one", "many", "other"),
        # "many": whole millions, written "1 000 000 de organizaciones".
        "(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2)",
    ),
    "fa": _ZERO_ONE_OTHER,
    "fr": PluralRule(
        ("one", "many", "other"),
        "(n == 0 || n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2)",
    ),
    "ku": _ONE_OTHER,
    "lt": PluralRule(
        ("one", "few", "other"),
        "(n % 10 == 1 && (n % 100 < 11 || n % 100 > 19) ? 0"
        " : n % 10 >= 2 && (n % 100 < 11 || n % 100 > 19) ? 1 : 2)",
    ),
    "nb": _ONE_OTHER,
    "nn": _ONE_OTHER,
    "pa": _ZERO_ONE_OTHER,
    "pl": PluralRule(
        ("one", "few", "many"),
        "(n == 1 ? 0 : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : 2)",
    ),
    "ps": _ONE_OTHER,
    "ro": PluralRule(
        ("one", "few", "other"),
        "(n == 1 ? 0 : n == 0 || (n % 100 >= 1 && n % 100 <= 19) ? 1 : 2)",
    ),
    "ru": _EAST_SLAVIC,
    "se": PluralRule(("one", "two", "other"), "(n == 1 ? 0 : n == 2 ? 1 : 2)"),
    "so": _ONE_OTHER,
    "th": _OTHER,
    "ti": _ZERO_ONE_OTHER,
    # Tagalog follows Filipino (Babel's ``fil``): singular unless the last digit is 4, 6 or 9.
    "tl": PluralRule(("one", "other"), "(n % 10 == 4 || n % 10 == 6 || n % 10 == 9)"),
    "tr": _ONE_OTHER,
    "uk": _EAST_SLAVIC,
    "ur": _ONE_OTHER,
    "vi": _OTHER,
}


def plural_rule(tag: str) -> PluralRule:
    """The plural rule for a canonical tag or catalog folder name (``fa-AF``, ``fa_AF``, ``fil``).

    Raises ``KeyError`` for a language without a written-out rule: add one before its catalog.
    """
    language = tag.replace("_", "-").split("-")[0].lower()
    aliases = {babel: ours for ours, babel in BABEL_LANGUAGE.items()}
    try:
        return PLURAL_RULES[aliases.get(language, language)]
    except KeyError:
        raise KeyError(f"no plural rule for '{language}'; add it to PLURAL_RULES") from None
