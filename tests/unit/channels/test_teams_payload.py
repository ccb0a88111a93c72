"""The Teams card and the 28 KB limit, without a server."""

from __future__ import annotations

import json

import pytest

from channels.base import ChannelKind, OutgoingMessage, PermanentChannelError
from channels.teams import ELLIPSIS, MAX_PAYLOAD_BYTES, build_card, encode_payload


def post(text: str, **fields: str) -> OutgoingMessage:
    return OutgoingMessage(
        channel=ChannelKind.TEAMS,
        to="https://teams.test/workflows/nik",
        text=text,
        language="nb",
        reference="d1",
        subject="Varsel",
        **fields,  # type: ignore[arg-type]
    )


def card_text(body: bytes) -> str:
    text: str = json.loads(body)["attachments"][0]["content"]["body"][1]["text"]
    return text


def test_a_short_text_is_sent_whole() -> None:
    assert card_text(encode_payload(post("Kort melding"))) == "Kort melding"


def test_a_long_text_is_cut_to_the_longest_prefix_that_fits() -> None:
    text = "abcdefghij" * 10_000

    body = encode_payload(post(text))

    sent = card_text(body)
    assert len(body) <= MAX_PAYLOAD_BYTES
    assert sent.endswith(ELLIPSIS)
    kept = sent.removesuffix(ELLIPSIS)
    assert text.startswith(kept)
    # One more character would not have fitted: that text gets cut in turn.
    longer = text[: len(kept) + 1] + ELLIPSIS
    assert card_text(encode_payload(post(longer))) != longer


def test_a_text_exactly_at_the_limit_is_not_cut() -> None:
    overhead = len(encode_payload(post("")))
    text = "x" * (MAX_PAYLOAD_BYTES - overhead)

    assert card_text(encode_payload(post(text))) == text


def test_characters_that_need_escaping_are_counted_as_sent() -> None:
    text = '"\\' * 40_000

    body = encode_payload(post(text))

    assert len(body) <= MAX_PAYLOAD_BYTES
    assert card_text(body).endswith(ELLIPSIS)


def test_a_message_too_large_even_without_text_is_refused() -> None:
    with pytest.raises(PermanentChannelError):
        encode_payload(post("tekst", link="https://varsel.test/" + "a" * MAX_PAYLOAD_BYTES))


def test_the_card_is_rtl_only_for_right_to_left_messages() -> None:
    assert build_card(post("x", direction="rtl"))["rtl"] is True
    assert build_card(post("x"))["rtl"] is False


def test_a_link_without_a_label_shows_the_link() -> None:
    card = build_card(post("x", link="https://varsel.test/ack/1"))

    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "https://varsel.test/ack/1",
            "url": "https://varsel.test/ack/1",
        }
    ]
