"""Signing in to the dashboard: the session cookie, CSRF tokens, and what an unsigned request sees.

The cookie holds a random token (``secrets.token_urlsafe(32)``); the database keeps only its
SHA-256 (``dispatch.security.models.WebSession``). The CSRF token of a session is an HMAC of the
cookie under the service's secret, so it needs no storage, changes with every sign-in, and is
worthless without the cookie. Every unsafe request to a dashboard page must carry it, as the
form field ``_csrf`` or the ``X-CSRF-Token`` header. The sign-in form, which has no session yet,
is refused when the browser says it was sent from another site (``Origin``, ``Sec-Fetch-Site``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, State
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.response import Redirect

from dispatch.db.session import sessionmaker_from
from dispatch.security.service import Principal, web_session_principal
from dispatch.settings import Settings

SESSION_COOKIE = "bv_session"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DASHBOARD = "/"


@dataclass(frozen=True, slots=True)
class WebAuth:
    """``request.auth`` on dashboard pages: the session cookie and its CSRF token."""

    token: str
    csrf: str


def settings_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    settings: Settings = connection.app.state["settings"]
    return settings


def csrf_for(secret: str, session_token: str) -> str:
    """The CSRF token that goes with a session cookie."""
    return hmac.new(secret.encode(), b"csrf|" + session_token.encode(), hashlib.sha256).hexdigest()


def session_cookie(settings: Settings, token: str) -> Cookie:
    """The sign-in cookie: HttpOnly, Secure, SameSite=Lax, gone when the session expires."""
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path="/",
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=True,
        samesite="lax",
    )


def cleared_session_cookie() -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", path="/", max_age=0, httponly=True, secure=True)


def cross_site(request: Request[Any, Any, Any]) -> bool:
    """Whether a browser says this request was sent from another site.

    Browsers send ``Sec-Fetch-Site`` and, on a POST, ``Origin``; a form on another site cannot
    forge either. Clients that are not browsers send neither and cannot be tricked into
    sending a request, so they pass (this guards the sign-in form, which has no session yet).
    """
    if request.headers.get("sec-fetch-site", "") in {"cross-site", "same-site"}:
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    # This host as the browser addressed it, or as DISPATCH_BASE_URL names it behind a proxy.
    ours = {request.headers.get("host", "").lower(), urlsplit(settings_of(request).base_url).netloc}
    return origin == "null" or urlsplit(origin).netloc.lower() not in ours


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    """Resolves the session cookie to a ``Principal`` in ``request.user``."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        token = connection.cookies.get(SESSION_COOKIE, "")
        if not token:
            raise NotAuthorizedException("Sign in to see this page")
        async with sessionmaker_from(connection.app.state)() as session:
            principal = await web_session_principal(session, token)
        if principal is None:
            raise NotAuthorizedException("Your sign-in has expired; sign in again")
        csrf = csrf_for(settings_of(connection).secret_key, token)
        return AuthenticationResult(user=principal, auth=WebAuth(token=token, csrf=csrf))


async def require_csrf(request: Request[Principal, WebAuth, State]) -> None:
    """Refuse an unsafe request that does not carry the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER) or ""
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not hmac.compare_digest(sent.encode(), request.auth.csrf.encode()):
        raise PermissionDeniedException(
            "The form was out of date or did not come from this site. Go back, reload the "
            "page and try again."
        )


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site, never another host."""
    if not target:
        return DASHBOARD
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return DASHBOARD
    return target


def to_login(request: Request[Any, Any, Any], _: NotAuthorizedException) -> Response[Any]:
    """An unsigned dashboard request goes to the sign-in page, and comes back afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = "/login?next=" + quote(safe_next(here), safe="/")
    if request.headers.get("hx-request"):
        # HTMX would swap the sign-in page into a fragment; tell it to navigate instead.
        return Response(b"", status_code=204, headers={"HX-Redirect": target})
    return Redirect(path=target, status_code=303)
