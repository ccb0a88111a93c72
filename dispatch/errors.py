"""Errors that service functions raise, independent of the web framework.

Exception tree:

    DomainError                  raised by service functions; the HTTP layer maps it
    ├── NotFoundError            404: the thing asked for does not exist
    ├── ConflictError            409: it would clash with what exists (a duplicate number …)
    └── InvalidInputError        422: the request is well-formed but its values are not
                                 acceptable; ``errors`` lists every reason
"""

from __future__ import annotations


class DomainError(Exception):
    """An error a service function raises; ``detail`` is shown to the caller as it is."""

    status_code = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


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
    def from_errors(cls, errors: list[str]) -> InvalidInputError:
        """One error is the detail; several are summed up and listed."""
        if len(errors) == 1:
            return cls(sentence(errors[0]), errors=errors)
        joined = "; ".join(error.rstrip(".") for error in errors)
        return cls(f"{len(errors)} problems: {joined}.", errors=errors)


def sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."
