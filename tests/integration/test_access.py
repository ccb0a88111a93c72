"""Who may do what: 401 for an unknown caller, 403 for a known caller without the right."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.audit.service import Actor
from dispatch.db.base import utcnow
from dispatch.security.guards import RoleGuard
from dispatch.security.models import ApiToken, Role
from dispatch.security.service import create_token, revoke_token
from tests.conftest import ClientFactory

Client = httpx.AsyncClient

PUBLIC = {"/health", "/health/ready", "/schema"}
"""Token routes outside ``/api/v1`` that need no token."""
_PARAM = re.compile(r"\{(\w+):(\w+)\}")


def token_routes(app: Litestar) -> list[tuple[str, str, frozenset[Role]]]:
    """Every (method, path, allowed roles) of the API token routes, read from the app itself,
    so a route added later is in the matrix without anyone remembering to list it."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        if not (route.path.startswith("/api/v1") or route.path == "/metrics"):
            continue
        path = _PARAM.sub(lambda m: "1" if m.group(2) == "int" else "x", route.path)
        for handler in route.route_handlers:
            guards = [
                g
                for layer in handler.ownership_layers
                for g in (layer.guards or [])
                if isinstance(g, RoleGuard)
            ]
            for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"}):
                assert len(guards) == 1, f"{method} {route.path} has no role guard"
                found.append((method, path, guards[0].allowed))
    return found


