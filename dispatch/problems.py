"""Errors as RFC 9457 problem details, with a ``detail`` sentence a coordinator understands.

Maps the domain errors of ``dispatch.errors`` and Litestar's own exceptions to responses.
"""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from dispatch.db.engine import database_unavailable
from dispatch.errors import DomainError, sentence

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_S = 5
"""What a 503 asks clients to wait while the database is away."""
log = structlog.get_logger("dispatch.problems")


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    request: Request[Any, Any, Any],
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    """A problem+json response; ``extra`` adds members such as ``errors``."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    extra: dict[str, Any] = {"errors": exc.errors} if exc.errors else {}
    return problem(exc.status_code, exc.title, exc.detail, request=request, **extra)


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    # Litestar reports body and parameter decoding errors as 400; they are 422 for us, with
    # the msgspec message ("Expected `str`, got `int` - at `$.name`") turned into a sentence.
    reasons = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            message = str(item.get("message", "")).strip()
            key = item.get("key")
            source = getattr(item.get("source"), "value", item.get("source"))
            if key and key != "data":
                where = "field" if source in (None, "body") else f"{source} parameter"
                reasons.append(f"{where} '{key}': {message}")
            else:
                reasons.append(message)
    if not reasons:
        reasons.append(str(exc.detail))
    detail = "The request could not be read: " + "; ".join(reasons)
    return problem(
        HTTP_422_UNPROCESSABLE_ENTITY,
        "Invalid input",
        sentence(detail),
        request=request,
        errors=reasons,
    )


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    detail = exc.detail or "The request could not be handled."
    headers = {str(k): str(v) for k, v in (exc.headers or {}).items()}
    return problem(
        exc.status_code,
        _TITLES.get(exc.status_code, "Error"),
        sentence(str(detail)),
        request=request,
        headers=headers,
    )


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if database_unavailable(exc):
        # Not a bug: the database is restarting or unreachable. The transaction did not commit.
        log.warning("database_unavailable", path=request.url.path, error_type=type(exc).__name__)
        return problem(
            HTTP_503_SERVICE_UNAVAILABLE,
            "Service unavailable",
            "The database is not answering right now, so nothing was saved or sent. "
            f"Please try again in {RETRY_AFTER_S} seconds.",
            request=request,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    log.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Internal server error",
        "Something went wrong on our side and nothing was changed; the error has been logged.",
        request=request,
    )


_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    503: "Service unavailable",
}

EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
