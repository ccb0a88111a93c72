"""Unit tests for the GSM 03.38 calculator: encoding, length, exact segments, offenders."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from channels.sms_encoding import (
    GSM_BASIC,
    GSM_EXTENSION,
    GSM_LOOKALIKES,
    SEGMENT_GSM7_SEPTETS,
    SEGMENT_UCS2_UNITS,
    SINGLE_GSM7_SEPTETS,
    SINGLE_UCS2_UNITS,
    Offender,
    analyse,
    is_gsm7_char,
    split_segments,
    suggest_gsm,
)

BASIC = sorted(GSM_BASIC)
EXTENSION = sorted(GSM_EXTENSION)
# Characters of every kind: GSM basic, GSM extension, UCS-2 in the BMP, and astral (surrogate
# pairs in UTF-16), including the look-alikes coordinators paste from word processors.
MIXED = [*"aZ0 .\n@£ÆØÅæøå", *"€{}[]^~|\\", *"ąčçéá’«»–…", "\u00a0", *"ابپ", *"жЖ", *"😀🚑𝐀"]

gsm_basic_text = st.text(alphabet=st.sampled_from(BASIC), max_size=600)
gsm_text = st.text(alphabet=st.sampled_from(BASIC + EXTENSION), max_size=600)
mixed_text = st.text(alphabet=st.sampled_from(MIXED), max_size=400)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def cost(text: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return len(text) + sum(char in GSM_EXTENSION for char in text)
    return utf16_units(text)


# --- the alphabet ------------------------------------------------------------------------------


def test_basic_set_has_the_127_printable_characters_of_gsm_03_38() -> None:
    assert len(GSM_BASIC) == 127  # 128 codes less the escape
    assert set("æøåÆØÅ@£$¥èéùìòÇ\nØø\rΔ_ΦΓΛΩΠΨΣΘΞßÉ¤¡ÄÖÑÜ§¿äöñüà") <= GSM_BASIC
    assert set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") <= GSM_BASIC


def test_extension_table_and_basic_set_do_not_overlap() -> None:
    assert set("^{}\\[~]|€\f") == GSM_EXTENSION
    assert not GSM_BASIC & GSM_EXTENSION


@pytest.mark.parametrize("char", ["ç", "á", "í", "ó", "ú", "ą", "`", "\t", "’", "«", "\u00a0"])
def test_characters_outside_the_alphabet(char: str) -> None:
    assert not is_gsm7_char(char)


# --- examples at the limits --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 159 + "€", "GSM-7", 161, 2),
        ("ā" * 70, "UCS-2", 70, 1),
        ("ā" * 71, "UCS-2", 71, 2),
        ("ā" * 134, "UCS-2", 134, 2),
        ("ā" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 36, "UCS-2", 72, 2),
        ("ØVELSE: Øvelse i Bærum. Svar OK 4821 for å bekrefte.", "GSM-7", 52, 1),
    ],
)
def test_examples(text: str, encoding: str, units: int, segments: int) -> None:
    analysis = analyse(text)
    assert (analysis.encoding, analysis.units, analysis.segments) == (encoding, units, segments)


def test_empty_text_is_one_segment_of_nothing() -> None:
    assert analyse("").segments == 1
    assert split_segments("") == [""]
    assert analyse("").fits_in_one


def test_an_escape_pair_never_straddles_two_segments() -> None:
    # 152 + € (2) would need 154 septets: the € moves whole to segment two, so a naive
    # ceil(306 / 153) = 2 undercounts.
    text = "a" * 152 + "€" + "a" * 152
    assert analyse(text).units == 306
    assert analyse(text).segments == 3
    first, second, third = split_segments(text)
    assert first == "a" * 152
    assert second == "€" + "a" * 151
    assert third == "a"


def test_a_surrogate_pair_never_straddles_two_segments() -> None:
    text = "ā" * 66 + "🚑" + "ā" * 66
    assert analyse(text).units == 134
    assert analyse(text).segments == 3  # ceil(134 / 67) would say 2
    assert split_segments(text)[:2] == ["ā" * 66, "🚑" + "ā" * 65]


def test_one_character_outside_gsm_makes_the_whole_text_ucs2() -> None:
    text = "Svar OK 4821 for å bekrefte at du har fått meldingen – takk"
    analysis = analyse(text)
    assert analysis.encoding == "UCS-2"
    assert analysis.units == len(text)
    assert analysis.offenders == [Offender("–", text.index("–"), "EN DASH", "-")]


def test_offenders_tell_where_and_what_to_replace_with() -> None:
    text = "Hei! Det er «viktig» og de’re"
    offenders = analyse(text).offenders
    assert [(o.char, o.position, o.replacement) for o in offenders] == [
        ("«", 12, '"'),
        ("»", 19, '"'),
        ("’", 26, "'"),
    ]
    assert offenders[2].name == "RIGHT SINGLE QUOTATION MARK"


def test_an_offender_without_a_look_alike_has_no_replacement() -> None:
    (offender,) = analyse("Zdarzenie ą").offenders
    assert offender == Offender("ą", 10, "LATIN SMALL LETTER A WITH OGONEK", None)


def test_an_offender_without_a_unicode_name_is_named_by_its_code_point() -> None:
    (offender,) = analyse("a\x07b").offenders
    assert offender.name == "U+0007"


def test_suggest_gsm_replaces_look_alikes() -> None:
    pasted = "«Øvelse» – les ‘dette’ … “nå”\u00a0takk\u200b"
    assert suggest_gsm(pasted) == '"Øvelse" - les \'dette\' ... "nå" takk'
    assert analyse(suggest_gsm(pasted)).encoding == "GSM-7"


def test_suggest_gsm_leaves_letters_alone() -> None:
    assert suggest_gsm("Zdarzenie zostało zamknięte.") == "Zdarzenie zostało zamknięte."
    assert suggest_gsm("لتأكيد الاستلام") == "لتأكيد الاستلام"


def test_every_look_alike_replacement_is_gsm7() -> None:
    assert all(is_gsm7_char(char) for text in GSM_LOOKALIKES.values() for char in text)


# --- properties ---------------------------------------------------------------------------------


@hsettings(database=None)
@given(text=gsm_basic_text)
def test_basic_gsm_text_is_one_segment_iff_at_most_160_characters(text: str) -> None:
    analysis = analyse(text)
    assert analysis.encoding == "GSM-7"
    assert analysis.units == len(text)
    assert (analysis.segments == 1) == (len(text) <= SINGLE_GSM7_SEPTETS)
    if len(text) > SINGLE_GSM7_SEPTETS:
        assert analysis.segments == math.ceil(len(text) / SEGMENT_GSM7_SEPTETS)


@hsettings(database=None)
@given(text=gsm_text)
def test_gsm_units_count_extension_characters_twice(text: str) -> None:
    analysis = analyse(text)
    assert analysis.encoding == "GSM-7"
    assert analysis.offenders == []
    assert analysis.units == len(text) + sum(char in GSM_EXTENSION for char in text)


@hsettings(database=None)
@given(text=mixed_text)
def test_ucs2_units_are_utf16_code_units(text: str) -> None:
    analysis = analyse(text)
    if analysis.encoding == "UCS-2":
        assert analysis.units == utf16_units(text)
        assert analysis.offenders
    else:
        assert analysis.offenders == []


@hsettings(database=None)
@given(prefix=mixed_text, suffix=mixed_text)
def test_segments_never_decrease_as_text_grows(prefix: str, suffix: str) -> None:
    assert analyse(prefix + suffix).segments >= analyse(prefix).segments


@hsettings(database=None)
@given(text=st.one_of(gsm_text, mixed_text))
def test_split_is_exact_and_greedy(text: str) -> None:
    analysis = analyse(text)
    parts = split_segments(text)
    assert "".join(parts) == text
    assert len(parts) == analysis.segments
    if len(parts) == 1:
        single = SINGLE_GSM7_SEPTETS if analysis.encoding == "GSM-7" else SINGLE_UCS2_UNITS
        assert cost(text, analysis.encoding) <= single
        return
    limit = SEGMENT_GSM7_SEPTETS if analysis.encoding == "GSM-7" else SEGMENT_UCS2_UNITS
    for part, following in itertools.pairwise(parts):
        assert cost(part, analysis.encoding) <= limit
        # Greedy: the next character did not fit, so no segment count could be lower.
        assert cost(part + following[0], analysis.encoding) > limit
    assert 0 < cost(parts[-1], analysis.encoding) <= limit


@hsettings(database=None)
@given(text=mixed_text)
def test_offenders_are_exactly_the_characters_outside_gsm(text: str) -> None:
    offenders = analyse(text).offenders
    assert [o.position for o in offenders] == [
        i for i, char in enumerate(text) if not is_gsm7_char(char)
    ]
    assert all(text[o.position] == o.char for o in offenders)


@hsettings(database=None)
@given(text=st.text(alphabet=st.sampled_from(BASIC + sorted(GSM_LOOKALIKES)), max_size=300))
def test_suggest_gsm_turns_look_alike_text_into_gsm7(text: str) -> None:
    suggested = suggest_gsm(text)
    assert analyse(suggested).encoding == "GSM-7"
    assert suggest_gsm(suggested) == suggested
