"""Spreadsheet cells that stay text: a value a spreadsheet would read as a formula (``=``,
``+``, ``-``, ``@``, a tab or a carriage return first) is written with an apostrophe before it
(OWASP's advice for CSV injection), and the import reads that apostrophe away again, so an
exported file re-imports to exactly what was exported."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape(value: str) -> str:
    """``value`` as a spreadsheet shows it but never runs it."""
    return "'" + value if value.startswith(FORMULA_START) else value


def unescape(value: str) -> str:
    """A cell as ``escape`` wrote it, back to the value (other cells unchanged)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
