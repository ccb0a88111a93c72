"""Retry-After parsing and taking personal data out of provider messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels._redact import redact
from channels._retry_after import parse_retry_after


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("7", 7.0), (" 2.5 ", 2.5), ("-3", 0.0), ("", None), (None, None), ("soon", None)],
)
def test_retry_after_in_seconds(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)

    assert parse_retry_after("Sat, 01 Mar 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sat, 01 Mar 2025 11:00:00 GMT", now=now) == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The 'To' number +4791234567 is not valid", "The 'To' number … is not valid"),
        ("<ola.nordmann@kommune.no>: user unknown", "<…>: user unknown"),
        ("5.1.1 Mailbox unavailable", "5.1.1 Mailbox unavailable"),
        ("Error 21211 at 12:30", "Error 21211 at 12:30"),
        ("call 912 34 567 now", "call … now"),
    ],
)
def test_redact_removes_addresses_and_numbers_only(text: str, expected: str) -> None:
    assert redact(text) == expected
