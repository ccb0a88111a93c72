"""Unit tests for the domain errors and how several reasons become one ``detail`` sentence.

The errors moved from ``dispatch.problems`` to ``dispatch.errors``; ``dispatch.problems`` maps them
to problem+json responses.
"""

from __future__ import annotations

import pytest

from dispatch.directory import validation
from dispatch.errors import (
    ConflictError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    sentence,
)


def test_single_error_becomes_capitalised_sentence() -> None:
    exc = InvalidInputError.from_errors(["channel 'sms' needs a phone number"])
    assert exc.detail == "Channel 'sms' needs a phone number."
    assert exc.errors == ["channel 'sms' needs a phone number"]
    assert str(exc) == exc.detail


def test_single_error_already_ending_in_full_stop_gets_no_second_one() -> None:
    exc = InvalidInputError.from_errors(["name is empty."])
    assert exc.detail == "Name is empty."


def test_several_errors_are_counted_and_listed() -> None:
    errors = ["name is empty", "channel 'sms' needs a phone number"]
    exc = InvalidInputError.from_errors(errors)
    assert exc.detail == "2 problems: name is empty; channel 'sms' needs a phone number."
    assert exc.errors == errors


def test_three_errors() -> None:
    exc = InvalidInputError.from_errors(["a is wrong", "b is wrong", "c is wrong"])
    assert exc.detail == "3 problems: a is wrong; b is wrong; c is wrong."
    assert len(exc.errors) == 3


def test_several_errors_ending_with_email_error_end_with_single_full_stop() -> None:
    with pytest.raises(validation.InvalidValue) as info:
        validation.email("kari")
    email_error = str(info.value)
    exc = InvalidInputError.from_errors(["name is empty", email_error])
    assert exc.detail.startswith("2 problems: name is empty; e-mail 'kari' is not a valid")
    assert not exc.detail.endswith("..")


def test_invalid_input_is_422_domain_error() -> None:
    exc = InvalidInputError.from_errors(["x is wrong"])
    assert isinstance(exc, DomainError)
    assert (exc.status_code, exc.title) == (422, "Invalid input")


def test_plain_domain_errors_have_no_error_list() -> None:
    assert NotFoundError("No such contact.").errors == []
    assert (NotFoundError.status_code, ConflictError.status_code) == (404, 409)
    assert ConflictError("Taken.").detail == "Taken."


@pytest.mark.parametrize(
    ("text", "expected"),
    [("name is empty", "Name is empty."), ("Done.", "Done.")],
)
def test_sentence(text: str, expected: str) -> None:
    assert sentence(text) == expected
