"""The coordinator's dashboard: server-rendered pages (Jinja, HTMX) behind ``/login``.

``routes()`` gives the sign-in routes, the pages' router and the static files; the app factory
mounts them. The pages live at the site's root (``/``, ``/incidents/{id}``, ``/directory`` …)
beside the public ``/ack``, ``/packs/{slug}`` and ``/webhooks`` routes and ``/api/v1``, and use
the same service functions and role guards as the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response, Router
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.middleware import DefineMiddleware
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from dispatch.errors import DomainError
from dispatch.problems import refuse_impossible_input
from dispatch.security.oidc import client_for
from dispatch.security.throttle import Counter, GuessThrottle
from dispatch.settings import Settings
from dispatch.web.alert_templates import TemplatePages
from dispatch.web.auth import DASHBOARD, SessionAuthMiddleware, require_csrf, to_login
from dispatch.web.changes import ChangePages
from dispatch.web.channels import ChannelPages
from dispatch.web.declare_template import DeclareFromTemplate
from dispatch.web.directory import DirectoryPages
from dispatch.web.inbox import InboxPages
from dispatch.web.incident_messages import IncidentMessagePages
from dispatch.web.incidents import IncidentPages
from dispatch.web.login import login, login_page, logout
from dispatch.web.meetings import MeetingPages
from dispatch.web.packs import PackPages
from dispatch.web.render import DashboardRequest, language_of, page
from dispatch.web.second_factor import (
    FACTOR_THROTTLE_STATE_KEY,
    code_page,
    code_submit,
    enrol_page,
    enrol_submit,
)
from dispatch.web.sso import OIDC_STATE_KEY, sso_callback, sso_start
from dispatch.web.template_new import NewTemplatePage
from translations.catalog import translator

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _error_page(request: Request[Any, Any, Any], status: int, detail: str) -> Response[Any]:
    return page(request, "dashboard/error.html", status_code=status, status=status, detail=detail)


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    detail, _ = exc.in_language(translator(language_of(request)))
    return _error_page(request, exc.status_code, detail)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ValidationException):
        return _error_page(request, 400, "The address of this page has a value we cannot use.")
    return _error_page(request, exc.status_code, exc.detail)


async def _before_request(request: DashboardRequest) -> None:
    """The app's own check of impossible input (a router's hook replaces the app's), then the
    dashboard's CSRF check."""
    await refuse_impossible_input(request)
    await require_csrf(request)


def routes() -> list[ControllerRouterHandler]:
    """Everything the dashboard adds to the app."""
    dashboard = Router(
        path=DASHBOARD,
        route_handlers=[
            IncidentPages,
            DeclareFromTemplate,
            IncidentMessagePages,
            DirectoryPages,
            InboxPages,
            PackPages,
            NewTemplatePage,
            TemplatePages,
            ChangePages,
            MeetingPages,
            ChannelPages,
        ],
        middleware=[DefineMiddleware(SessionAuthMiddleware)],
        before_request=_before_request,
        exception_handlers={
            NotAuthorizedException: to_login,
            HTTPException: _http_error,
            DomainError: _domain_error,
        },
        include_in_schema=False,
    )
    static = create_static_files_router(
        path="/static",
        directories=[STATIC],
        include_in_schema=False,
        cache_control=None,
    )
    sign_in = [login_page, login, logout, code_page, code_submit, enrol_page, enrol_submit]
    return [*sign_in, sso_start, sso_callback, dashboard, static]


def sign_in_state(settings: Settings, counter: Counter) -> dict[str, Any]:
    """What the sign-in pages keep in the app's state: the OpenID client (if single sign-on is
    set up) and the per-account throttle of wrong authenticator codes."""
    return {
        OIDC_STATE_KEY: client_for(settings),
        FACTOR_THROTTLE_STATE_KEY: GuessThrottle(
            counter, secret=settings.secret_key, limit=5, window=900
        ),
    }
