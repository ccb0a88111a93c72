"""What the outside review of the catalogs found (issue 24), kept from coming back.

Each test reads the committed catalog; a finding reintroduced by a later edit fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from channels.sms_encoding import analyse
from translations import strings
from translations.catalog import LOCALE_DIR
from translations.locales import language_name


def read(folder: str) -> Catalog:
    with (Path(LOCALE_DIR) / folder / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file)


def member_texts(folder: str) -> list[str]:
    """Every form of every member-facing translation in the catalog."""
    catalog = read(folder)
    texts = []
    for msgid in strings.MEMBER_FACING:
        message = catalog.get(msgid if isinstance(msgid, str) else msgid.singular)
        assert message is not None
        forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        texts += [str(form) for form in forms]
    return texts


# The familiar singular "you", which addressed every member as a close friend (and in Tigrinya
# every woman as a man). Word-final Tigrinya -ካ/-ኻ is the masculine singular ending.
INFORMAL = {
    "ti": re.compile(r"[ካኻ](?=[\s።፡፦፣?!]|$)"),
    "tl": re.compile(r"\b(?:mo|ka|kang|iyo|iyong|ikaw)\b"),
    "ku": re.compile(r"\b[Tt]e\b|\bTu\b|\btu (?:dê|ê|hîn|li ser|vê|werdigirî|wernagirî)\b"),
    "ckb": re.compile(r"(?<!\S)تۆ(?!\S)|بکەرەوە|بنێرە(?!\S)|(?<!\S)بڵێ(?![ن\w])"),
}


@pytest.mark.parametrize("folder", sorted(INFORMAL))
def test_members_are_addressed_respectfully(folder: str) -> None:
    informal = [text for text in member_texts(folder) if INFORMAL[folder].search(text)]
    assert informal == []


def test_northern_sami_writes_the_question_clitic_together() -> None:
    texts = member_texts("se")
    assert not [t for t in texts if re.search(r"\b\w+ go\?|\bLeat go\b", t)]
    assert any(t.startswith("Leatgo ") for t in texts)


def test_dari_says_bali_not_the_iranian_bale() -> None:
    texts = member_texts("fa_AF")
    assert not [t for t in texts if "بله" in t]
    assert any("بلی %(code)s" in t for t in texts)


def test_tigrinya_says_no_with_a_word() -> None:
    catalog = read("ti")
    invite = catalog.get(strings.MEETING_SMS_INVITE)
    assert invite is not None
    assert "ኣይፋልን %(code)s" in str(invite.string)


def test_the_arabic_dual_does_not_count_twice() -> None:
    catalog = read("ar")
    for msgid in (strings.PACK_PASSED_ON_THANKS, strings.ORGANISATIONS_NOT_CONFIRMED):
        message = catalog.get(msgid.singular)
        assert message is not None
        dual = message.string[2]  # CLDR "two": exactly 2
        assert "%(num)d" not in dual, dual
        assert re.search(r"(ين|ان)\b", dual), dual


@pytest.mark.parametrize("tag", ["fa", "fa-AF"])
def test_an_exercise_in_persian_and_dari_is_a_tamrin_not_a_manovr(tag: str) -> None:
    message = read(tag.replace("-", "_")).get(strings.EXERCISE)
    assert message is not None
    assert message.string == "تمرین"


@pytest.mark.parametrize("folder", ["so", "tl"])
def test_somali_and_tagalog_meeting_sms_stay_gsm7(folder: str) -> None:
    catalog = read(folder)
    for msgid in (
        strings.MEETING_SMS_INVITE,
        strings.MEETING_SMS_REMINDER,
        strings.MEETING_SMS_CANCEL,
        strings.MEETING_REPLY_ACCEPTED,
        strings.MEETING_REPLY_DECLINED,
        strings.MEETING_REPLY_UNCLEAR,
    ):
        message = catalog.get(msgid)
        assert message is not None
        text = str(message.string) % {
            "network": "NIK",
            "title": "Vaksinasjon",
            "time": "4. mars 10:00",
            "code": "4821",
            "link": "https://varsling.example/r/abc",
        }
        assert analyse(text).encoding == "GSM-7", (text, analyse(text).offenders)


def test_punjabi_is_named_with_its_script() -> None:
    assert language_name("pa", "en") == "Punjabi (Gurmukhi)"
    assert language_name("pa") == "ਪੰਜਾਬੀ (ਗੁਰਮੁਖੀ)"
