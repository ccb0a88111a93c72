"""After the password: the authenticator code (``/login/code``) and enrolment (``/login/enrol``).

A right password for an admin or a coordinator (or anyone enrolled) gives no session yet but a
sealed, ten-minute ``bv_signin`` cookie naming the user and where they were going; the next page
asks for a code, or, at the first sign-in, shows the QR code of a new authenticator secret (held
in that cookie until a code from it proves the app has it) and then the recovery codes, once.
The cookie is ``SameSite=Strict`` and these forms refuse cross-site senders, as ``/login`` does.
It also carries a fingerprint of the password hash: a password changed meanwhile voids it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import structlog
from litestar import Request, get, post
from litestar.datastructures import Cookie, State
from litestar.response import Redirect, Template
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.db.session import DbSession
from dispatch.security import factors, sealed
from dispatch.security.models import User
from dispatch.security.service import start_web_session
from dispatch.security.throttle import GuessThrottle
from dispatch.web.auth import cross_site, safe_next, session_cookie, settings_of
from dispatch.web.render import gettext_for, page

log = structlog.get_logger("dispatch.web")

PENDING_COOKIE = "bv_signin"
PENDING_PURPOSE = "sign-in-factor"
PENDING_SECONDS = 600
FACTOR_THROTTLE_STATE_KEY = "dispatch_factor_throttle"
"""Wrong codes per account: five in fifteen minutes, then no more tries until the window ends."""


@dataclass(frozen=True, slots=True)
class Pending:
    """A sign-in whose password was right, waiting for its second factor."""

    user: User
    target: str
    secret: str | None
    """The authenticator secret being enrolled; None when the user gives a code."""


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def _pending_cookie(value: str, *, max_age: int = PENDING_SECONDS) -> Cookie:
    return Cookie(
        key=PENDING_COOKIE,
        value=value,
        path="/login",
        max_age=max_age,
        httponly=True,
        secure=True,
        samesite="strict",
    )


def finished_cookies(request: Request[Any, Any, Any], token: str) -> list[Cookie]:
    """The session cookie, and the half-done sign-in's cookie cleared."""
    return [session_cookie(settings_of(request), token), _pending_cookie("", max_age=0)]


def after_password(request: Request[Any, Any, State], user: User, target: str) -> Redirect | None:
    """Where a right password leads when a second factor is due (None: straight in)."""
    if not factors.needs_second_factor(user):
        return None
    payload: dict[str, Any] = {"uid": user.id, "fp": _fingerprint(user), "next": target}
    if user.totp_secret is None:
        payload["secret"] = factors.new_secret()
    value = sealed.seal(
        settings_of(request).secret_key, PENDING_PURPOSE, payload, max_age=PENDING_SECONDS
    )
    step = "/login/enrol" if "secret" in payload else "/login/code"
    return Redirect(path=step, status_code=303, cookies=[_pending_cookie(value)])


async def _pending(request: Request[Any, Any, State], db_session: AsyncSession) -> Pending | None:
    payload = sealed.unseal(
        settings_of(request).secret_key, PENDING_PURPOSE, request.cookies.get(PENDING_COOKIE, "")
    )
    if payload is None or not isinstance(payload.get("uid"), int):
        return None
    user = await db_session.get(User, payload["uid"])
    if user is None or not user.active or payload.get("fp") != _fingerprint(user):
        return None
    secret = payload.get("secret")
    return Pending(user, safe_next(str(payload.get("next") or "")), secret if secret else None)


def _restart(request: Request[Any, Any, Any]) -> Redirect:
    """Back to the password form: the half-done sign-in expired or was never there."""
    return Redirect(path="/login", status_code=303, cookies=[_pending_cookie("", max_age=0)])


def _code_form(
    request: Request[Any, Any, Any], *, error: str = "", status_code: int = 200
) -> Template:
    return page(request, "dashboard/login_code.html", status_code=status_code, error=error)


def _enrol_form(
    request: Request[Any, Any, Any],
    pending: Pending,
    *,
    error: str = "",
    status_code: int = 200,
) -> Template:
    _ = gettext_for(request)
    assert pending.secret is not None
    uri = factors.provisioning_uri(pending.secret, pending.user.email)
    qr = factors.qr_svg(uri, _("QR code for your authenticator app"))
    grouped = " ".join(pending.secret[i : i + 4] for i in range(0, len(pending.secret), 4))
    return page(
        request,
        "dashboard/login_enrol.html",
        status_code=status_code,
        error=error,
        qr=Markup(qr),  # noqa: S704 - segno's SVG of our own otpauth address, no user markup
        secret=grouped,
    )


