"""``/login/oidc`` and ``/login/oidc/callback``: signing in with the organisation's account.

``/login/oidc`` starts an authorization request (``dispatch.security.oidc``) and keeps its state,
nonce and PKCE verifier in a sealed ten-minute cookie, ``bv_oidc``, before sending the browser to
the identity provider. The callback takes the cookie (once: it is cleared whatever happens),
compares the returned ``state`` with it in constant time, and only then lets the code be
exchanged. The cookie is ``SameSite=Lax`` so that it comes back with the provider's redirect (a
top-level GET), and only this browser has it: a code and state sent to someone else's browser
sign no one in. Every refusal is a page in the person's language saying why, and no session.
"""

from __future__ import annotations

import hmac
from typing import Any

import structlog
from litestar import Request, get
from litestar.datastructures import Cookie, State
from litestar.response import Redirect, Template

from dispatch.db.session import DbSession
from dispatch.security import sealed
from dispatch.security.oidc import OidcClient, SignInRefused, role_from_claims, sign_in_user
from dispatch.security.service import start_web_session
from dispatch.web.auth import safe_next, settings_of
from dispatch.web.render import gettext_for, page
from dispatch.web.second_factor import finished_cookies

log = structlog.get_logger("dispatch.web")

OIDC_STATE_KEY = "dispatch_oidc"
"""Where the app keeps its ``OidcClient`` (None without ``DISPATCH_OIDC_ISSUER``)."""
STATE_COOKIE = "bv_oidc"
STATE_PURPOSE = "oidc-authorization"
STATE_SECONDS = 600
CALLBACK = "/login/oidc/callback"


def _state_cookie(value: str, *, max_age: int = STATE_SECONDS) -> Cookie:
    return Cookie(
        key=STATE_COOKIE,
        value=value,
        path=CALLBACK,
        max_age=max_age,
        httponly=True,
        secure=True,
        samesite="lax",
    )


def _client(request: Request[Any, Any, State]) -> OidcClient | None:
    client: OidcClient | None = request.app.state.get(OIDC_STATE_KEY)
    return client


def _redirect_uri(request: Request[Any, Any, Any]) -> str:
    return settings_of(request).base_url.rstrip("/") + CALLBACK


def _why(request: Request[Any, Any, Any], reason: str) -> str:
    _ = gettext_for(request)
    reasons = {
        "not_configured": _("Single sign-on is not set up for this service."),
        "state": _(
            "This sign-in did not start here, has expired or was altered on the way. "
            "Start again from the sign-in page."
        ),
        "provider": _("Your organisation's sign-in service did not let you in."),
        "unavailable": _(
            "Your organisation's sign-in service cannot be reached. Try again in a few minutes."
        ),
        "token": _(
            "The answer from your organisation's sign-in service could not be verified, so it "
            "was not trusted. Start again from the sign-in page."
        ),
        "no_role": _(
            "Your account has no role in this service (admin, coordinator, translator or "
            "viewer). Ask whoever manages access in your organisation to give you one."
        ),
        "email_taken": _(
            "An account with your e-mail address already signs in here with a password, and "
            "it is not joined to your organisation's account by itself. Ask an administrator."
        ),
        "inactive": _("Your account in this service is switched off."),
    }
    return reasons.get(reason, reasons["token"])


def _refused(request: Request[Any, Any, Any], reason: str, status_code: int) -> Template:
    """The page saying why there is no session, with the state cookie cleared."""
    log.info("sso_refused", reason=reason)
    return page(
        request,
        "dashboard/login_refused.html",
        status_code=status_code,
        detail=_why(request, reason),
        cookies=[_state_cookie("", max_age=0)],
    )


@get("/login/oidc", include_in_schema=False)
async def sso_start(request: Request[Any, Any, State]) -> Template | Redirect:
    """Send the browser to the identity provider with a new state, nonce and PKCE challenge."""
    client = _client(request)
    if client is None:
        return _refused(request, "not_configured", 404)
    try:
        started = await client.start(_redirect_uri(request))
    except SignInRefused as exc:
        log.warning("sso_unavailable", detail=exc.detail)
        return _refused(request, exc.reason, 503)
    kept = {
        "state": started.state,
        "nonce": started.nonce,
        "verifier": started.code_verifier,
        "next": safe_next(request.query_params.get("next")),
    }
    value = sealed.seal(settings_of(request).secret_key, STATE_PURPOSE, kept, max_age=STATE_SECONDS)
    return Redirect(path=started.url, status_code=302, cookies=[_state_cookie(value)])


@get(CALLBACK, include_in_schema=False)
async def sso_callback(
    request: Request[Any, Any, State], db_session: DbSession
) -> Template | Redirect:
    """Check what came back and, for a person with a known role, start a session."""
    client = _client(request)
    if client is None:
        return _refused(request, "not_configured", 404)
    settings = settings_of(request)
    kept = sealed.unseal(settings.secret_key, STATE_PURPOSE, request.cookies.get(STATE_COOKIE, ""))
    state = request.query_params.get("state") or ""
    if kept is None or not hmac.compare_digest(state.encode(), str(kept["state"]).encode()):
        return _refused(request, "state", 400)
    if request.query_params.get("error"):
        log.info("sso_provider_error", error=request.query_params.get("error", "")[:100])
        return _refused(request, "provider", 403)
    code = request.query_params.get("code") or ""
    if not code or len(code) > 2000:
        return _refused(request, "state", 400)
    try:
        claims = await client.finish(
            code=code,
            code_verifier=str(kept["verifier"]),
            nonce=str(kept["nonce"]),
            redirect_uri=_redirect_uri(request),
        )
        role = role_from_claims(
            claims, claim=settings.oidc_roles_claim, roles=settings.oidc_roles()
        )
        if role is None:
            raise SignInRefused("no_role")
        user = await sign_in_user(db_session, issuer=client.issuer, claims=claims, role=role)
    except SignInRefused as exc:
        await db_session.rollback()
        if exc.detail and exc.reason in {"token", "unavailable"}:
            log.warning("sso_token_refused", detail=exc.detail[:300])
        return _refused(request, exc.reason, 503 if exc.reason == "unavailable" else 403)
    token = await start_web_session(db_session, user=user, hours=settings.session_hours)
    await db_session.commit()
    log.info("signed_in", user_id=user.id, via="oidc")
    cookies = [*finished_cookies(request, token), _state_cookie("", max_age=0)]
    return Redirect(path=safe_next(str(kept.get("next") or "")), status_code=303, cookies=cookies)
