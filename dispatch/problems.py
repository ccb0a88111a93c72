"""Errors as RFC 9457 problem details, with a ``detail`` sentence a coordinator understands.

Maps the domain errors of ``dispatch.errors`` and Litestar's own exceptions to responses.
"""

from __future__ import annotations

from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)
from litestar.status_codes import (
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from dispatch import unreadable
from dispatch.db.engine import database_unavailable
from dispatch.errors import DomainError, sentence
from translations.catalog import translator
from translations.text import Text, say

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


API_LANGUAGES = ("en", "nb", "nn")
"""The languages an API answer's ``detail`` can be in: those whose catalogs hold every reason."""


def answer_language(accept_language: str | None) -> str:
    """The first of ``API_LANGUAGES`` that ``Accept-Language`` asks for (by its weights), or
    English. ``no`` and ``nb-NO`` are Bokmål, ``nn-NO`` Nynorsk."""
    asked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        primary = "nb" if primary == "no" else primary
        if weight > 0 and primary in API_LANGUAGES:
            asked.append((-weight, position, primary))
    return min(asked)[2] if asked else "en"


def _language(request: Request[Any, Any, Any]) -> str:
    return answer_language(request.headers.get("accept-language"))


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    lang = _language(request)
    detail, errors = exc.in_language(translator(lang))
    extra: dict[str, Any] = {"errors": errors} if exc.errors else {}
    response = problem(exc.status_code, exc.title, detail, request=request, **extra)
    response.headers["Content-Language"] = lang
    return response


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    # Litestar reports body and parameter decoding errors as 400; they are 422 for us, with
    # msgspec's message ("Expected `str`, got `int` - at `$.name`") turned into a sentence in
    # the language Accept-Language asks for (dispatch.unreadable).
    reasons: list[str] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            source = getattr(item.get("source"), "value", item.get("source"))
            reasons.append(
                unreadable.reason(
                    str(item.get("message", "")),
                    key=str(item.get("key") or "") or None,
                    source=str(source) if source is not None else None,
                )
            )
    if not reasons:
        reasons.append(unreadable.problem(str(exc.detail)))
    lang = _language(request)
    t = translator(lang)
    said = [say(r, t) for r in reasons]
    detail = Text(unreadable.UNREADABLE, problems="; ".join(said)).in_language(t)
    response = problem(
        HTTP_422_UNPROCESSABLE_ENTITY,
        "Invalid input",
        sentence(detail),
        request=request,
        errors=said,
    )
    response.headers["Content-Language"] = lang
    return response


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    detail = exc.detail or "The request could not be handled."
    headers = {str(k): str(v) for k, v in (exc.headers or {}).items()}
    reason = unreadable.malformed(str(detail))
    if isinstance(reason, Text):  # said in the caller's language; other details are English
        lang = _language(request)
        headers["Content-Language"] = lang
        reason = reason.in_language(translator(lang))
    return problem(
        exc.status_code,
        _TITLES.get(exc.status_code, "Error"),
        sentence(reason),
        request=request,
        headers=headers,
    )


def route_of(request: Request[Any, Any, Any]) -> str:
    """The route's template (``/ack/{token}``), never the path: a path can hold a live link
    token, and logs must not."""
    return str(request.scope.get("path_template") or "(no route)")


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if database_unavailable(exc):
        # Not a bug: the database is restarting or unreachable. The transaction did not commit.
        log.warning("database_unavailable", route=route_of(request), error_type=type(exc).__name__)
        return problem(
            HTTP_503_SERVICE_UNAVAILABLE,
            "Service unavailable",
            "The database is not answering right now, so nothing was saved or sent. "
            f"Please try again in {RETRY_AFTER_S} seconds.",
            request=request,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    log.exception("unhandled_error", route=route_of(request), error_type=type(exc).__name__)
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


# --- The problems in the OpenAPI document ------------------------------------------------------

DOCUMENTED_PROBLEMS = {
    "400": "The request could not be read",
    "401": "No API token, or an unknown, expired or revoked one",
    "403": "The token's role may not do this",
    "404": "Nothing with this id",
    "409": "The request conflicts with the current state",
    "413": "The request body is too large",
    "422": "The input is not valid; `errors` lists every reason",
    "429": "Too many requests; `Retry-After` says when to try again",
    "503": "The database is not answering; nothing was saved; `Retry-After` says when to retry",
}


def document_problems(openapi: OpenAPI) -> None:
    """Every ``/api/v1`` operation (and ``/metrics``) documents the problem answers it can give,
    as ``application/problem+json`` with the ``Problem`` schema, so clients and schema-based
    tests know them."""
    components = openapi.components if isinstance(openapi.components, Components) else None
    if components is None:
        components = openapi.components = Components()
    components.schemas = {
        **(components.schemas or {}),
        "Problem": Schema(
            type=OpenAPIType.OBJECT,
            required=["type", "title", "status", "detail"],
            properties={
                "type": Schema(type=OpenAPIType.STRING),
                "title": Schema(type=OpenAPIType.STRING),
                "status": Schema(type=OpenAPIType.INTEGER),
                "detail": Schema(type=OpenAPIType.STRING),
                "instance": Schema(type=OpenAPIType.STRING),
                "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.STRING)),
            },
        ),
    }
    problem_content = {
        PROBLEM_JSON: OpenAPIMediaType(schema=Reference("#/components/schemas/Problem"))
    }
    for path, item in (openapi.paths or {}).items():
        if not (path.startswith("/api/v1") or path == "/metrics"):
            continue
        for operation in (item.get, item.put, item.post, item.patch, item.delete):
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            for status, description in DOCUMENTED_PROBLEMS.items():
                existing = responses.get(status)
                if isinstance(existing, OpenAPIResponse):
                    existing.content = {**(existing.content or {}), **problem_content}
                else:
                    responses[status] = OpenAPIResponse(
                        description=description, content=dict(problem_content)
                    )
            operation.responses = responses


# --- Numbers no row can have ---------------------------------------------------------------------

MAX_ID = 2**63 - 1
"""The largest id PostgreSQL's BIGINT (and SQLite's INTEGER) can hold."""


def refuse_deep_json(body: bytes) -> None:
    """422 for a JSON body nested too deeply to decode: ``[[[[…`` makes the decoder run out of
    stack (RecursionError, a 500). Counting brackets is a fast bound; only a body with many is
    decoded once here to see whether it can be."""
    if body.count(b"[") + body.count(b"{") <= 64:
        return
    try:
        msgspec.json.decode(body)
    except RecursionError:
        raise ValidationException(
            "The JSON is nested too deeply to read; nothing was saved",
            extra=[{"key": "data", "source": "body", "message": "nested too deeply"}],
        ) from None
    except msgspec.DecodeError:
        return  # not JSON at all: the route's own decoding says what is wrong


async def refuse_impossible_input(request: Request[Any, Any, Any]) -> None:
    """``refuse_impossible_numbers``, a NUL character anywhere in a JSON or form body
    (refused by PostgreSQL, so refused everywhere, before anything is written), and JSON nested
    too deeply to decode."""
    refuse_impossible_numbers(request)
    if request.method in ("POST", "PUT", "PATCH"):
        content_type = request.headers.get("content-type", "")
        if "form" not in content_type and "csv" not in content_type:
            # A JSON route decodes its body whatever the Content-Type says.
            refuse_deep_json(await request.body())
        if "json" in content_type or "form" in content_type:
            body = await request.body()
            # Escaped as JSON writes it, or as a URL-encoded form does; in a multipart body a
            # literal "%00" is just text.
            escaped = {"json": b"\\u0000", "x-www-form-urlencoded": b"%00"}
            written = [e for kind, e in escaped.items() if kind in content_type]
            if b"\x00" in body or any(e in body.lower() for e in written):
                raise ValidationException(
                    "A text in the request contains a NUL character, which no text here can "
                    "hold; nothing was saved",
                    extra=[
                        {"key": "data", "source": "body", "message": "contains a NUL character"}
                    ],
                )


def refuse_impossible_numbers(request: Request[Any, Any, Any]) -> None:
    """An id in the path beyond any database integer names nothing (404); such a number, or a
    NUL character, in the query is refused (422). Without this the database driver, not the
    API, would refuse them, with a 500."""
    # isdecimal, not isdigit: "¹" is a digit that int() refuses (a 500 found by Schemathesis).
    if any(part.isdecimal() and int(part) > MAX_ID for part in request.url.path.split("/")):
        raise NotFoundException("There is nothing with that id.")
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise ValidationException(
                "A query parameter contains a NUL character, which no text here can hold",
                extra=[{"key": name, "source": "query", "message": "contains a NUL character"}],
            )
        if value.strip().lstrip("+-").isdecimal() and abs(int(value)) > MAX_ID:
            raise ValidationException(
                f"'{name}' is larger than any number this API stores",
                extra=[{"key": name, "source": "query", "message": "the number is too large"}],
            )
