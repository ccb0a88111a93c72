"""Who may do what: 401 for an unknown caller, 403 for a known caller without the right."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.audit.service import Actor
from dispatch.db.base import utcnow
from dispatch.security.models import ApiToken, Role
from dispatch.security.service import create_token, revoke_token
from tests.conftest import ClientFactory

Client = httpx.AsyncClient

# (method, path, body, roles allowed besides admin)
ROUTES: list[tuple[str, str, object, set[Role]]] = [
    ("GET", "/api/v1/networks", None, {Role.COORDINATOR, Role.TRANSLATOR, Role.VIEWER}),
    ("PATCH", "/api/v1/networks/NIK", {"teams_webhook_url": None}, {Role.COORDINATOR}),
    ("GET", "/api/v1/organisations", None, {Role.COORDINATOR, Role.TRANSLATOR, Role.VIEWER}),
    ("POST", "/api/v1/organisations", {"name": "X", "kind": "ngo"}, {Role.COORDINATOR}),
    ("GET", "/api/v1/contacts", None, {Role.COORDINATOR}),
    ("POST", "/api/v1/contacts", {"organisation_id": 1, "name": "X"}, {Role.COORDINATOR}),
    ("GET", "/api/v1/contacts/1", None, {Role.COORDINATOR}),
    ("DELETE", "/api/v1/contacts/1", None, {Role.COORDINATOR}),
    ("POST", "/api/v1/directory/import?dry_run=true", b"", {Role.COORDINATOR}),
    ("GET", "/api/v1/incidents", None, {Role.COORDINATOR, Role.TRANSLATOR, Role.VIEWER}),
    ("POST", "/api/v1/incidents", {"title": "x"}, {Role.COORDINATOR}),
    ("POST", "/api/v1/incidents/preview", {"title": "x"}, {Role.COORDINATOR}),
    ("GET", "/api/v1/field-reports", None, {Role.COORDINATOR}),
    ("PATCH", "/api/v1/field-reports/1", {"read": True}, {Role.COORDINATOR}),
    ("GET", "/api/v1/sandbox/messages", None, {Role.COORDINATOR}),
]


async def _call(client: Client, method: str, path: str, body: object) -> int:
    if isinstance(body, bytes):
        response = await client.request(
            method, path, content=body, headers={"Content-Type": "text/csv"}
        )
    elif body is None:
        response = await client.request(method, path)
    else:
        response = await client.request(method, path, json=body)
    return response.status_code


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ROUTES)
async def test_every_route_checks_the_role(
    make_client: ClientFactory, method: str, path: str, body: object, allowed: set[Role]
) -> None:
    anonymous = await make_client(None)
    assert await _call(anonymous, method, path, body) == 401
    for role in Role:
        client = await make_client(role)
        status = await _call(client, method, path, body)
        if role is Role.ADMIN or role in allowed:
            assert status not in (401, 403), f"{role} was refused {method} {path}"
        else:
            assert status == 403, f"{role} got {status} for {method} {path}"


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
    assert ready.json() == {"status": "ok", "database": "ok"}
    schema = await anonymous_client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/directory/import" in schema.json()["paths"]
