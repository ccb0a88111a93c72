"""What every public page for members shares: the language, the template with ``lang``/``dir``
and the catalog, the security headers, and token links throttled against guessing.

Used by the acknowledgement pages, the packs' public pages, the list review's ``/confirm``,
the change form ``/changes``, the meeting answer and the newsletter's ``/unsubscribe`` and
``/newsletter/contribute``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from litestar import Request
from litestar.response import Template

from dispatch.errors import NotFoundError
from dispatch.security.throttle import THROTTLE_STATE_KEY, GuessThrottle
from translations import strings
from translations.catalog import available_languages, translator
from translations.locales import UnknownLanguageError, canonical_tag, text_direction

T = TypeVar("T")

# nosniff, no-referrer and DENY framing come with every answer (dispatch.headers).
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
}


def negotiate(header: str, default: str = "nb") -> str:
    """The first language in an ``Accept-Language`` header that has a catalog."""
    weighted = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        weighted.append((-weight, position, tag.strip()))
    catalogs = available_languages()
    for _, _, tag in sorted(weighted):
        try:
            canonical = canonical_tag(tag)
        except UnknownLanguageError:
            continue
        for candidate in (canonical, canonical.split("-")[0]):
            if candidate in catalogs:
                return candidate
    return default


def language(request: Request[Any, Any, Any]) -> str:
    """``?lang=`` when it names a language we have a catalog for, else the browser's choice."""
    asked = request.query_params.get("lang", "")
    try:
        tag = canonical_tag(asked) if asked else ""
    except UnknownLanguageError:
        tag = ""
    if tag and tag.replace("-", "_") in available_languages() | {"nb", "nn", "en"}:
        return tag
    return negotiate(request.headers.get("accept-language", ""))


def page(
    template: str, lang: str, *, title: str, status_code: int = 200, **context: Any
) -> Template:
    """A member page in ``lang``: ``t`` translates, ``s`` holds the message ids."""
    return Template(
        template_name=template,
        context={
            "lang": lang,
            "dir": text_direction(lang),
            "title": translator(lang).gettext(title),
            "t": translator(lang).gettext,
            "s": strings,
            **context,
        },
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )


def client_address(request: Request[Any, Any, Any]) -> str:
    """The client's address: the connecting one, or the one a trusted proxy forwarded for
    (``dispatch serve`` passes ``DISPATCH_TRUSTED_PROXIES`` to uvicorn, which sets it)."""
    return request.client.host if request.client else "unknown"


async def resolve_link(
    request: Request[Any, Any, Any],
    scope: str,
    resolve: Callable[[], Awaitable[T]],
    refused: Callable[[int], Template],
) -> T | Template:
    """What a token link names, or the page to show instead: 404 for a wrong link, and 429 once
    its sender has sent too many wrong ones (per ``scope``). The link is checked first, so a
    genuine one always opens, whatever others have guessed from the same address."""
    try:
        return await resolve()
    except NotFoundError:
        throttle: GuessThrottle = request.app.state[THROTTLE_STATE_KEY]
        if await throttle.failed(client_address(request), scope):
            answer = refused(429)
            answer.headers["Retry-After"] = str(throttle.window)
            return answer
        return refused(404)
