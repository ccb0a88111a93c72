"""Unit tests for which language a reader gets: the fallback chain and the choice from it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from translations.locales import canonical_tag, choose_language, fallback_chain

LANGUAGES = [
    "nb", "nn", "en", "se", "pl", "lt", "so", "ar", "ti", "uk", "ur", "fa", "fa-AF", "ps",
    "tr", "ru", "ckb", "ku", "ro", "es", "fr", "th", "vi", "tl", "pa", "en-GB", "nb-NO", "prs",
]  # fmt: skip


@pytest.mark.parametrize(
    ("tag", "chain"),
    [
        ("fa-AF", ["fa-AF", "fa", "en", "nb"]),
        ("prs", ["fa-AF", "fa", "en", "nb"]),
        ("nn", ["nn", "nb", "en"]),
        ("nn-NO", ["nn-NO", "nn", "nb", "en"]),
        ("se", ["se", "nb", "en"]),
        ("sme", ["se", "nb", "en"]),
        ("en-GB", ["en-GB", "en", "nb"]),
        ("en", ["en", "nb"]),
        ("nb", ["nb", "en"]),
        ("no", ["nb", "en"]),
        ("ar", ["ar", "en", "nb"]),
        ("sr-Latn", ["sr-Latn", "sr", "en", "nb"]),
        ("tl", ["tl", "en", "nb"]),
    ],
)
def test_fallback_chain(tag: str, chain: list[str]) -> None:
    assert fallback_chain(tag) == chain


@hsettings(database=None)
@given(tag=st.sampled_from(LANGUAGES))
def test_every_chain_starts_with_the_tag_ends_in_english_and_bokmal_and_repeats_nothing(
    tag: str,
) -> None:
    chain = fallback_chain(tag)
    assert chain[0] == canonical_tag(tag)
    assert len(chain) == len(set(chain))
    assert {"en", "nb"} <= set(chain)
    assert all(canonical_tag(entry) == entry for entry in chain)


@pytest.mark.parametrize(
    ("preferred", "available", "expected"),
    [
        ("ar", {"ar", "en", "nb"}, ("ar", False)),
        ("fa-AF", {"fa-AF", "fa", "en"}, ("fa-AF", False)),
        ("fa-AF", {"fa", "en", "nb"}, ("fa", True)),
        ("prs", {"fa_AF", "nb"}, ("fa_AF", False)),
        ("NB", {"nb", "en"}, ("nb", False)),
        ("nb-NO", {"nb", "en"}, ("nb", True)),
        ("nn", {"nb", "en"}, ("nb", True)),
        ("se", {"en", "nb"}, ("nb", True)),
        ("so", {"en", "nb"}, ("en", True)),
        ("so", {"nb"}, ("nb", True)),
        ("so", {"pl", "ar"}, ("ar", True)),
        ("xx-unknown", {"nb", "en"}, ("en", True)),
        ("xx-unknown", {"pl"}, ("pl", True)),
    ],
)
def test_choose_language(preferred: str, available: set[str], expected: tuple[str, bool]) -> None:
    assert choose_language(preferred, available) == expected


def test_choose_language_needs_something_to_choose_from() -> None:
    with pytest.raises(ValueError, match="no language is available"):
        choose_language("nb", [])


@hsettings(database=None)
@given(
    preferred=st.sampled_from(LANGUAGES),
    available=st.sets(st.sampled_from(LANGUAGES), min_size=1),
)
def test_choose_language_returns_an_available_tag_and_flags_anything_else(
    preferred: str, available: set[str]
) -> None:
    chosen, is_fallback = choose_language(preferred, available)
    assert chosen in available
    assert is_fallback == (canonical_tag(chosen) != canonical_tag(preferred))
