"""Unit tests for language tags: canonical spelling and the Babel locale behind a tag."""

from __future__ import annotations

import pytest
from babel import Locale
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from translations.locales import UnknownLanguageError, babel_locale, canonical_tag

TAGS = [
    "nb",
    "nn",
    "en",
    "ar",
    "pl",
    "so",
    "ti",
    "uk",
    "fa-AF",
    "ur",
    "se",
    "lt",
    "ps",
    "tr",
    "ru",
    "ckb",
    "ku",
    "ro",
    "es",
    "fr",
    "th",
    "vi",
    "tl",
    "pa",
    "prs",
    "no",
    "en-GB",
    "sr-Latn",
    "NO",
    "fa_af",
    "kmr",
    "TL",
    "sme",
    " nb ",
]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("NO", "nb"),
        ("no", "nb"),
        ("nob", "nb"),
        ("nno", "nn"),
        ("NB", "nb"),
        (" nb ", "nb"),
        ("prs", "fa-AF"),
        ("PRS", "fa-AF"),
        ("fa_af", "fa-AF"),
        ("Fa-Af", "fa-AF"),
        ("kmr", "ku"),
        ("sme", "se"),
        ("tl", "tl"),
        ("TL", "tl"),
        ("en_gb", "en-GB"),
        ("nb_no", "nb-NO"),
        ("SR_LATN", "sr-Latn"),
        ("ckb", "ckb"),
        ("ar", "ar"),
    ],
)
def test_canonical_tag_spelling(tag: str, expected: str) -> None:
    assert canonical_tag(tag) == expected


@pytest.mark.parametrize("tag", ["xx", "klingon", "en-XX", "123"])
def test_canonical_tag_rejects_unknown_language(tag: str) -> None:
    with pytest.raises(UnknownLanguageError) as info:
        canonical_tag(tag)
    assert str(info.value) == f"'{tag}' is not a language tag we know"


@pytest.mark.parametrize("tag", ["", "   ", "\t"])
def test_canonical_tag_rejects_empty(tag: str) -> None:
    with pytest.raises(UnknownLanguageError, match=r"^the language is empty$"):
        canonical_tag(tag)


def test_unknown_language_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"not a language tag we know"):
        canonical_tag("xx")


@hsettings(database=None)
@given(tag=st.sampled_from(TAGS))
def test_canonical_tag_is_idempotent(tag: str) -> None:
    once = canonical_tag(tag)
    assert canonical_tag(once) == once


def test_babel_locale_maps_tagalog_to_filipino() -> None:
    locale = babel_locale("tl")
    assert isinstance(locale, Locale)
    assert locale.language == "fil"


@pytest.mark.parametrize(
    ("tag", "language", "territory", "script"),
    [
        ("nb", "nb", None, None),
        ("fa-AF", "fa", "AF", None),
        ("en-GB", "en", "GB", None),
        ("sr-Latn", "sr", None, "Latn"),
    ],
)
def test_babel_locale_for_canonical_tags(
    tag: str, language: str, territory: str | None, script: str | None
) -> None:
    locale = babel_locale(tag)
    assert (locale.language, locale.territory, locale.script) == (language, territory, script)


def test_babel_locale_rejects_unknown_tag() -> None:
    with pytest.raises(UnknownLanguageError, match=r"^'xx' is not a language tag we know$"):
        babel_locale("xx")


@pytest.mark.parametrize("tag", TAGS)
def test_every_canonical_tag_has_a_babel_locale(tag: str) -> None:
    assert isinstance(babel_locale(canonical_tag(tag)), Locale)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("no-NO", "nb-NO"), ("prs-AF", "fa-AF"), ("tl-PH", "tl-PH"), ("sme-NO", "se-NO")],
)
def test_aliases_apply_to_the_language_subtag_of_a_longer_tag(raw: str, expected: str) -> None:
    assert canonical_tag(raw) == expected


@pytest.mark.parametrize("raw", ["en-ZZ", "nb-Xxxx"])
def test_unknown_region_or_script_is_rejected_not_replaced(raw: str) -> None:
    with pytest.raises(UnknownLanguageError, match="we do not know"):
        canonical_tag(raw)