async def test_every_route_checks_the_token_and_the_role(
    app: Litestar, make_client: ClientFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The matrix: every API route × no token, a revoked and an expired token, and each role.
    The database is empty, so an allowed call finds nothing to change (404 or 422)."""
    async with sessionmaker() as session, session.begin():
        row, revoked = await create_token(session, name="r", role=Role.ADMIN, actor=Actor("t"))
        _, expired = await create_token(
            session,
            name="e",
            role=Role.ADMIN,
            actor=Actor("t"),
            expires_at=utcnow() - timedelta(seconds=1),
        )
    async with sessionmaker() as session, session.begin():
        await revoke_token(session, token_id=row.id, actor=Actor("t"))
    routes = token_routes(app)
    assert len(routes) >= 50
    clients = {role: await make_client(role) for role in Role}
    anonymous = await make_client(None)
    checked = 0
    for method, path, allowed in routes:
        assert await _call(anonymous, method, path) == 401, f"{method} {path} without a token"
        for token in (revoked, expired):
            headers = {"Authorization": f"Bearer {token}"}
            status = (await anonymous.request(method, path, headers=headers)).status_code
            assert status == 401, f"{method} {path} with a dead token gave {status}"
        for role, client in clients.items():
            status = await _call(client, method, path)
            assert status != 401, f"{role} was not recognised on {method} {path}"
            if role in allowed:
                assert status != 403, f"{role} was refused {method} {path}"
                assert status < 500, f"{role}: {method} {path} gave {status}"
            else:
                assert status == 403, f"{role} got {status} for {method} {path}"
            checked += 1
    print(f"\nauthorization matrix: {len(routes)} routes, {checked} role calls")


async def _call(client: Client, method: str, path: str) -> int:
    body = {} if method in ("POST", "PUT", "PATCH") else None
    response = await client.request(method, path, json=body)
    return response.status_code


async def test_401_and_403_are_problem_details_that_say_what_to_do(
    anonymous_client: Client, viewer_client: Client
) -> None:
    missing = await anonymous_client.get("/api/v1/contacts")
    assert missing.status_code == 401
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "dispatch token create" in missing.json()["detail"]

    wrong = await anonymous_client.get(
        "/api/v1/contacts", headers={"Authorization": "Bearer bv_not-a-real-token-at-all"}
    )
    assert wrong.status_code == 401
    assert "unknown, expired or revoked" in wrong.json()["detail"]

    forbidden = await viewer_client.get("/api/v1/contacts")
    assert forbidden.status_code == 403
    assert "Your role 'viewer' may not do this" in forbidden.json()["detail"]


async def test_revoked_and_expired_tokens_stop_working(
    anonymous_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session, session.begin():
        revoked_row, revoked = await create_token(
            session, name="old script", role=Role.ADMIN, actor=Actor("test")
        )
        _, expired = await create_token(
            session,
            name="temp",
            role=Role.ADMIN,
            actor=Actor("test"),
            expires_at=utcnow() - timedelta(seconds=1),
        )
        _, valid = await create_token(
            session,
            name="current",
            role=Role.ADMIN,
            actor=Actor("test"),
            expires_at=utcnow() + timedelta(hours=1),
        )
    async with sessionmaker() as session, session.begin():
        await revoke_token(session, token_id=revoked_row.id, actor=Actor("test"))

    for token, expected in ((revoked, 401), (expired, 401), (valid, 200)):
        response = await anonymous_client.get(
            "/api/v1/networks", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == expected


async def test_tokens_are_stored_only_as_hashes(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        row, token = await create_token(session, name="x", role=Role.VIEWER, actor=Actor("test"))
    async with sessionmaker() as session:
        stored = await session.scalar(select(ApiToken).where(ApiToken.id == row.id))
    assert stored is not None
    assert token not in {stored.token_hash, stored.prefix, stored.name}
    assert len(stored.token_hash) == 64
    assert token.startswith(stored.prefix)
    assert len(token) >= 40  # 32 random bytes, url-safe


async def test_public_health_needs_no_token(anonymous_client: Client) -> None:
    response = await anonymous_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    ready = await anonymous_client.get("/health/ready")
    assert ready.json() == {"status": "ok", "database": "ok", "broker": "embedded"}
    schema = await anonymous_client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/directory/import" in schema.json()["paths"]


async def test_every_answer_carries_the_security_headers(
    viewer_client: Client, anonymous_client: Client
) -> None:
    for response in (
        await viewer_client.get("/api/v1/networks"),
        await anonymous_client.get("/api/v1/networks"),  # a 401 too
        await anonymous_client.get("/health"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        # This test app's base URL is http: no HSTS, which would lock browsers out of it.
        assert "strict-transport-security" not in response.headers


async def test_behind_tls_answers_ask_for_https_only(database_url: str) -> None:
    from dispatch.app import create_app
    from dispatch.settings import Settings
    from tests.conftest import RecordingEnqueuer

    settings = Settings(
        database_url=database_url, base_url="https://varsling.example", secret_key="x"
    )
    app = create_app(settings, enqueuer=RecordingEnqueuer())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://varsling.example"
    ) as client:
        response = await client.get("/health")
        login = await client.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    # A page keeps its own, stricter policy.
    assert "script-src 'self'" in login.headers["content-security-policy"]


async def test_numbers_no_row_can_have_are_refused_not_crashed_on(viewer_client: Client) -> None:
    """Found by Schemathesis: the database driver failed (500) on these before the API did."""
    huge = "18446744073709551616"  # 2**64
    by_id = await viewer_client.get(f"/api/v1/incidents/{huge}")
    assert by_id.status_code == 404
    assert by_id.headers["content-type"].startswith("application/problem+json")
    paged = await viewer_client.get("/api/v1/incidents", params={"page": huge})
    assert paged.status_code == 422
    # OFFSET = (page - 1) × page_size must fit the database's BIGINT, whatever the size.
    deep = await viewer_client.get("/api/v1/incidents", params={"page": 10**15, "page_size": 500})
    assert deep.status_code == 422
    assert (await viewer_client.get("/api/v1/incidents", params={"page": 10**6})).status_code == 200
    # "¹" is a digit to Python's isdigit(), which int() refuses: a 500 before it was checked
    # with isdecimal() (Schemathesis again, on the directory export's parameters).
    superscript = await viewer_client.get("/api/v1/incidents", params={"status": "¹"})
    assert superscript.status_code < 500
    assert (await viewer_client.get("/api/v1/incidents/¹")).status_code == 404


PUBLIC_PAGES = {
    "/health",
    "/health/ready",
    "/webhooks/{name:str}/sms",
    "/webhooks/{name:str}/status",
    "/ack/{token:str}",
    "/packs/{name:str}",
    "/packs/{slug:str}/{lang:str}",
    "/confirm/{token:str}",
    "/changes",
    "/unsubscribe/{token:str}",
    "/newsletter/contribute",
    "/meetings/answer/{token:str}",
    "/meetings/answer/{token:str}/invitation.ics",
    "/login",
    "/logout",
    # The steps of a sign-in, before there is a session: each checks the sealed cookie of the
    # sign-in under way (the password given, or the OpenID state), and without it starts over.
    "/login/code",
    "/login/enrol",
    "/login/oidc",
    "/login/oidc/callback",
}
"""Routes outside the API that anyone may call: members' pages, webhooks, sign-in. Each checks
its own link token or signature; a new route is not public unless it is named here."""
_OPEN_PREFIXES = ("/schema", "/static/")


def page_routes(app: Litestar) -> list[tuple[str, str, frozenset[Role]]]:
    """Every (method, path, allowed roles) of every other route of the app (the dashboard's
    pages and HTMX fragments), read from the app; each must have one role guard."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        if route.path.startswith("/api/v1") or route.path == "/metrics":
            continue
        if route.path in PUBLIC_PAGES or route.path.startswith(_OPEN_PREFIXES):
            continue
        path = _PARAM.sub(lambda m: "1" if m.group(2) == "int" else "x", route.path)
        for handler in route.route_handlers:
            guards = [
                g
                for layer in handler.ownership_layers
                for g in (layer.guards or [])
                if isinstance(g, RoleGuard)
            ]
            for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"}):
                assert len(guards) == 1, (
                    f"{method} {route.path} is not public and has no role guard"
                )
                found.append((method, path, guards[0].allowed))
    return found


async def test_every_dashboard_page_checks_the_session_and_the_role(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The dashboard's matrix: every page and fragment × no session, an ended session, and a
    session of each role (with its CSRF token, so only the role decides)."""
    from dispatch.security.service import create_user, end_web_session, start_web_session
    from dispatch.web.auth import CSRF_HEADER, SESSION_COOKIE, csrf_for

    secret = app.state["settings"].secret_key
    cookies: dict[Role, str] = {}
    async with sessionmaker() as session, session.begin():
        for role in Role:
            user = await create_user(
                session,
                email=f"{role.value}@helsedir.example",
                role=role,
                password="a long enough password",
                actor=Actor("t"),
            )
            cookies[role] = await start_web_session(session, user=user, hours=1)
        ended = await start_web_session(session, user=user, hours=1)
    async with sessionmaker() as session, session.begin():
        await end_web_session(session, ended)
    routes = page_routes(app)
    assert len(routes) >= 26
    checked = 0
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    ) as client:

        async def call(method: str, path: str, cookie: str | None) -> int:
            headers = {"Sec-Fetch-Site": "same-origin", "Origin": "https://testserver"}
            if cookie is not None:
                headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
                headers[CSRF_HEADER] = csrf_for(secret, cookie)
            answer = await client.request(method, path, headers=headers, data={})
            return answer.status_code

        for method, path, allowed in routes:
            for cookie in (None, ended):
                status = await call(method, path, cookie)
                assert status in (303, 401), f"{method} {path} without a session gave {status}"
            for role, cookie in cookies.items():
                status = await call(method, path, cookie)
                if role in allowed:
                    assert status not in (401, 403), f"{role} was refused {method} {path}"
                    assert status < 500, f"{role}: {method} {path} gave {status}"
                else:
                    assert status == 403, f"{role} got {status} for {method} {path}"
                checked += 1
    print(f"\ndashboard matrix: {len(routes)} routes, {checked} role calls")
