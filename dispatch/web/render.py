"""Rendering dashboard pages: the language, the shared context, and the security headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import MediaType, Request
from litestar.datastructures import Cookie, State
from litestar.response import Template

from dispatch.delivery.ports import Enqueuer
from dispatch.errors import DomainError
from dispatch.requests import ENQUEUER_STATE_KEY
from dispatch.security.models import Role
from dispatch.security.service import Principal
from dispatch.web.auth import WebAuth, settings_of
from translations.catalog import Translator, translator
from translations.locales import (
    format_datetime_local,
    format_duration_local,
    language_name,
    text_direction,
)
from translations.text import field_of, say

LANG_COOKIE = "bv_lang"
LANGUAGES = ("nb", "nn", "en")
"""The dashboard's own languages: those whose catalogs hold every message."""
DEFAULT_LANGUAGE = "nb"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",  # the dashboard's own links may say where they came from
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
}
DashboardRequest = Request[Principal, WebAuth, State]


def language_of(request: Request[Any, Any, Any]) -> str:
    """``?lang=`` if it names a dashboard language, else the remembered choice, else bokmål."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    remembered = request.cookies.get(LANG_COOKIE)
    return remembered if remembered in LANGUAGES else DEFAULT_LANGUAGE


def _language_name(tag: str, display_in: str) -> str:
    try:
        return language_name(tag, display_in)
    except ValueError:
        return tag


def _direction(tag: str) -> str:
    try:
        return text_direction(tag)
    except ValueError:
        return "auto"


def gettext_for(request: Request[Any, Any, Any]) -> Callable[..., str]:
    """The page language's ``gettext``, for messages built outside a template."""
    return translator(language_of(request)).gettext


@dataclass(slots=True)
class Problems:
    """A refused form's reasons in the page's language: the summary above the form, and each
    reason beside the field it is about."""

    summary: str
    items: list[str]
    by_field: dict[str, list[str]] = field(default_factory=dict)

    def at(self, name: str) -> list[str]:
        """The reasons about the field ``name``."""
        return self.by_field.get(name, [])

    @classmethod
    def of(cls, error: DomainError, t: Translator) -> Problems:
        summary, items = error.in_language(t)
        by_field: dict[str, list[str]] = {}
        for raw, said in zip(error.errors, items, strict=True):
            if name := field_of(raw):
                by_field.setdefault(name, []).append(said)
        if not error.errors and (name := field_of(error.detail)):
            by_field[name] = [summary]  # one reason, about one field (an address taken)
        return cls(summary=summary, items=items, by_field=by_field)


def can(principal: Principal | None, *roles: Role) -> bool:
    """Whether the principal holds one of ``roles`` (admin always does); for showing controls."""
    return principal is not None and principal.role in {Role.ADMIN, *roles}


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    cookies: list[Cookie] | None = None,
    **context: Any,
) -> Template:
    """A dashboard template with what every page uses: ``_``, the user, the CSRF token, …"""
    lang = language_of(request)
    t = translator(lang)
    user = request.scope.get("user")
    principal = user if isinstance(user, Principal) else None
    auth = request.scope.get("auth")
    settings = settings_of(request)

    def when(moment: datetime | None, style: str = "short") -> str:
        return format_datetime_local(moment, lang, format=style) if moment else ""

    shared = {
        "_": t.gettext,
        "ngettext": t.ngettext,
        "lang": lang,
        "languages": [(tag, language_name(tag, tag)) for tag in LANGUAGES],
        "language_name": lambda tag: _language_name(tag, lang),
        "direction": _direction,
        "when": when,
        "duration": lambda seconds: format_duration_local(seconds, lang),
        "user": principal,
        "csrf": auth.csrf if isinstance(auth, WebAuth) else "",
        "path": request.url.path,
        "can_write": can(principal, Role.COORDINATOR),
        "can_see_people": can(principal, Role.COORDINATOR),
        "can_translate": can(principal, Role.COORDINATOR, Role.TRANSLATOR),
        "sandbox": settings.smtp_host == "" or settings.twilio_account_sid == "",
        "Role": Role,
        "say": lambda text: say(text, t),
    }
    error = context.get("error")
    if isinstance(error, DomainError):
        shared["problems"] = Problems.of(error, t)
    cookies = list(cookies or [])
    if request.query_params.get("lang") in LANGUAGES:
        cookies.append(
            Cookie(
                key=LANG_COOKIE,
                value=lang,
                path="/",
                max_age=365 * 24 * 3600,
                samesite="lax",
                secure=True,
            )
        )
    return Template(
        template_name=template,
        context={**shared, **context},
        status_code=status_code,
        # Handlers that may answer a page or a redirect are typed ``Any``, which Litestar would
        # answer as JSON: every dashboard page says it is HTML.
        media_type=MediaType.HTML,
        headers={**HEADERS, **(headers or {})},
        cookies=cookies,
    )


def enqueue(request: Request[Any, Any, Any], ids: list[int]) -> None:
    """Hand the delivery ids a dashboard action wrote to the queue."""
    if ids:
        enqueuer: Enqueuer = request.app.state[ENQUEUER_STATE_KEY]
        enqueuer.enqueue(ids)
