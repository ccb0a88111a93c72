"""``/login`` and ``/logout``: argon2 passwords, a session cookie, and failed guesses counted.

A right password for someone who needs a second factor leads on to ``/login/code`` or
``/login/enrol`` (``dispatch.web.second_factor``) instead of a session. With
``DISPATCH_LOCAL_LOGIN=false`` passwords are refused and the page offers single sign-on only.
"""

from __future__ import annotations

import hmac
from typing import Any

import structlog
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Template

from dispatch.db.session import DbSession
from dispatch.member_pages import client_address
from dispatch.security.service import authenticate_user, end_web_session, start_web_session
from dispatch.security.signin import SignInBusy, SignInLimits
from dispatch.web.auth import (
    CSRF_FIELD,
    DASHBOARD,
    SESSION_COOKIE,
    cleared_session_cookie,
    cross_site,
    csrf_for,
    safe_next,
    session_cookie,
    settings_of,
)
from dispatch.web.render import gettext_for, page
from dispatch.web.second_factor import after_password

log = structlog.get_logger("dispatch.web")
SIGNIN_STATE_KEY = "dispatch_signin_limits"
LOGIN_MAX_BODY = 64 * 1024
"""``/login`` is public: a larger body is refused with 413 before it is read."""


def _form(
    request: Request[Any, Any, Any], *, error: str = "", email: str = "", status_code: int = 200
) -> Template:
    settings = settings_of(request)
    return page(
        request,
        "dashboard/login.html",
        status_code=status_code,
        error=error,
        email=email,
        next=safe_next(request.query_params.get("next")),
        sso=bool(settings.oidc_issuer),
        local_login=settings.local_login,
    )


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, State]) -> Template:
    """The sign-in form."""
    return _form(request)


@post("/login", include_in_schema=False, request_max_body_size=LOGIN_MAX_BODY)
async def login(request: Request[Any, Any, State], db_session: DbSession) -> Template | Redirect:
    """Check the password; on success set the session cookie and go where the user was going."""
    form = await request.form()
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    _ = gettext_for(request)
    if not settings_of(request).local_login:
        return _form(
            request,
            error=_("Passwords are switched off here: sign in with your organisation's account."),
            status_code=403,
        )
    if cross_site(request):
        return _form(
            request,
            error=_(
                "This sign-in was sent from another website and is refused. "
                "Open this service's sign-in page yourself and try again."
            ),
            email=email,
            status_code=403,
        )
    limits: SignInLimits = request.app.state[SIGNIN_STATE_KEY]
    client = client_address(request)
    if await limits.refused(client, email):
        return _form(
            request,
            error=_("Too many failed attempts. Wait a few minutes and try again."),
            email=email,
            status_code=429,
        )
    try:
        user = await authenticate_user(db_session, email=email, password=password)
    except SignInBusy:
        answer = _form(
            request,
            error=_("Too many people are signing in right now. Try again in a moment."),
            email=email,
            status_code=503,
        )
        answer.headers["Retry-After"] = "5"
        return answer
    if user is None:
        await limits.failed(client, email)
        log.info("sign_in_failed")
        return _form(
            request,
            error=_("Wrong e-mail address or password."),
            email=email,
            status_code=401,
        )
    second = after_password(request, user, target)
    if second is not None:
        return second
    token = await start_web_session(db_session, user=user, hours=settings_of(request).session_hours)
    await db_session.commit()
    log.info("signed_in", user_id=user.id)
    return Redirect(
        path=target, status_code=303, cookies=[session_cookie(settings_of(request), token)]
    )


@post("/logout", include_in_schema=False, request_max_body_size=LOGIN_MAX_BODY)
async def logout(request: Request[Any, Any, State], db_session: DbSession) -> Redirect:
    """End the session everywhere the cookie is; needs the session's CSRF token."""
    token = request.cookies.get(SESSION_COOKIE, "")
    form = await request.form()
    sent = str(form.get(CSRF_FIELD) or "")
    expected = csrf_for(settings_of(request).secret_key, token) if token else ""
    if token and hmac.compare_digest(sent.encode(), expected.encode()):
        await end_web_session(db_session, token)
        await db_session.commit()
        return Redirect(path="/login", status_code=303, cookies=[cleared_session_cookie()])
    # A forged or stale sign-out form changes nothing.
    return Redirect(path=DASHBOARD if token else "/login", status_code=303)
