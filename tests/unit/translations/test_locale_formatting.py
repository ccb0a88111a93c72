"""Unit tests for what a reader sees of their language: direction, dates in Oslo time, names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from translations.locales import format_datetime_local, language_name, text_direction

WINTER_NOON_UTC = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SUMMER_NOON_UTC = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("tag", ["ar", "fa", "fa-AF", "prs", "ur", "ps", "ckb"])
def test_right_to_left_languages(tag: str) -> None:
    assert text_direction(tag) == "rtl"


@pytest.mark.parametrize("tag", ["ku", "nb", "nn", "en", "se", "ti", "pa", "tl", "uk", "th"])
def test_left_to_right_languages(tag: str) -> None:
    # Kurmanji (ku) is written in Latin script, unlike Sorani (ckb).
    assert text_direction(tag) == "ltr"


@pytest.mark.parametrize(
    ("moment", "oslo"),
    [(WINTER_NOON_UTC, "13:00"), (SUMMER_NOON_UTC, "14:00")],
)
@pytest.mark.parametrize("tag", ["nb", "nn", "en", "ar", "fa-AF", "tl", "th", "vi"])
def test_times_are_norwegian_time_in_every_language(moment: datetime, oslo: str, tag: str) -> None:
    assert format_datetime_local(moment, tag, format="HH:mm") == oslo


def test_medium_format_in_bokmal_and_english() -> None:
    assert format_datetime_local(WINTER_NOON_UTC, "nb") == "15. jan. 2026, 13:00:00"
    assert format_datetime_local(SUMMER_NOON_UTC, "en") == "Jul 15, 2026, 2:00:00\u202fPM"


def test_the_same_instant_in_another_zone_formats_the_same() -> None:
    new_york = WINTER_NOON_UTC.astimezone(timezone(timedelta(hours=-5)))
    assert format_datetime_local(new_york, "nb") == format_datetime_local(WINTER_NOON_UTC, "nb")


def test_tagalog_dates_use_filipino_month_names() -> None:
    assert format_datetime_local(WINTER_NOON_UTC, "tl", format="d MMMM y") == "15 Enero 2026"


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        format_datetime_local(datetime(2026, 1, 15, 12, 0), "nb")


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ("ar", "العربية"),
        ("fa-AF", "دری"),
        ("prs", "دری"),
        ("fa", "فارسی"),
        ("nb", "norsk bokmål"),
        ("nn", "norsk nynorsk"),
        ("se", "davvisámegiella"),
        ("uk", "українська"),
        ("ti", "ትግርኛ"),
        ("pa", "ਪੰਜਾਬੀ (ਗੁਰਮੁਖੀ)"),  # the catalog is Gurmukhi, not Shahmukhi
        ("ckb", "کوردیی ناوەندی"),
        ("ku", "kurdî (kurmancî)"),
        ("tl", "Tagalog"),
        ("en-GB", "British English"),
        ("nb-NO", "norsk bokmål"),
    ],
)
def test_language_name_is_in_its_own_language(tag: str, name: str) -> None:
    assert language_name(tag) == name


@pytest.mark.parametrize(
    ("tag", "display_in", "name"),
    [
        ("fa-AF", "en", "Dari"),
        ("se", "en", "Northern Sami"),
        ("ckb", "en", "Central Kurdish"),
        ("ar", "nb", "arabisk"),
        ("fa-AF", "nb", "dari"),
        ("nb", "nn", "norsk bokmål"),
        ("tl", "en", "Tagalog"),
        ("pa", "en", "Punjabi (Gurmukhi)"),
        ("pa", "nb", "panjabi (gurmukhi)"),
    ],
)
def test_language_name_in_another_language(tag: str, display_in: str, name: str) -> None:
    assert language_name(tag, display_in) == name