def _refused_cross_site(request: Request[Any, Any, Any]) -> Template:
    _ = gettext_for(request)
    return _code_form(
        request,
        error=_(
            "This sign-in was sent from another website and is refused. "
            "Open this service's sign-in page yourself and try again."
        ),
        status_code=403,
    )


@get("/login/code", include_in_schema=False)
async def code_page(
    request: Request[Any, Any, State], db_session: DbSession
) -> Template | Redirect:
    """Ask for the authenticator's code (or a recovery code)."""
    pending = await _pending(request, db_session)
    if pending is None or pending.secret is not None:
        return _restart(request)
    return _code_form(request)


@post("/login/code", include_in_schema=False)
async def code_submit(
    request: Request[Any, Any, State], db_session: DbSession
) -> Template | Redirect:
    """Check the code; on success the session starts and the user goes where they were going."""
    if cross_site(request):
        return _refused_cross_site(request)
    pending = await _pending(request, db_session)
    if pending is None or pending.secret is not None:
        return _restart(request)
    _ = gettext_for(request)
    throttle: GuessThrottle = request.app.state[FACTOR_THROTTLE_STATE_KEY]
    account = f"user:{pending.user.id}"
    if await throttle.blocked(account, "factor"):
        return _code_form(
            request,
            error=_("Too many wrong codes. Wait a quarter of an hour and try again."),
            status_code=429,
        )
    form = await request.form()
    code = str(form.get("code") or "")[: factors.MAX_CODE_LENGTH + 1]
    settings = settings_of(request)
    try:
        accepted = await factors.check_code(
            db_session, user=pending.user, code=code, secret_key=settings.secret_key
        )
    except factors.UnreadableSecret:
        log.warning("factor_unreadable", user_id=pending.user.id)
        return _code_form(
            request,
            error=_(
                "Your authenticator can no longer be checked here (the service's key has "
                "changed). Ask an administrator to reset your second factor."
            ),
            status_code=409,
        )
    if not accepted:
        await db_session.rollback()  # a wrong code writes nothing (the user row is expired now)
        await throttle.failed(account, "factor")
        log.info("factor_failed", account=account)
        return _code_form(
            request,
            error=_("That code is not right, or it was used already. Try the next one."),
            status_code=401,
        )
    token = await start_web_session(db_session, user=pending.user, hours=settings.session_hours)
    await db_session.commit()
    log.info("signed_in", user_id=pending.user.id, factor=True)
    return Redirect(path=pending.target, status_code=303, cookies=finished_cookies(request, token))


@get("/login/enrol", include_in_schema=False)
async def enrol_page(
    request: Request[Any, Any, State], db_session: DbSession
) -> Template | Redirect:
    """The first sign-in of an admin or coordinator: set up the authenticator app."""
    pending = await _pending(request, db_session)
    if pending is None or pending.secret is None or pending.user.totp_secret is not None:
        return _restart(request)
    return _enrol_form(request, pending)


@post("/login/enrol", include_in_schema=False)
async def enrol_submit(
    request: Request[Any, Any, State], db_session: DbSession
) -> Template | Redirect:
    """Keep the authenticator once a code from it is right; show the recovery codes once."""
    if cross_site(request):
        return _refused_cross_site(request)
    pending = await _pending(request, db_session)
    if pending is None or pending.secret is None or pending.user.totp_secret is not None:
        return _restart(request)
    _ = gettext_for(request)
    throttle: GuessThrottle = request.app.state[FACTOR_THROTTLE_STATE_KEY]
    account = f"user:{pending.user.id}"
    if await throttle.blocked(account, "factor"):
        return _enrol_form(
            request,
            pending,
            error=_("Too many wrong codes. Wait a quarter of an hour and try again."),
            status_code=429,
        )
    form = await request.form()
    code = str(form.get("code") or "")[: factors.MAX_CODE_LENGTH + 1]
    settings = settings_of(request)
    codes = await factors.enrol(
        db_session,
        user=pending.user,
        secret=pending.secret,
        code=code,
        secret_key=settings.secret_key,
    )
    if codes is None:
        await throttle.failed(account, "factor")
        return _enrol_form(
            request,
            pending,
            error=_("That code is not right. Type the six digits your app shows now."),
            status_code=400,
        )
    token = await start_web_session(db_session, user=pending.user, hours=settings.session_hours)
    await db_session.commit()
    log.info("factor_enrolled", user_id=pending.user.id)
    return page(
        request,
        "dashboard/login_recovery.html",
        codes=codes,
        target=pending.target,
        cookies=finished_cookies(request, token),
    )
