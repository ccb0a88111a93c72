"""Yes and no in the members' languages: every catalog's own words, and real replies.

The catalogs tell members what to type ("Reply YES 4821 or NO 4821" in their language) and
label the buttons of the pages; a member who does exactly that must be understood. The table
of real phrases holds the misreadings an outside review found (issue 24) and their neighbours.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from dispatch.inbound.replies import ReplyKind, parse_reply, yes_or_no
from dispatch.inbound.words import WORDS
from translations import strings
from translations.catalog import LOCALE_DIR, available_languages
from translations.locales import canonical_tag

LANGUAGES = sorted(available_languages())
_BEFORE_CODE = re.compile(r"(\S+) %\(code\)s")


@cache
def catalog(tag: str) -> Catalog:
    path = Path(LOCALE_DIR) / tag.replace("-", "_") / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po_file:
        return read_po(po_file)


def text(tag: str, msgid: str) -> str:
    message = catalog(tag).get(msgid)
    assert message is not None, f"{tag} has no {msgid!r}"
    assert message.string, f"{tag} has no {msgid!r}"
    return str(message.string)


def test_every_catalog_language_has_its_own_word_lists() -> None:
    assert sorted(WORDS) == LANGUAGES


@pytest.mark.parametrize("tag", LANGUAGES)
def test_the_words_a_catalog_tells_members_to_type_are_understood(tag: str) -> None:
    # The meeting SMS: "… reply YES 4821 or NO 4821", and the answer to an unclear reply.
    for msgid in (strings.MEETING_SMS_INVITE, strings.MEETING_REPLY_UNCLEAR):
        yes, no = _BEFORE_CODE.findall(text(tag, msgid))[:2]
        assert yes_or_no(f"{yes} 4821", tag) == (True, "4821"), (tag, yes)
        assert yes_or_no(f"{no} 4821", tag) == (False, "4821"), (tag, no)
        assert yes_or_no(f"{yes.lower()}, 4821", tag) == (True, "4821"), (tag, yes)
    (reminder_no,) = _BEFORE_CODE.findall(text(tag, strings.MEETING_SMS_REMINDER))[-1:]
    assert yes_or_no(f"{reminder_no} 4821", tag) == (False, "4821"), (tag, reminder_no)


@pytest.mark.parametrize("tag", LANGUAGES)
def test_the_page_buttons_read_as_what_they_say(tag: str) -> None:
    assert yes_or_no(text(tag, strings.MEETING_PAGE_YES), tag) == (True, None)
    assert yes_or_no(text(tag, strings.MEETING_PAGE_NO), tag) == (False, None)
    # "Yes, I received it", typed back as an SMS, confirms.
    received = parse_reply(text(tag, strings.ACK_PAGE_BUTTON) + " 4821", tag)
    assert (received.kind, received.code, received.answer) == (ReplyKind.ACK, "4821", True)


@pytest.mark.parametrize(
    ("language", "body", "answer"),
    [
        # What the review found read wrongly (issue 24).
        ("pl", "Ja nie mogę przyjść", False),
        ("ur", "جی نہیں", False),
        ("pl", "Na pewno będę", True),
        ("tl", "Na-receive ko po", True),
        ("fa-AF", "بلی", True),
        ("fa-AF", "نی", False),
        ("ti", "ኣይፋልን", False),
        ("vi", "Được", True),
        ("fr", "d'accord", True),
        # Their neighbours: keyboards, apostrophes, politeness, scripts without spaces.
        ("pl", "Tak, będę", True),
        ("pl", "Nie, niestety", False),
        ("ur", "جی ہاں", True),
        ("ur", "جی", True),
        ("fa-AF", "بلي", True),  # typed with an Arabic keyboard's yeh
        ("fa-AF", "بله", True),
        ("fa", "بله، می‌آیم", True),
        ("fa", "نه", False),
        ("ti", "እወ", True),
        ("ti", "ሕራይ", True),
        ("ti", "ኣይፋል", False),
        ("vi", "ĐƯỢC", True),
        ("vi", "duoc", True),
        ("vi", "Dạ không", False),
        ("vi", "Có", True),
        ("vi", "Không được", False),
        ("fr", "D’ACCORD", True),
        ("fr", "Oui bien reçu", True),
        ("fr", "Non merci", False),
        ("tl", "Opo", True),
        ("tl", "Oo, natanggap ko po", True),
        ("tl", "Hindi po", False),
        ("th", "ใช่ค่ะ", True),
        ("th", "ได้รับแล้วครับ", True),
        ("th", "ไม่ใช่ค่ะ", False),
        ("th", "ไม่ได้ครับ", False),
        ("ar", "نعم", True),
        ("ar", "لا", False),
        ("ar", "أيوه", True),
        ("so", "Haa", True),
        ("so", "Maya", False),
        ("se", "Juo", True),
        ("se", "In sáhte boahtit", False),
        ("ku", "Erê", True),
        ("ku", "Na", False),
        ("ckb", "بەڵێ", True),
        ("ckb", "نەخێر", False),
        ("ps", "هو", True),
        ("tr", "Evet", True),
        ("tr", "HAYIR", False),
        ("uk", "Так", True),
        ("uk", "Ні", False),
        ("ru", "Да", True),
        ("ru", "Нет, не смогу", False),
        ("lt", "Taip", True),
        ("ro", "Da", True),
        ("ro", "Nu", False),
        ("es", "Sí", True),
        ("es", "No puedo", False),
        ("pa", "ਹਾਂ ਜੀ", True),
        ("pa", "ਜੀ ਨਹੀਂ", False),
        ("nb", "Ja", True),
        ("nb", "Nei", False),
        ("nb", "Ja, jeg kommer ikke", False),
        ("nb", "Kanskje", None),
        ("nn", "Ja, eg kjem", True),
        ("nn", "Nei, eg kan ikkje", False),
        ("en", "Yes not", False),
        ("en", "Yes", True),
        # A language we have no list for, and a reply in another language than the member's.
        ("de", "Ja", True),
        ("nb", "Ja nie mogę przyjść", False),
        ("nb", "Na pewno będę", True),
        ("nb", "Nå kommer jeg", None),  # Kurmanji "na" counts only for Kurmanji readers
    ],
)
def test_real_replies_read_as_the_member_meant(
    language: str, body: str, answer: bool | None
) -> None:
    assert yes_or_no(body, language) == (answer, None)
    assert yes_or_no(f"{body} 4821", language) == (answer, "4821")
    reply = parse_reply(body, language)
    assert reply.answer is answer
    # A yes confirms with nothing left for the inbox; a no or anything else is kept whole.
    if answer:
        assert (reply.kind, reply.rest) == (ReplyKind.ACK, "")
    else:
        assert (reply.kind, reply.rest) == (ReplyKind.TEXT, body)


@pytest.mark.parametrize(
    ("language", "body", "rest"),
    [
        ("nb", "Ja, ikke noe nytt her", "ikke noe nytt her"),  # a comma: two thoughts
        ("nb", "JA 4821 Vi mangler tolk", "Vi mangler tolk"),
        ("pl", "Tak. Brakuje tłumacza", "Brakuje tłumacza"),
        ("tl", "Opo 4821. Walang tubig dito", "Walang tubig dito"),
        ("th", "ใช่ค่ะ น้ำไม่พอ", "น้ำไม่พอ"),
    ],
)
def test_what_follows_a_yes_is_kept_as_written(language: str, body: str, rest: str) -> None:
    reply = parse_reply(body, language)
    assert (reply.kind, reply.answer, reply.rest) == (ReplyKind.ACK, True, rest)


@pytest.mark.parametrize("body", ["STOP 4821", "stop 4821", "Stopp, 4821", "STOP"])
def test_stop_with_the_alert_s_code_still_stops(body: str) -> None:
    assert parse_reply(body, "nb").kind == ReplyKind.STOP


def test_stop_in_a_sentence_is_text() -> None:
    assert parse_reply("stop sending me the measles ones 4821", "en").kind == ReplyKind.TEXT


def test_every_language_s_words_are_canonical_tags() -> None:
    assert all(canonical_tag(tag) == tag for tag in WORDS)
