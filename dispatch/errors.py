"""Errors that service functions raise, independent of the web framework.

Exception tree:

    DomainError                  raised by service functions; the HTTP layer maps it
    ├── NotFoundError            404: the thing asked for does not exist
    ├── ConflictError            409: it would clash with what exists (a duplicate number …)
    └── InvalidInputError        422: the request is well-formed but its values are not
                                 acceptable; ``errors`` lists every reason

A ``detail`` or reason may be a ``translations.text.Text``: it reads as English and can be said
in the reader's language (``in_language``), which the API does by ``Accept-Language`` and the
dashboard by the page's language.
"""

from __future__ import annotations

from collections.abc import Sequence

from translations.strings.marking import NN_
from translations.text import Sayer, Text, say

SUMMARY = NN_("%(num)d problem: %(problems)s.", "%(num)d problems: %(problems)s.")


class DomainError(Exception):
    """An error a service function raises; ``detail`` is shown to the caller as it is."""

    status_code = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.summarised = False
        """Whether ``detail`` only sums up ``errors`` (and is said again from them)."""

    def in_language(self, sayer: Sayer) -> tuple[str, list[str]]:
        """``detail`` and ``errors`` said in ``sayer``'s language (a ``Translator``)."""
        errors = [say(e, sayer) for e in self.errors]
        if not self.summarised:
            return say(self.detail, sayer), errors
        if len(errors) == 1:
            return sentence(errors[0]), errors
        joined = "; ".join(error.rstrip(".") for error in errors)
        summary = Text(SUMMARY.singular, plural=SUMMARY.plural, n=len(errors), problems=joined)
        return summary.in_language(sayer), errors


class NotFoundError(DomainError):
    status_code = 404
    title = "Not found"


class ConflictError(DomainError):
    status_code = 409
    title = "Conflict"


class InvalidInputError(DomainError):
    status_code = 422
    title = "Invalid input"

    @classmethod
    def from_errors(cls, errors: Sequence[str]) -> InvalidInputError:
        """One error is the detail; several are summed up and listed."""
        if len(errors) == 1:
            made = cls(sentence(errors[0]), errors=list(errors))
        else:
            joined = "; ".join(error.rstrip(".") for error in errors)
            made = cls(f"{len(errors)} problems: {joined}.", errors=list(errors))
        made.summarised = True
        return made


def sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."
