"""Structured JSON logs on stderr, with personal data scrubbed as a last line of defence.

Code logs ids, never names, e-mail addresses or phone numbers; the scrubber catches the mistake
that slips through (an exception message quoting an address, say).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A run of digits with the separators people write in phone numbers; judged by _phone below.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w/=.:-])(?:\(\+?\d{1,3}\)[ -]?|\+)?\d[\d ()-]{5,}\d(?![\w/-])"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECRET = re.compile(r"\bbv_[A-Za-z0-9_-]{10,}")
_SENSITIVE_KEYS = {"password", "token", "authorization", "secret", "auth_token", "email", "phone"}
_SCALARS = (int, float, bool, type(None))


def _phone(match: re.Match[str]) -> str:
    candidate = match.group(0)
    digits = sum(ch.isdigit() for ch in candidate)
    if digits < 8 or digits > 15 or _DATE.search(candidate):
        return candidate
    return "[phone]"


def scrub(text: str) -> str:
    """Replace e-mail addresses, phone numbers and API tokens in a string."""
    text = _SECRET.sub("bv_[redacted]", text)
    text = _EMAIL.sub("[email]", text)
    return _PHONE_CANDIDATE.sub(_phone, text)


def _scrub_value(key: str, value: Any) -> Any:
    if key.lower() in _SENSITIVE_KEYS:
        return "[redacted]"
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict):
        return {k: _scrub_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub_value("", v) for v in value]
    # Exceptions and other objects are rendered later; render them now, scrubbed.
    return scrub(repr(value) if isinstance(value, BaseException) else str(value))


def _scrub_event(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        event[key] = _scrub_value(key, value)
    return event


def configure(*, level: str = "INFO", json: bool = True) -> None:
    """Route structlog and the standard library's logging through one JSON renderer."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.format_exc_info,
        _scrub_event,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Twilio's SDK and httpx log whole requests at INFO; webhook URLs carry secrets.
    for noisy in ("uvicorn.access", "alembic.runtime.migration", "twilio", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
