"""Unit tests for the JSON logs and the scrubbing of personal data and tokens from them."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from dispatch.logging import configure, scrub

SIMPLE_EMAIL = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """The captured output; the global logging state is put back after the test.

    Each test calls ``configure`` itself, so its handler writes to the stderr capsys captures
    during the test.
    """
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    noisy = {
        name: logging.getLogger(name).level
        for name in ("uvicorn.access", "alembic.runtime.migration")
    }
    yield capsys
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, level in noisy.items():
        logging.getLogger(name).setLevel(level)


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The JSON log lines written to stderr so far, parsed (fails if a line is not JSON)."""
    err = capsys.readouterr().err
    return [json.loads(line) for line in err.splitlines() if line.strip()]


# --- scrub --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail kari.nordmann+x@helse-vest.example.no now", "mail [email] now"),
        ("Kari@EXAMPLE.com bounced", "[email] bounced"),
        ("call +47 912 34 567", "call [phone]"),
        ("call 91234567.", "call [phone]."),
        ("from +4791234567 and 0047 912 34 567", "from [phone] and [phone]"),
        ("US +1 (202) 555-0123", "US [phone]"),
        ("token bv_abcdefghij12345 ok", "token bv_[redacted] ok"),
        ("key bv_AbC-dEf_GhI-jkl", "key bv_[redacted]"),
    ],
)
def test_scrub_replaces_personal_data_and_tokens(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "alert 42 sent to 3 contacts",
        "order 1234567",
        "http://x.example/a/12345678",
        "uuid=12345678",
        "bv_short",
        "took 1500 ms at 12:00:00",
    ],
)
def test_scrub_leaves_ordinary_text_alone(text: str) -> None:
    assert scrub(text) == text


def test_scrub_handles_everything_in_one_message() -> None:
    text = "kari@x.example (+47 912 34 567) used bv_0123456789abcdef"
    assert scrub(text) == "[email] ([phone]) used bv_[redacted]"


local_parts = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,20}", fullmatch=True)
labels = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)
tlds = st.from_regex(r"[A-Za-z]{2,6}", fullmatch=True)
surrounding = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)


@hsettings(database=None)
@given(
    local=local_parts,
    domain=st.lists(labels, min_size=1, max_size=3),
    tld=tlds,
    before=surrounding,
    after=surrounding,
)
def test_scrub_never_leaves_an_email_address(
    local: str, domain: list[str], tld: str, before: str, after: str
) -> None:
    address = f"{local}@{'.'.join(domain)}.{tld}"
    scrubbed = scrub(f"{before} {address} {after}")
    assert SIMPLE_EMAIL.search(scrubbed) is None, scrubbed
    assert address not in scrubbed


# --- configure: the JSON lines on stderr --------------------------------------------------


def test_structlog_call_gives_scrubbed_json_line(json_logs: pytest.CaptureFixture[str]) -> None:
    configure(level="INFO", json=True)
    structlog.get_logger("t").info("sent", to="kari@x.example", detail="call +47 912 34 567")
    err = json_logs.readouterr().err
    assert "kari@x.example" not in err
    assert "912 34 567" not in err
    (line,) = [json.loads(raw) for raw in err.splitlines()]
    assert line["event"] == "sent"
    assert line["to"] == "[email]"
    assert line["detail"] == "call [phone]"
    assert line["level"] == "info"
    assert line["logger"] == "t"
    assert line["timestamp"].endswith("Z")


def test_stdlib_call_gives_scrubbed_json_line(json_logs: pytest.CaptureFixture[str]) -> None:
    configure(level="INFO", json=True)
    logging.getLogger("x").warning("mail to per@x.example failed")
    logging.getLogger("x").warning("sms to %s failed", "+47 912 34 567")
    first, second = lines(json_logs)
    assert first["event"] == "mail to [email] failed"
    assert first["level"] == "warning"
    assert first["logger"] == "x"
    assert second["event"] == "sms to [phone] failed"


def test_sensitive_keys_are_redacted(json_logs: pytest.CaptureFixture[str]) -> None:
    configure(level="INFO", json=True)
    structlog.get_logger("t").info(
        "login",
        password="hunter2",
        token="abc",
        email="kari@x.example",
        phone="+4791234567",
        Authorization="Bearer xyz",
        auth_token="tw",
        secret="s",
        count=3,
    )
    (line,) = lines(json_logs)
    for key in ("password", "token", "email", "phone", "Authorization", "auth_token", "secret"):
        assert line[key] == "[redacted]", key
    assert line["count"] == 3


def test_context_variables_are_scrubbed(json_logs: pytest.CaptureFixture[str]) -> None:
    configure(level="INFO", json=True)
    structlog.contextvars.bind_contextvars(user="kari@x.example")
    try:
        structlog.get_logger("t").info("bound")
    finally:
        structlog.contextvars.clear_contextvars()
    (line,) = lines(json_logs)
    assert line["user"] == "[email]"


def test_exception_tracebacks_are_scrubbed(json_logs: pytest.CaptureFixture[str]) -> None:
    configure(level="INFO", json=True)
    try:
        raise ValueError("rejected kari@x.example")
    except ValueError:
        logging.getLogger("x").exception("stdlib failed")
        structlog.get_logger("t").exception("structlog failed")
    stdlib_line, structlog_line = lines(json_logs)
    for line in (stdlib_line, structlog_line):
        assert line["level"] == "error"
        assert "ValueError: rejected [email]" in line["exception"]
        assert "kari@x.example" not in line["exception"]


def test_level_filters_lower_records(json_logs: pytest.CaptureFixture[str]) -> None:
    configure(level="INFO", json=True)
    logging.getLogger("x").debug("hidden")
    structlog.get_logger("t").debug("hidden too")
    logging.getLogger("x").info("shown")
    assert [line["event"] for line in lines(json_logs)] == ["shown"]


def test_console_mode_is_not_json(json_logs: pytest.CaptureFixture[str]) -> None:
    configure(level="warning", json=False)
    logging.getLogger("x").info("not shown")
    logging.getLogger("x").warning("mail to per@x.example failed")
    err = json_logs.readouterr().err
    assert "mail to [email] failed" in err
    assert "per@x.example" not in err
    assert "not shown" not in err
    assert not err.lstrip().startswith("{")


def test_exception_values_are_scrubbed(json_logs: pytest.CaptureFixture[str]) -> None:
    configure(level="INFO", json=True)
    structlog.get_logger("t").warning("send_failed", error=ValueError("rejected kari@x.example"))
    err = json_logs.readouterr().err
    assert "send_failed" in err
    assert "kari@x.example" not in err


def test_nested_values_are_scrubbed(json_logs: pytest.CaptureFixture[str]) -> None:
    configure(level="INFO", json=True)
    structlog.get_logger("t").info(
        "nested",
        data={"email": "kari@x.example", "note": "ring 912 34 567"},
        recipients=["per@x.example"],
    )
    err = json_logs.readouterr().err
    assert "nested" in err
    assert "x.example" not in err
    assert "912 34 567" not in err


@pytest.mark.parametrize("text", ["on 2024-05-01 the", "at 2024-05-01 12:00:00", "id 1234567"])
def test_dates_and_short_numbers_are_not_taken_for_phones(text: str) -> None:
    assert scrub(text) == text
