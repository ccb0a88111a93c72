"""Reading SMS replies: every input parses, and the examples read as a member means them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.inbound.replies import ReplyKind, parse_reply, yes_or_no


@given(st.text(max_size=500))
def test_any_reply_parses(body: str) -> None:
    reply = parse_reply(body)
    assert reply.kind in set(ReplyKind)
    if reply.code is not None:
        assert len(reply.code) == 4
        assert reply.code.isdigit()


@pytest.mark.parametrize(
    ("body", "kind", "code", "rest"),
    [
        ("OK", ReplyKind.ACK, None, ""),
        ("ok 4821", ReplyKind.ACK, "4821", ""),
        ("Ja! 4821 Vi ser mange syke.", ReplyKind.ACK, "4821", "Vi ser mange syke."),
        ("نعم", ReplyKind.ACK, None, ""),
        ("ТАК", ReplyKind.ACK, None, ""),
        ("TAK", ReplyKind.ACK, None, ""),
        ("HAA", ReplyKind.ACK, None, ""),
        ("1", ReplyKind.ACK, None, ""),
        ("4821", ReplyKind.ACK, "4821", ""),
        ("Có", ReplyKind.ACK, None, ""),
        ("STOP", ReplyKind.STOP, None, ""),
        ("Stopp", ReplyKind.STOP, None, ""),
        ("START", ReplyKind.START, None, ""),
        (
            "stop sending me the measles ones",
            ReplyKind.TEXT,
            None,
            "stop sending me the measles ones",
        ),
        ("Vi mangler tolk", ReplyKind.TEXT, None, "Vi mangler tolk"),
    ],
)
def test_reply_examples(body: str, kind: ReplyKind, code: str | None, rest: str) -> None:
    reply = parse_reply(body)
    assert (reply.kind, reply.code, reply.rest) == (kind, code, rest)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("JA 4821", (True, "4821")),
        ("nei 4821", (False, "4821")),
        ("NEI, 4821 beklager", (False, "4821")),
        ("HAYIR 4821", (False, "4821")),
        ("لا 4821", (False, "4821")),
        ("ні 4821", (False, "4821")),
        ("ok", (True, None)),
        ("Nei takk", (False, None)),
        ("4821", (None, "4821")),
        ("kanskje 4821", (None, "4821")),
        ("", (None, None)),
    ],
)
def test_a_meeting_answer_is_yes_no_or_neither(
    body: str, expected: tuple[bool | None, str | None]
) -> None:
    assert yes_or_no(body) == expected


@pytest.mark.parametrize("word", ["ใช่", "ค่ะ", "ครับ"])
def test_thai_yes_words_with_tone_marks_acknowledge(word: str) -> None:
    """Tone marks are combining characters that folding strips from the reply; the word list
    is folded the same way, so "ใช่" still counts."""
    assert parse_reply(f"{word} 4821") == parse_reply("OK 4821")
    assert yes_or_no(f"{word} 4821") == (True, "4821")
