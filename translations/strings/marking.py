"""The no-op markers by which ``python -m translations extract`` finds a message id."""

from __future__ import annotations

from typing import NamedTuple


class PluralMessage(NamedTuple):
    """A message with a singular and a plural English form; ``ngettext(*message, n)``."""

    singular: str
    plural: str


def N_(message: str) -> str:
    """Mark ``message`` for extraction and return it unchanged."""
    return message


def NN_(singular: str, plural: str) -> PluralMessage:
    """Mark a singular and plural pair for extraction and return them unchanged."""
    return PluralMessage(singular, plural)
