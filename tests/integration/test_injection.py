"""Hostile text through every filter and into text fields: SQL injection attempts in each query
parameter of each API list; Unicode that tricks readers (right-to-left overrides, zero-width
characters, emoji, combining marks) kept exactly in names, incidents, meetings, newsletters and
field reports; and NUL characters refused everywhere. Schemathesis adds arbitrary Unicode in
every field of every operation (``test_schemathesis.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.acks.service import add_field_report
from dispatch.directory.models import Contact, Organisation
from tests.factories import directory_csv, many_rows

INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE contacts; --",
    "%' UNION SELECT email, phone FROM contacts --",
    '" OR ""="',
    "NIK') OR 1=1 --",
    "\\'; SELECT pg_sleep(5); --",
]
TEXT_FILTERS = {"network", "tag", "status", "state", "channel", "to"}
TRICKY = [
    "Oslo \u202ekommune\u202c",  # a right-to-left override, then its end
    "Null\u200bbredde\u200d tegn\ufeff",  # zero-width space, joiner and BOM
    "Familie 👨‍👩‍👧 og 🚑",  # emoji and a joined emoji sequence
    "Ås\u0301 og A\u030a",  # combining marks
    "العربية والعبرية עברית",  # right-to-left scripts
]


def query_parameters(app: Litestar) -> list[tuple[str, str]]:
    """Every (path, name) of a query parameter on an ``/api/v1`` GET without path parameters,
    read from the OpenAPI document."""
    found = []
    for path, item in (app.openapi_schema.paths or {}).items():
        if not path.startswith("/api/v1") or "{" in path or item.get is None:
            continue
        for parameter in item.get.parameters or []:
            if getattr(parameter, "param_in", None) == "query":
                found.append((path, parameter.name))
    return found


@pytest.mark.usefixtures("demo")
async def test_sql_injection_through_every_filter_finds_nothing_and_breaks_nothing(
    app: Litestar,
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        contacts = await session.scalar(select(func.count()).select_from(Contact))
    parameters = query_parameters(app)
    assert len(parameters) >= 20
    assert ("/api/v1/contacts", "network") in parameters
    for path, name in parameters:
        for attempt in INJECTIONS:
            response = await coordinator_client.get(path, params={name: attempt})
            assert response.status_code < 500, (path, name, attempt, response.text)
            if response.status_code == 200 and name in TEXT_FILTERS:
                # A filter compares the text as text: an injected condition matches nothing.
                body: Any = response.json()
                items = body.get("items", []) if isinstance(body, dict) else body
                assert items == [], (path, name, attempt)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == contacts
    print(f"\n{len(parameters)} query parameters × {len(INJECTIONS)} injections: no 5xx")


@pytest.mark.usefixtures("demo")
async def test_tricky_unicode_is_kept_exactly_and_escaped_in_pages(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    for text in TRICKY:
        created = await coordinator_client.post(
            "/api/v1/organisations", json={"name": text, "kind": "ngo", "networks": []}
        )
        assert created.status_code == 201, created.text
        assert created.json()["name"] == text
    async with sessionmaker() as session:
        organisation_id = await session.scalar(select(Organisation.id).limit(1))
    for text in TRICKY:
        contact = await coordinator_client.post(
            "/api/v1/contacts",
            json={
                "organisation_id": organisation_id,
                "name": text,
                "email": f"x{abs(hash(text))}@example.no",
                "language": "ar",
            },
        )
        assert contact.status_code == 201, contact.text
        assert contact.json()["name"] == text
        declared = await coordinator_client.post(
            "/api/v1/incidents",
            json={
                "title": text,
                "networks": ["NIK"],
                "status": "test",
                "channels": ["email"],
                "message": {"nb": {"subject": text, "body": text, "sms": text}},
            },
        )
        assert declared.status_code == 201, declared.text
        shown = await coordinator_client.get(f"/api/v1/incidents/{declared.json()['id']}")
        assert shown.json()["title"] == text
        report = await coordinator_client.get(
            f"/api/v1/incidents/{declared.json()['id']}/report", params={"format": "html"}
        )
        assert report.status_code == 200
        starts = datetime.now(UTC) + timedelta(days=3)
        meeting = await coordinator_client.post(
            "/api/v1/meetings",
            json={
                "kind": "topical",
                "networks": ["NIK"],
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=1)).isoformat(),
                "join_url": "https://teams.microsoft.com/l/meetup-join/x",
                "content": {"nb": {"title": text, "agenda": text}},
            },
        )
        assert meeting.status_code == 201, meeting.text
        assert meeting.json()["title"] == text
        newsletter = await coordinator_client.post(
            "/api/v1/newsletters",
            json={
                "title": text,
                "networks": ["NIK"],
                "content": {"nb": {"subject": text, "body": text}},
            },
        )
        assert newsletter.status_code == 201, newsletter.text
        assert newsletter.json()["title"] == text
    async with sessionmaker() as session, session.begin():
        for text in TRICKY:
            await add_field_report(
                session, text=text, source="sms", incident_id=None, recipient=None, language=None
            )
    listed = await coordinator_client.get("/api/v1/field-reports", params={"page_size": 50})
    assert {r["text"] for r in listed.json()["items"]} >= set(TRICKY)


@pytest.mark.usefixtures("demo")
async def test_a_nul_character_is_refused_everywhere_before_anything_is_written(
    coordinator_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Found by Schemathesis on PostgreSQL, which refuses NUL in text: it was a 500 there."""
    async with sessionmaker() as session:
        before = await session.scalar(select(func.count()).select_from(Organisation))
    in_query = await coordinator_client.get("/api/v1/incidents", params={"status": "a\x00b"})
    assert in_query.status_code == 422
    in_json = await coordinator_client.post(
        "/api/v1/organisations", json={"name": "Null\u0000byte", "kind": "ngo"}
    )
    assert in_json.status_code == 422
    assert "NUL character" in in_json.json()["detail"]
    in_form = await anonymous_client.post(
        "/changes",
        content=b"kind=add&name=a%00b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert in_form.status_code == 422
    rows = directory_csv(many_rows(20))  # past the first kilobyte, where UTF-16 is looked for
    in_csv = await coordinator_client.post(
        "/api/v1/directory/import",
        content=rows + b"Org,1,ngo,,NIK,B\x00C,,,nb,email,no\n",
        headers={"Content-Type": "text/csv"},
    )
    assert in_csv.status_code == 422
    nul_line = len(rows.splitlines()) + 1
    assert f"NUL character on line {nul_line}" in in_csv.json()["detail"]
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == before
