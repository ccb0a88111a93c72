"""Taking addresses and numbers out of provider messages before they become a reason."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[^\s<>\"'@]+@[^\s<>\"'@]+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def redact(text: str) -> str:
    """The text with e-mail addresses and phone numbers replaced by ``…``."""
    return _PHONE.sub("…", _EMAIL.sub("…", text))
