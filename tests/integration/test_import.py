"""The directory CSV import over HTTP: whole rows in, whole rows out, every reason listed."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.audit.models import AuditEvent
from dispatch.audit.service import Actor
from dispatch.directory.models import Contact, Membership, Organisation
from dispatch.security.models import Role
from dispatch.security.service import create_token
from tests.factories import directory_csv, many_rows, row

Client = httpx.AsyncClient
CSV_HEADERS = {"Content-Type": "text/csv"}


async def post_csv(client: Client, body: bytes, *, dry_run: bool = False) -> Any:
    return await client.post(
        "/api/v1/directory/import",
        content=body,
        headers=CSV_HEADERS,
        params={"dry_run": str(dry_run).lower()},
    )


async def counts(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessionmaker() as session:
        return {
            model.__tablename__: (await session.scalar(select(func.count()).select_from(model)))
            or 0
            for model in (Organisation, Contact, Membership, AuditEvent)
        }


async def test_good_rows_are_imported_and_bad_rows_rejected_with_every_reason(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    body = directory_csv(
        [
            row(),
            row(
                contact_name="Ola",
                email="ola@oslo.kommune.example",
                phone="41234567",
                main_contact="no",
            ),
            row(phone="123", email="not-an-address", language="xx"),
            row(
                organisation_number="958935421", contact_name="Per", email="per@x.example", phone=""
            ),
            row(networks="NIK;ABC", contact_name="Liv", email="liv@x.example", phone=""),
            row(
                organisation_name="Fylkesmannen",
                organisation_number="",
                organisation_kind="agency",
                municipality_number="",
                networks="NIK:observer;NONEMI:observer;NIFS:observer",
                contact_name="Fatima",
                email="fatima@fm.example",
                phone="",
                language="ar",
                channels="email",
            ),
        ]
    )
    response = await post_csv(coordinator_client, body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created_organisations"] == 2
    assert result["created_contacts"] == 3
    assert result["updated_contacts"] == 0
    rejected = {r["row"]: r["errors"] for r in result["rejected"]}
    assert set(rejected) == {3, 4, 5}
    assert rejected[3] == [
        "e-mail 'not-an-address' is not a valid address: An email address must have an @-sign.",
        "phone '123' is not a valid Norwegian or international mobile number",
        "language 'xx' is not a language tag we know; use a BCP 47 tag such as nb, en, ar or fa-AF",
    ]
    assert any("check digit" in e for e in rejected[4])
    assert any("unknown network 'ABC'" in e for e in rejected[5])

    async with sessionmaker() as session:
        oslo = await session.scalar(
            select(Organisation).where(Organisation.organisation_number == "958935420")
        )
        assert oslo is not None
        names = set(
            (
                await session.scalars(
                    select(Contact.name).where(Contact.organisation_id == oslo.id)
                )
            ).all()
        )
        # Row 5 named Oslo kommune too but was rejected: its contact and network are absent.
        assert names == {"Kari Nordmann", "Ola"}
        assert [(m.network.code, m.role) for m in oslo.memberships] == [("NIK", "member")]
        agency = await session.scalar(
            select(Organisation).where(Organisation.name == "Fylkesmannen")
        )
        assert agency is not None
        assert {(m.network.code, m.role) for m in agency.memberships} == {
            ("NIK", "observer"),
            ("NONEMI", "observer"),
            ("NIFS", "observer"),
        }


async def test_reimporting_the_same_file_changes_nothing(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    body = directory_csv(many_rows(40))
    first = (await post_csv(coordinator_client, body)).json()
    assert (first["created_organisations"], first["created_contacts"]) == (4, 40)
    before = await counts(sessionmaker)

    second = (await post_csv(coordinator_client, body)).json()
    assert second["created_organisations"] == 0
    assert second["created_contacts"] == 0
    assert second["updated_contacts"] == 0
    assert second["unchanged_contacts"] == 40
    after = await counts(sessionmaker)
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }


async def test_a_changed_row_updates_the_contact(coordinator_client: Client) -> None:
    await post_csv(coordinator_client, directory_csv([row()]))
    result = (
        await post_csv(coordinator_client, directory_csv([row(language="ar", main_contact="no")]))
    ).json()
    assert result["updated_contacts"] == 1
    contacts = (await coordinator_client.get("/api/v1/contacts")).json()["items"]
    assert [(c["language"], c["main_contact"]) for c in contacts] == [("ar", False)]


async def test_dry_run_reports_and_writes_nothing(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    before = await counts(sessionmaker)
    result = (
        await post_csv(coordinator_client, directory_csv([row(), row(phone="x")]), dry_run=True)
    ).json()
    assert result["dry_run"] is True
    assert result["created_contacts"] == 1
    assert [r["row"] for r in result["rejected"]] == [2]
    assert await counts(sessionmaker) == before


async def test_file_in_another_encoding_is_rejected_with_advice(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    before = await counts(sessionmaker)
    latin1 = directory_csv([row(organisation_name="Tromsø kommune")]).decode().encode("latin-1")
    response = await post_csv(coordinator_client, latin1)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "not UTF-8" in response.json()["detail"]
    assert "CSV UTF-8" in response.json()["detail"]

    utf16 = directory_csv([row()]).decode().encode("utf-16")
    response = await post_csv(coordinator_client, utf16)
    assert response.status_code == 422
    assert "UTF-16" in response.json()["detail"]
    assert await counts(sessionmaker) == before


async def test_bom_and_semicolons_from_norwegian_excel_are_accepted(
    coordinator_client: Client,
) -> None:
    body = b"\xef\xbb\xbf" + directory_csv(
        [row(organisation_name="Tromsø kommune", organisation_number="940101808")], delimiter=";"
    )
    result = (await post_csv(coordinator_client, body)).json()
    assert result["rejected"] == []
    assert result["created_contacts"] == 1
    orgs = (await coordinator_client.get("/api/v1/organisations")).json()["items"]
    assert orgs[0]["name"] == "Tromsø kommune"


async def test_missing_columns_reject_the_whole_file(coordinator_client: Client) -> None:
    response = await post_csv(coordinator_client, b"organisation_name,email\nOslo,a@b.example\n")
    assert response.status_code == 422
    assert "lacks the column(s) organisation_number" in response.json()["detail"]


async def test_a_name_that_contradicts_the_organisation_number_is_rejected(
    coordinator_client: Client,
) -> None:
    await post_csv(coordinator_client, directory_csv([row()]))
    result = (
        await post_csv(
            coordinator_client,
            directory_csv(
                [
                    row(
                        organisation_name="Bergen kommune",
                        email="b@b.example",
                        phone="",
                        channels="email",
                    )
                ]
            ),
        )
    ).json()
    assert result["rejected"][0]["errors"] == [
        "organisation number 958935420 belongs to 'Oslo kommune', not 'Bergen kommune'; "
        "check the number or the name"
    ]


async def test_five_thousand_rows(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # How long this takes is measured in tests/bench, not asserted here.
    result = (await post_csv(coordinator_client, directory_csv(many_rows(5000)))).json()
    assert result["rejected"] == []
    assert result["created_contacts"] == 5000
    assert result["created_organisations"] == 500
    assert (await counts(sessionmaker))["contacts"] == 5000


async def test_import_needs_a_coordinator(viewer_client: Client) -> None:
    response = await post_csv(viewer_client, directory_csv([row()]))
    assert response.status_code == 403


async def test_an_oversized_body_is_refused_before_it_is_read(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The declared length alone decides: the body is never asked for."""
    async with sessionmaker() as session, session.begin():
        _, token = await create_token(
            session, name="big", role=Role.COORDINATOR, actor=Actor("test")
        )
    asked_for_body = 0
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        nonlocal asked_for_body
        asked_for_body += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/directory/import",
        "raw_path": b"/api/v1/directory/import",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver.local"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"text/csv"),
            (b"content-length", str(10 * 1024**3).encode()),  # ten gigabytes, claimed
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver.local", 80),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert asked_for_body == 0


async def test_a_large_import_in_one_request(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    dialect: str,
) -> None:
    """100,000 rows on PostgreSQL (production); 10,000 on the embedded SQLite."""
    count = 100_000 if dialect == "postgresql" else 10_000
    body = directory_csv(many_rows(count))
    response = await coordinator_client.post(
        "/api/v1/directory/import",
        content=body,
        headers={"Content-Type": "text/csv"},
        timeout=600,
    )
    assert response.status_code == 200, response.text[:500]
    result = response.json()
    assert result["created_contacts"] == count
    assert result["rejected"] == []
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == count
    print(f"\nimported {count} rows ({len(body) / 1e6:.1f} MB) on {dialect}")
