"""The API documentation at ``/schema`` works without internet: Chromium, with every request
to another host refused, shows the viewer and the operations."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Browser, Route, expect

from tests.e2e.conftest import Server, Shots

SECONDS = 1000


def test_the_api_documentation_needs_no_internet(
    browser: Browser, server: Server, shots: Shots
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    refused: list[str] = []

    def only_this_server(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    page = context.new_page()
    page.goto(f"{server.base}/schema")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Beredskapsvarsling", timeout=20 * SECONDS
    )
    expect(page.get_by_text("/api/v1/incidents/preview", exact=True)).to_be_visible()
    shots(page, "api-documentation-offline")
    assert refused == [], f"the documentation reached for other hosts: {refused}"
    context.close()
