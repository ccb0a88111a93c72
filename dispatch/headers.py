"""Security headers on every response, errors and unknown paths included, unless the response
set its own (the dashboard and member pages send a stricter Content-Security-Policy)."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.enums import ScopeType

DEFAULTS = {
    b"x-content-type-options": b"nosniff",
    # Links carry tokens: never tell another site which page someone came from.
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
}
# JSON, CSV and the like: nothing to run, and never inside another site's frame. An HTML page
# without a policy of its own (the API documentation) keeps its script.
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
HSTS = b"max-age=31536000; includeSubDomains"


def with_security_headers(message: dict[str, Any], *, tls: bool) -> dict[str, Any]:
    """``message`` (an ``http.response.start``) with the headers it lacks added."""
    headers: list[Any] = list(message.get("headers", []))
    present = {bytes(name).lower(): bytes(value) for name, value in headers}
    wanted = dict(DEFAULTS)
    if b"html" not in present.get(b"content-type", b""):
        wanted[b"content-security-policy"] = API_CSP
    if tls:
        wanted[b"strict-transport-security"] = HSTS
    headers += [(name, value) for name, value in wanted.items() if name not in present]
    return {**message, "headers": headers}


class SecuredLitestar(Litestar):
    """The app, its every HTTP answer passing through ``with_security_headers``: outside
    Litestar's own error handling, so a 401 from a middleware or a 404 for an unknown path gets
    them too. ``security_tls`` is set from the base URL (HSTS only behind TLS)."""

    security_tls = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != ScopeType.HTTP:
            await super().__call__(scope, receive, send)
            return
        tls = self.security_tls

        async def secured(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = with_security_headers(dict(message), tls=tls)
            await send(message)

        await super().__call__(scope, receive, secured)
