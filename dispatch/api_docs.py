"""The API documentation's viewer (Swagger UI at ``/schema``), served from this process.

The viewer's scripts, stylesheet and icon come from the ``swagger-ui-py`` package, which ships
Swagger UI's release files, so the documentation works without internet (a closed network, a
laptop on a train) and nothing is copied into this repository. Litestar's own default would load
them from a CDN.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router

ASSETS_PATH = "/schema-assets"


def _package_folder(name: str) -> Path:
    # Found without importing it: the package's own code (handlers for other frameworks) is
    # not needed, only the files it ships.
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {name} package is not installed (it ships the API docs viewer)")
    return Path(next(iter(spec.submodule_search_locations)))


ASSETS = _package_folder("swagger_ui") / "static"
"""Swagger UI's files as ``swagger-ui-py`` ships them (``swagger-ui-bundle.js``, …)."""


def viewer() -> SwaggerRenderPlugin:
    """Swagger UI at ``/schema``, every file it loads from ``ASSETS_PATH``."""
    return SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )


def assets() -> Router:
    """The viewer's files, as the package ships them."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[ASSETS],
        include_in_schema=False,
        cache_control=None,
        name="api_docs_assets",
    )
