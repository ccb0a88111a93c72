"""The application factory: the composition root that wires settings, database and routes."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.routes import HTTPRoute
from litestar.template.config import TemplateConfig
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch import api_docs, serving, wiring
from dispatch import logging as app_logging
from dispatch.acks.api import (
    AcknowledgementController,
    FieldReportController,
    ProgressController,
)
from dispatch.acks.pages import ack_page, ack_submit
from dispatch.alert_templates.api import TemplateController
from dispatch.campaigns.api import CampaignController
from dispatch.campaigns.pages import confirm_page, confirm_submit
from dispatch.changes.api import ChangeRequestController
from dispatch.changes.pages import changes_page, changes_submit
from dispatch.db.direct import DIRECT_STATE_KEY, DirectPool, dsn_of
from dispatch.db.engine import create_engine, create_sessionmaker
from dispatch.db.session import SESSIONMAKER_STATE_KEY, provide_db_session
from dispatch.delivery.api import SandboxController
from dispatch.delivery.ports import Enqueuer
from dispatch.directory.api import (
    ContactController,
    DirectoryImportController,
    NetworkController,
    OrganisationController,
)
from dispatch.exercises.api import ExerciseController
from dispatch.headers import SecuredLitestar
from dispatch.health import health, metrics, ready
from dispatch.inbound.api import SandboxReplies
from dispatch.incidents.api import IncidentController
from dispatch.lengths import document_lengths
from dispatch.meetings.api import CallInController, MeetingController
from dispatch.meetings.pages import answer_page, answer_submit, calendar_download
from dispatch.newsletters.api import NewsletterController
from dispatch.newsletters.pages import (
    contribute_page,
    contribute_submit,
    unsubscribe_page,
    unsubscribe_submit,
)
from dispatch.packs.api import PackController
from dispatch.packs.archive import PACK_ZIPS_STATE_KEY, ZipCache
from dispatch.packs.pages import pack_index, pack_page, pack_passed_on
from dispatch.privacy.api import PrivacyByAddressController, PrivacyController
from dispatch.problems import (
    EXCEPTION_HANDLERS,
    document_problems,
    refuse_impossible_input,
)
from dispatch.providers.api import COUNTERS_STATE_KEY, SmsProviderController
from dispatch.reports.api import ReportController
from dispatch.requests import CHANNELS_STATE_KEY, ENQUEUER_STATE_KEY, ROUTER_STATE_KEY
from dispatch.security import throttle
from dispatch.security.guards import TokenAuthMiddleware
from dispatch.security.signin import SignInLimits
from dispatch.settings import Settings, get_settings
from dispatch.web import TEMPLATES as DASHBOARD_TEMPLATES
from dispatch.web import routes as dashboard_routes
from dispatch.web import sign_in_state
from dispatch.web.login import SIGNIN_STATE_KEY
from dispatch.webhooks.api import (
    SOURCES_STATE_KEY,
    ProviderWebhookController,
)
from translations.catalog import ensure_compiled
from translations.text import Text

HERE = Path(__file__).parent
API_PREFIX = "/api/v1"
PUBLIC_MAX_BODY = 64 * 1024
"""Public routes (member pages, webhooks) refuse larger bodies with 413 before reading them."""
MAX_BODY = 1024 * 1024
"""What signed-in routes accept; only the directory import takes more (its own limit)."""
ENGINE_STATE_KEY = "dispatch_engine"


def _json_bodies(app: Litestar) -> dict[tuple[str, str], Any]:
    """(OpenAPI path, method) → the type of the operation's ``data``, for every route with one."""
    bodies: dict[tuple[str, str], Any] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is None:
                continue
            for method in handler.http_methods:
                bodies[(path, method)] = data.annotation
    return bodies


def _serve_mail_in(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueuer: Enqueuer,
    on_startup: list[Any],
    on_shutdown: list[Any],
) -> None:
    """On the embedded default, ``dispatch mail-in`` runs inside the server's event loop, as the
    workers run inside its process."""
    running: list[tuple[asyncio.Server, Any]] = []

    async def start() -> None:
        running.append(
            await serving.start_mail_in(
                settings,
                sessionmaker,
                enqueuer,
                host=settings.mail_in_host,
                port=settings.mail_in_port,
            )
        )

    async def stop() -> None:
        for server, counter in running:
            server.close()
            await server.wait_closed()
            await counter.close()

    on_startup.append(start)
    on_shutdown.insert(0, stop)


