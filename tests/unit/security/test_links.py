"""Link tokens: one delivery, one purpose, unguessable, never an error on bad input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dispatch.security.links import MAC_BYTES, Links, make_token, read_token

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


def test_links_mint_each_purpose_for_their_delivery() -> None:
    links = Links("https://v.example", SECRET, 42)
    assert links.url("/ack", "ack") == f"https://v.example/ack/{make_token(SECRET, 42)}"
    assert read_token(SECRET, links.token("rsvp"), purpose="rsvp") == 42
    assert read_token(SECRET, links.token("rsvp"), purpose="ack") is None


def test_address_tokens_name_one_delivery_whatever_the_case() -> None:
    from dispatch.security.links import Links, make_address_token, read_address_token

    token = make_address_token("k" * 32, 12345, "bounce")
    assert read_address_token("k" * 32, token, "bounce") == 12345
    # Mail servers may change the case of a local part.
    assert read_address_token("k" * 32, token.upper(), "bounce") == 12345
    # Not for another purpose, another key or another delivery.
    assert read_address_token("k" * 32, token, "reply") is None
    assert read_address_token("x" * 32, token, "bounce") is None
    head, _, mac = token.partition("-")
    assert read_address_token("k" * 32, f"{int(head, 36) + 1:x}-{mac}", "bounce") is None
    assert read_address_token("k" * 32, "not-a-token", "bounce") is None
    links = Links("https://x.example", "k" * 32, 12345)
    bounce = links.address("bounce", "svar.example")
    assert bounce == f"b-{token}@svar.example"
    assert len(bounce.partition("@")[0]) <= 64  # an SMTP local part's limit
    assert links.address("reply", "svar.example").startswith("r-")
