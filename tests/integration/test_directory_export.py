"""``GET /api/v1/directory/export``: the directory as CSV in the import's columns plus the bounce
flag, which imports again without a change, and after a correction changes just that; for
coordinators and admins only, audited, refusing bad parameters before writing anything."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.audit.models import AuditEvent
from dispatch.directory import bounces
from dispatch.directory.import_file import COLUMNS
from dispatch.directory.models import Contact

AHMED = "ahmed.hassan@oslo.kommune.example"
REASON = "5.1.1 mailbox unknown"


def read(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    text = body.decode("utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > 1 else ","
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


async def exports(sessionmaker: async_sessionmaker[AsyncSession]) -> list[AuditEvent]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "directory.exported")
        )
        return list(rows.all())


@pytest.fixture
async def flagged(demo: None, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The demo directory, Ahmed's address bounced, a name a spreadsheet would run as a
    formula, and one contact deactivated (a list review's deadline)."""
    async with sessionmaker() as session, session.begin():
        await bounces.flag(session, address=AHMED, reason=REASON, delivery_id=1)
        await session.execute(
            update(Contact)
            .where(Contact.email == "per.olsen@trondheim.kommune.example")
            .values(name="=HYPERLINK(1)")
        )
        await session.execute(
            update(Contact).where(Contact.email == "lars.haugen@fhi.example").values(active=False)
        )


@pytest.mark.usefixtures("flagged")
async def test_the_export_carries_the_flag_and_imports_again_unchanged(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    exported = await coordinator_client.get("/api/v1/directory/export")
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"] == 'attachment; filename="directory.csv"'
    rows = read(exported.content)
    assert list(rows[0]) == [*COLUMNS, "email_bounced", "email_bounce_reason"]
    async with sessionmaker() as session:
        active = await session.scalar(
            select(func.count()).select_from(Contact).where(Contact.active.is_(True))
        )
    assert len(rows) == active
    # Ahmed is listed at two organisations: both listings carry the flag.
    ahmed = [r for r in rows if r["email"] == AHMED]
    assert {r["organisation_name"]: r["networks"] for r in ahmed} == {
        "Oslo kommune": "NIK",
        "Flerkulturelt helseforum": "NIFS",
    }
    assert {r["email_bounced"] for r in ahmed} == {"yes"}
    assert all(r["email_bounce_reason"].endswith(REASON) for r in ahmed)
    assert ahmed[0]["phone"] == "'+4741000100"  # text in a spreadsheet; the import reads it
    assert {r["email_bounced"] for r in rows if r["email"] != AHMED} == {"no"}
    fhi = next(r for r in rows if r["email"] == "kari.nordmann@fhi.example")
    assert fhi["networks"] == "NIFS:observer;NIK:observer;NONEMI:observer"
    assert "lars.haugen@fhi.example" not in {r["email"] for r in rows}  # inactive
    assert (
        next(r for r in rows if r["contact_name"].endswith("HYPERLINK(1)"))["contact_name"]
        == "'=HYPERLINK(1)"
    )
    (event,) = await exports(sessionmaker)
    assert event.details["contacts"] == active
    assert event.details["personal_data"] is True

    # The same file imports again and changes nothing,
    again = await coordinator_client.post(
        "/api/v1/directory/import",
        content=exported.content,
        headers={"Content-Type": "text/csv"},
    )
    assert again.status_code == 200, again.text
    result = again.json()
    assert result["rejected"] == []
    assert (result["created_contacts"], result["updated_contacts"]) == (0, 0)
    assert (result["created_organisations"], result["updated_organisations"]) == (0, 0)
    assert result["unchanged_contacts"] == active
    async with sessionmaker() as session:
        name = await session.scalar(
            select(Contact.name).where(Contact.email == "per.olsen@trondheim.kommune.example")
        )
    assert name == "=HYPERLINK(1)"

    # and with Ahmed's address corrected in it, changes his listings, whose flag is gone.
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        if row["email"] == AHMED:
            row["email"] = "ahmed.hassan2@oslo.kommune.example"
        writer.writerow(row)
    fixed = await coordinator_client.post(
        "/api/v1/directory/import",
        content=buffer.getvalue().encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert fixed.json()["updated_contacts"] == 2
    assert fixed.json()["rejected"] == []
    listed = await coordinator_client.get("/api/v1/contacts", params={"page_size": 500})
    ahmed_now = [c for c in listed.json()["items"] if c["phone"] == "+4741000100"]
    assert {(c["email"], c["email_bounced"]) for c in ahmed_now} == {
        ("ahmed.hassan2@oslo.kommune.example", None)
    }


@pytest.mark.usefixtures("flagged")
async def test_one_network_with_semicolons_for_a_norwegian_excel(
    coordinator_client: httpx.AsyncClient,
) -> None:
    exported = await coordinator_client.get(
        "/api/v1/directory/export", params={"network": "nifs", "delimiter": "semicolon"}
    )
    assert exported.status_code == 200, exported.text
    rows = read(exported.content)
    assert rows
    assert all("NIFS" in r["networks"] for r in rows)
    assert {r["organisation_name"] for r in rows if r["email"] == AHMED} == {
        "Flerkulturelt helseforum"  # not Oslo kommune, which is in NIK only
    }
    again = await coordinator_client.post(
        "/api/v1/directory/import", content=exported.content, headers={"Content-Type": "text/csv"}
    )
    assert again.json()["rejected"] == []
    assert again.json()["unchanged_contacts"] == len(rows)


@pytest.mark.usefixtures("flagged")
async def test_only_coordinators_and_admins_and_bad_parameters_write_nothing(
    coordinator_client: httpx.AsyncClient,
    admin_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
    make_client: object,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    assert (await viewer_client.get("/api/v1/directory/export")).status_code == 403
    assert (await admin_client.get("/api/v1/directory/export")).status_code == 200
    for params, field in (
        ({"network": "XYZ"}, None),
        ({"network": "N" * 40}, "network"),
        ({"delimiter": "tab"}, "delimiter"),
    ):
        refused = await coordinator_client.get(
            "/api/v1/directory/export", params=params, headers={"Accept-Language": "nb"}
        )
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        if field == "delimiter":
            assert "delimiter må være comma eller semicolon" in refused.text
    assert len(await exports(sessionmaker)) == 1  # the admin's, and none of the refused