def create_app(settings: Settings | None = None, *, enqueuer: Enqueuer | None = None) -> Litestar:
    """Build the ASGI app for the given settings (the environment's by default).

    With ``enqueuer`` given, delivery ids go there and no workers start (tests of the API
    alone); otherwise the embedded broker starts worker threads, or Redis receives the ids.
    """
    settings = settings or get_settings()
    app_logging.configure(level=settings.log_level, json=settings.log_json)
    ensure_compiled()
    engine = create_engine(settings.database_url, pool_size=settings.api_pool_size)
    on_startup: list[Any] = []
    on_shutdown: list[Any] = []
    embedded = None
    if enqueuer is None:
        if settings.embedded_broker:
            from workers.embedded import EmbeddedWorkers

            embedded = EmbeddedWorkers(settings)
            enqueuer = embedded.enqueuer
            on_startup.append(embedded.start)
            on_shutdown.append(embedded.stop)
        else:
            from workers.broker import DramatiqEnqueuer, build_broker

            enqueuer = DramatiqEnqueuer(build_broker(settings.broker_url))
    on_shutdown.append(engine.dispose)
    sessionmaker = create_sessionmaker(engine)
    # One-statement public hot paths (acknowledgements) on PostgreSQL: no ping, no session.
    direct_state: dict[str, Any] = {}
    if (dsn := dsn_of(settings.database_url)) is not None:
        direct = DirectPool(dsn, max_size=settings.api_pool_size)
        on_shutdown.append(direct.close)
        direct_state[DIRECT_STATE_KEY] = direct
    if embedded is not None and settings.inbound_mail_domain:
        _serve_mail_in(settings, sessionmaker, embedded.enqueuer, on_startup, on_shutdown)
    # The providers' own view of their webhooks (signatures, reports, inbound messages).
    providers = wiring.channels(settings, sessionmaker)
    on_shutdown.append(providers.close)
    counters = wiring.health_counters(settings)
    on_shutdown.append(counters.close)
    api = Router(
        path=API_PREFIX,
        route_handlers=[
            NetworkController,
            OrganisationController,
            ContactController,
            PrivacyController,
            PrivacyByAddressController,
            DirectoryImportController,
            IncidentController,
            ExerciseController,
            AcknowledgementController,
            ProgressController,
            FieldReportController,
            PackController,
            TemplateController,
            ReportController,
            CampaignController,
            ChangeRequestController,
            NewsletterController,
            MeetingController,
            CallInController,
            SandboxController,
            SandboxReplies,
            SmsProviderController,
        ],
        middleware=[DefineMiddleware(TokenAuthMiddleware)],
        security=[{"bearer": []}],
    )
    # The public endpoints: capped per client, and failed guesses counted (dispatch.throttle).
    counter = throttle.build_counter(settings)
    on_shutdown.append(counter.close)
    public = Router(
        path="/",
        route_handlers=[
            ProviderWebhookController,
            ack_page,
            ack_submit,
            pack_index,
            pack_page,
            pack_passed_on,
            confirm_page,
            confirm_submit,
            changes_page,
            changes_submit,
            unsubscribe_page,
            unsubscribe_submit,
            contribute_page,
            contribute_submit,
            answer_page,
            answer_submit,
            calendar_download,
        ],
        request_max_body_size=PUBLIC_MAX_BODY,
        middleware=[DefineMiddleware(throttle.PublicRateLimit, secret=settings.secret_key)],
    )
    observability = Router(
        path="/",
        route_handlers=[metrics],
        middleware=[DefineMiddleware(TokenAuthMiddleware)],
        security=[{"bearer": []}],
    )
    app = SecuredLitestar(
        route_handlers=[
            health,
            ready,
            observability,
            api,
            public,
            api_docs.assets(),
            *dashboard_routes(),
        ],
        template_config=TemplateConfig(
            directory=[
                HERE / "acks" / "templates",
                HERE / "campaigns" / "templates",
                HERE / "changes" / "templates",
                HERE / "newsletters" / "templates",
                HERE / "meetings" / "templates",
                DASHBOARD_TEMPLATES,
            ],
            engine=JinjaTemplateEngine,
        ),
        dependencies={"db_session": Provide(provide_db_session)},
        exception_handlers=EXCEPTION_HANDLERS,
        # msgspec does not encode str subclasses: a ``Text`` left in a body is its English.
        # Controllers that answer reasons say them in the caller's language first.
        type_encoders={Text: str},
        before_request=refuse_impossible_input,
        request_max_body_size=MAX_BODY,
        openapi_config=OpenAPIConfig(
            title="Beredskapsvarsling",
            version="1",
            description="Emergency alerts for the NIK, NONEMI and NIFS networks.",
            path="/schema",
            render_plugins=[api_docs.viewer()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", description="API token")
                }
            ),
        ),
        state=State(
            {
                "settings": settings,
                ENGINE_STATE_KEY: engine,
                SESSIONMAKER_STATE_KEY: sessionmaker,
                CHANNELS_STATE_KEY: providers,
                COUNTERS_STATE_KEY: counters,
                ROUTER_STATE_KEY: wiring.inbound_router(),
                SOURCES_STATE_KEY: wiring.message_sources(sender=settings.email_from),
                ENQUEUER_STATE_KEY: enqueuer,
                throttle.NUMBERS_STATE_KEY: throttle.WindowNumbers(
                    counter, limit=settings.public_requests_per_minute
                ),
                throttle.THROTTLE_STATE_KEY: throttle.GuessThrottle(
                    counter, secret=settings.secret_key
                ),
                SIGNIN_STATE_KEY: SignInLimits(counter, secret=settings.secret_key),
                PACK_ZIPS_STATE_KEY: ZipCache(),
                **sign_in_state(settings, counter),
                **direct_state,
            }
        ),
        logging_config=None,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        debug=False,
    )
    app.security_tls = settings.base_url.startswith("https://")
    document_problems(app.openapi_schema)
    document_lengths(app.openapi_schema, _json_bodies(app))
    return app
