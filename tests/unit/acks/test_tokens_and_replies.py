"""Property tests: ack tokens cannot be forged or moved to another delivery; any SMS parses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.inbound.replies import ReplyKind, parse_reply, yes_or_no
from dispatch.security.links import MAC_BYTES, make_token, read_token

SECRET = "property-secret"
ids = st.integers(min_value=1, max_value=2**53)


@given(ids)
def test_a_token_reads_back_to_its_delivery(delivery_id: int) -> None:
    assert read_token(SECRET, make_token(SECRET, delivery_id)) == delivery_id


@given(ids, ids)
def test_a_token_cannot_be_moved_to_another_delivery(one: int, other: int) -> None:
    if one == other:
        return
    mac = make_token(SECRET, one).split(".")[1]
    head = make_token(SECRET, other).split(".")[0]
    assert read_token(SECRET, f"{head}.{mac}") is None


@given(ids, st.integers(min_value=0, max_value=200), st.characters(codec="ascii"))
def test_changing_any_character_breaks_the_token(delivery_id: int, index: int, char: str) -> None:
    token = make_token(SECRET, delivery_id)
    position = index % len(token)
    if token[position] == char:
        return
    tampered = token[:position] + char + token[position + 1 :]
    # Base 36 reads "A" as "a": a change of case in the id names the same delivery, the only
    # change that may still be accepted.
    same_id = tampered.split(".")[0].lower() == token.split(".")[0] and "." in tampered
    same_mac = tampered.partition(".")[2] == token.partition(".")[2]
    if same_id and same_mac:
        assert read_token(SECRET, tampered) == delivery_id
    else:
        assert read_token(SECRET, tampered) is None


@given(st.text(max_size=200))
def test_tokens_from_arbitrary_text_are_rejected_without_error(text: str) -> None:
    assert read_token(SECRET, text) is None


def test_token_has_at_least_128_bits_of_mac() -> None:
    assert MAC_BYTES * 8 >= 128
    assert read_token("other-secret", make_token(SECRET, 42)) is None


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
