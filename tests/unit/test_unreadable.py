"""msgspec's decoding messages, as msgspec itself writes them, become reasons in nb, nn and en.

The messages are made by msgspec here (not copied), so a new msgspec that words one differently
fails this test instead of falling back to English unseen.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Literal

import msgspec
import pytest
from msgspec import Meta

from dispatch import unreadable
from translations.catalog import translator
from translations.text import Text, field_of


class Colour(Enum):
    RED = "red"


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    title: str


def said_by_msgspec(type_: Any, json: bytes) -> str:
    """What msgspec says when ``json`` is not a ``type_``, without its `` - at `$.x` `` tail."""
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(json, type=type_)
    return str(info.value).split(" - at ", 1)[0]


CASES = [
    (int, b'"7"', "expected a whole number, got text", "forventet et heltall, fikk tekst"),
    (
        bool | None,
        b'"maybe"',
        "expected true or false or null, got text",
        "forventet true eller false eller null, fikk tekst",
    ),
    (list[str], b'"a"', "expected a list, got text", "forventet en liste, fikk tekst"),
    (
        Strict,
        b"{}",
        "the field 'title' is required and missing",
        "feltet «title» må være med, men mangler",
    ),
    (
        Strict,
        b'{"title": "t", "colour": 1}',
        "'colour' is not a field this request knows",
        "«colour» er et ukjent felt her",
    ),
    (
        Annotated[str, Meta(max_length=200)],
        b'"' + b"x" * 201 + b'"',
        "the text is longer than 200 characters",
        "teksten er lengre enn 200 tegn",
    ),
    (
        Annotated[str, Meta(min_length=1)],
        b'""',
        "the text must be at least 1 character long",
        "teksten må være minst 1 tegn lang",
    ),
    (
        Annotated[list[int], Meta(max_length=2)],
        b"[1, 2, 3]",
        "the list has more than 2 items",
        "listen har mer enn 2 elementer",
    ),
    (
        Annotated[list[int], Meta(min_length=1)],
        b"[]",
        "the list needs at least 1 item",
        "listen må ha minst 1 element",
    ),
    (
        Annotated[dict[str, int], Meta(max_length=1)],
        b'{"a": 1, "b": 2}',
        "the object has more than 1 entry",
        "objektet har mer enn 1 oppføring",
    ),
    (Annotated[int, Meta(ge=1)], b"0", "must be at least 1", "må være minst 1"),
    (Annotated[int, Meta(le=500)], b"501", "must be at most 500", "må være høyst 500"),
    (Annotated[float, Meta(gt=0)], b"0", "must be greater than 0.0", "må være større enn 0.0"),
    (Annotated[float, Meta(lt=1.5)], b"2.0", "must be less than 1.5", "må være mindre enn 1.5"),
    (
        Annotated[str, Meta(pattern="^[a-z]+$")],
        b'"A"',
        "the text does not match the pattern '^[a-z]+$'",
        "teksten passer ikke med mønsteret '^[a-z]+$'",
    ),
    (
        Annotated[datetime, Meta(tz=True)],
        b'"2027-03-01T10:00:00"',
        "needs a time zone offset, such as 2027-03-01T10:00:00+01:00",
        "må ha tidssone, for eksempel 2027-03-01T10:00:00+01:00",
    ),
    (
        datetime,
        b'"tomorrow"',
        "not a date and time such as 2027-03-01T10:00:00+01:00",
        "ikke en dato med klokkeslett som 2027-03-01T10:00:00+01:00",
    ),
    (date, b'"1 March"', "not a date such as 2027-03-01", "ikke en dato som 2027-03-01"),
    (
        Colour,
        b'"blue"',
        "'blue' is not one of the values allowed here",
        "'blue' er ikke en av verdiene som er tillatt her",
    ),
    (
        Literal["a", "b"],
        b'"c"',
        "'c' is not one of the values allowed here",
        "'c' er ikke en av verdiene som er tillatt her",
    ),
]


@pytest.mark.parametrize(("type_", "json", "english", "bokmal"), CASES)
def test_each_msgspec_message_is_a_reason_in_english_bokmal_and_nynorsk(
    type_: Any, json: bytes, english: str, bokmal: str
) -> None:
    message = said_by_msgspec(type_, json)
    reason = unreadable.problem(message)
    assert isinstance(reason, Text), message
    assert str(reason) == english
    assert reason.in_language(translator("en")) == english
    assert reason.in_language(translator("nb")) == bokmal
    nynorsk = reason.in_language(translator("nn"))
    assert nynorsk not in (english, bokmal), nynorsk


def test_a_message_it_does_not_know_stays_as_msgspec_wrote_it() -> None:
    assert unreadable.problem("Something new went wrong") == "Something new went wrong"
    assert not isinstance(unreadable.problem("Something new went wrong"), Text)


def test_a_reason_names_where_the_problem_is_and_which_field() -> None:
    field = unreadable.reason("Expected `int`, got `str`", key="organisation_id", source="body")
    assert str(field) == "field 'organisation_id': expected a whole number, got text"
    assert field_of(field) == "organisation_id"
    assert field.in_language(translator("nn")) == (  # type: ignore[attr-defined]
        "feltet «organisation_id»: venta eit heiltal, fekk tekst"
    )
    query = unreadable.reason("Expected `int` >= 1", key="page", source="query")
    assert query.in_language(translator("nb")) == (  # type: ignore[attr-defined]
        "spørringsparameteren «page»: må være minst 1"
    )
    whole_body = unreadable.reason("Expected `object`, got `array`", key="data", source="body")
    assert str(whole_body) == "expected an object, got a list"
    assert (
        unreadable.reason("'data'", key="data", source="body")
        .in_language(  # type: ignore[attr-defined]
            translator("nb")
        )
        .startswith("forespørselen har ikke noe innhold")
    )


def test_a_body_that_is_not_json_says_where_in_the_readers_language() -> None:
    with pytest.raises(msgspec.DecodeError) as info:
        msgspec.json.decode(b'{"title": "t"} x')
    reason = unreadable.malformed(str(info.value))
    assert isinstance(reason, Text)
    assert str(reason) == "The body is not valid JSON: there is more after the JSON ends (byte 16)."
    assert reason.in_language(translator("nb")) == (
        "Innholdet er ikke gyldig JSON: det kommer mer etter at JSON-en slutter (byte 16)."
    )
    assert unreadable.malformed("Not Found") == "Not Found"
