"""Unit tests for the plural rules: each one agrees with the CLDR rule Babel ships."""

from __future__ import annotations

import gettext

import pytest
from babel.messages.plurals import get_plural

from translations.locales import babel_locale
from translations.plurals import PLURAL_RULES, plural_rule

CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
# Whole numbers that reach every branch of every CLDR rule (mod 10, mod 100, millions).
COUNTS = [*range(0, 2001), 10_001, 10_011, 10_021, 100_000, 1_000_000, 1_000_001, 2_000_000]


def cldr_categories(language: str) -> tuple[str, ...]:
    """The CLDR categories whole numbers reach, in CLDR order, straight from Babel's data."""
    rule = babel_locale(language).plural_form
    reached = {rule(n) for n in COUNTS}
    return tuple(category for category in CLDR_ORDER if category in reached)


@pytest.mark.parametrize("language", sorted(PLURAL_RULES))
def test_categories_are_those_whole_numbers_reach_in_cldr(language: str) -> None:
    assert PLURAL_RULES[language].categories == cldr_categories(language)


@pytest.mark.parametrize("language", sorted(PLURAL_RULES))
def test_the_gettext_expression_picks_the_cldr_category(language: str) -> None:
    rule = PLURAL_RULES[language]
    pick = gettext.c2py(rule.expression)
    cldr = babel_locale(language).plural_form
    wrong = [n for n in COUNTS if rule.categories[pick(n)] != cldr(n)]
    assert wrong == []


@pytest.mark.parametrize(
    ("language", "forms", "babel_table_says"),
    [
        ("se", 3, 2),  # one, two, other
        ("ar", 6, 6),
        ("es", 3, 2),  # "many": whole millions
        ("fr", 3, 2),
        ("fa", 2, 1),
        ("tr", 2, 1),
        ("ru", 3, 3),
        ("lt", 3, 3),
        ("th", 1, 1),
    ],
)
def test_where_babels_gettext_table_is_corrected(
    language: str, forms: int, babel_table_says: int
) -> None:
    assert len(PLURAL_RULES[language].categories) == forms
    assert get_plural(language).num_plurals == babel_table_says


def test_arabic_hundreds_are_other_and_hundred_and_elevens_are_many() -> None:
    pick = gettext.c2py(PLURAL_RULES["ar"].expression)
    assert [pick(n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 101, 102, 103, 111)] == [
        0, 1, 2, 3, 3, 4, 4, 5, 5, 5, 3, 4,
    ]  # fmt: skip


def test_header() -> None:
    assert PLURAL_RULES["se"].header == "nplurals=3; plural=(n == 1 ? 0 : n == 2 ? 1 : 2);"
    assert PLURAL_RULES["th"].header == "nplurals=1; plural=0;"


@pytest.mark.parametrize(
    ("name", "same_as"), [("fa_AF", "fa"), ("fa-AF", "fa"), ("fil", "tl"), ("nb_NO", "nb")]
)
def test_plural_rule_takes_tags_and_folder_names(name: str, same_as: str) -> None:
    assert plural_rule(name) == PLURAL_RULES[same_as]


def test_a_language_without_a_rule_is_refused() -> None:
    with pytest.raises(KeyError):
        plural_rule("de")
