"""The application factory: the composition root that wires settings, database and routes."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from dispatch import logging as app_logging
from dispatch.db.engine import create_engine, create_sessionmaker
from dispatch.db.session import SESSIONMAKER_STATE_KEY, provide_db_session
from dispatch.directory.api import (
    ContactController,
    DirectoryImportController,
    NetworkController,
    OrganisationController,
)
from dispatch.health import health, ready
from dispatch.problems import EXCEPTION_HANDLERS
from dispatch.security.guards import TokenAuthMiddleware
from dispatch.settings import Settings, get_settings

API_PREFIX = "/api/v1"
ENGINE_STATE_KEY = "dispatch_engine"


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the ASGI app for the given settings (the environment's by default)."""
    settings = settings or get_settings()
    app_logging.configure(level=settings.log_level, json=settings.log_json)
    engine = create_engine(settings.database_url)
    api = Router(
        path=API_PREFIX,
        route_handlers=[
            NetworkController,
            OrganisationController,
            ContactController,
            DirectoryImportController,
        ],
        middleware=[DefineMiddleware(TokenAuthMiddleware)],
        security=[{"bearer": []}],
    )
    return Litestar(
        route_handlers=[health, ready, api],
        dependencies={"db_session": Provide(provide_db_session)},
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Beredskapsvarsling",
            version="1",
            description="Emergency alerts for the NIK, NONEMI and NIFS networks.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
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
                SESSIONMAKER_STATE_KEY: create_sessionmaker(engine),
            }
        ),
        logging_config=None,
        on_shutdown=[engine.dispose],
        debug=False,
    )
