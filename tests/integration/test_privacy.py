"""GDPR: a contact's data exported, a contact erased (counts kept, the person gone from every
table), and retention of delivery details after an incident closes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.acks.models import AckVia
from dispatch.acks.service import acknowledge, add_field_report
from dispatch.db.base import Base, utcnow
from dispatch.delivery.models import Delivery
from dispatch.directory.models import Contact
from dispatch.incidents.models import Incident, Recipient
from dispatch.privacy.retention import apply_retention
from tests.factories import declare_demo_exercise

MESSAGE = {"nb": {"subject": "Personvern", "sms": "Personvern.", "body": "Personvern."}}
EMAIL = "ahmed.hassan@oslo.kommune.example"
PHONE = "+4741000100"
NAME = "Ahmed Hassan"
COMMENT = "Vi har tre familier uten telefon i bydelen."


async def incident_with_an_answer(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> tuple[dict[str, Any], int]:
    """An exercise to everyone, acknowledged with a comment and a field report by Ahmed."""
    incident = await declare_demo_exercise(
        client, sessionmaker, title="Personvern", message=MESSAGE
    )
    async with sessionmaker() as session, session.begin():
        contact_id = await session.scalar(select(Contact.id).where(Contact.email == EMAIL))
        recipient = await session.scalar(select(Recipient).where(Recipient.email == EMAIL))
        assert contact_id is not None
        assert recipient is not None
        await acknowledge(
            session,
            incident_id=incident["id"],
            recipient_id=recipient.id,
            via=AckVia.SMS,
            delivery_id=None,
            comment=COMMENT,
        )
        await add_field_report(
            session,
            text=COMMENT,
            source="sms",
            incident_id=incident["id"],
            recipient=recipient,
            language="ar",
        )
    return incident, contact_id


async def everything_stored(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    """Every row of every table as text, to search for what must be gone."""
    dump = []
    async with sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(text(f"SELECT * FROM {table.name}"))).all()
            dump += [f"{table.name}: {row}" for row in rows]
    return "\n".join(dump)


async def test_a_contact_gets_everything_held_about_them(
    coordinator_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    incident, contact_id = await incident_with_an_answer(coordinator_client, sessionmaker)
    assert (await viewer_client.get(f"/api/v1/contacts/{contact_id}/export")).status_code == 403
    exported = await coordinator_client.get(f"/api/v1/contacts/{contact_id}/export")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == (
        f'attachment; filename="contact-{contact_id}.json"'
    )
    body = exported.json()
    assert body["contact"]["name"] == NAME
    assert body["contact"]["phone"] == PHONE
    assert body["organisation"]["name"] == "Oslo kommune"
    (sent,) = body["incidents"]
    assert sent["incident_id"] == incident["id"]
    assert sent["sent_to"]["email"] == EMAIL
    assert {d["channel"] for d in sent["deliveries"]} == {"email", "sms"}
    assert sent["acknowledgement"]["comment"] == COMMENT
    assert [r["text"] for r in body["field_reports"]] == [COMMENT]
    assert {a["action"] for a in body["audit"]} == {"contact.created"}
    missing = await coordinator_client.get("/api/v1/contacts/999999/export")
    assert missing.status_code == 404


async def test_erasing_a_contact_removes_them_everywhere_and_keeps_the_counts(
    coordinator_client: httpx.AsyncClient,
    admin_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    incident, contact_id = await incident_with_an_answer(coordinator_client, sessionmaker)
    report_url = f"/api/v1/incidents/{incident['id']}/report"
    before = (await coordinator_client.get(report_url)).json()
    assert EMAIL in await everything_stored(sessionmaker)

    refused = await coordinator_client.post(f"/api/v1/contacts/{contact_id}/erase")
    assert refused.status_code == 403  # administrators only: it cannot be undone
    erased = await admin_client.post(f"/api/v1/contacts/{contact_id}/erase")
    assert erased.status_code == 200, erased.text
    changed = erased.json()["changed"]
    # Ahmed is listed for two organisations: both listings are the same person, both erased.
    assert changed["contacts"] == 2
    assert changed["recipients"] == 1
    assert changed["deliveries"] == 2
    assert changed["acknowledgements"] == 1
    assert changed["field_reports"] == 1

    stored = await everything_stored(sessionmaker)
    for trace in (EMAIL, PHONE, NAME, COMMENT):
        assert trace not in stored, trace
    after = (await coordinator_client.get(report_url)).json()

    def counted(slice_: dict[str, Any], count: str) -> int:
        value = slice_[count]
        return sum(value.values()) if count == "deliveries" else value  # by state

    for count in ("recipients", "acknowledged", "deliveries"):
        assert counted(after["totals"], count) == counted(before["totals"], count)
        for network, slice_ in before["by_network"].items():
            assert counted(after["by_network"][network], count) == counted(slice_, count)
    assert after["ack_rate"] == before["ack_rate"]
    # The two messages still waiting to go to them were stopped, with the reason.
    assert changed["deliveries_stopped"] == 2
    assert after["totals"]["deliveries"]["failed"] == before["totals"]["deliveries"]["failed"] + 2
    gone = await coordinator_client.get(f"/api/v1/contacts/{contact_id}")
    assert gone.status_code == 404
    again = await admin_client.post(f"/api/v1/contacts/{contact_id}/erase")
    assert again.status_code == 404


async def test_retention_anonymises_old_closed_incidents_only(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    old, _ = await incident_with_an_answer(coordinator_client, sessionmaker)
    recent = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": "Nylig",
            "networks": ["NIK"],
            "status": "exercise",
            "channels": ["email"],
            "message": MESSAGE,
        },
    )
    assert recent.status_code == 201, recent.text
    for incident_id in (old["id"], recent.json()["id"]):
        closed = await coordinator_client.post(f"/api/v1/incidents/{incident_id}/close", json={})
        assert closed.status_code == 200, closed.text
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Incident)
            .where(Incident.id == old["id"])
            .values(closed_at=utcnow() - timedelta(days=31))
        )
    report_url = f"/api/v1/incidents/{old['id']}/report"
    before = (await coordinator_client.get(report_url)).json()

    async with sessionmaker() as session, session.begin():
        assert await apply_retention(session, days=0) == 0  # 0 keeps everything
        changed = await apply_retention(session, days=30)
    async with sessionmaker() as session, session.begin():
        assert await apply_retention(session, days=30) == 0  # already done
    assert changed == old["recipients"]

    async with sessionmaker() as session:
        old_rows = (
            await session.execute(
                select(Recipient.email, Recipient.phone).where(Recipient.incident_id == old["id"])
            )
        ).all()
        assert set(old_rows) == {(None, None)}
        addresses = (
            await session.scalars(select(Delivery.address).where(Delivery.incident_id == old["id"]))
        ).all()
        assert set(addresses) == {None}
        kept = (
            await session.execute(
                select(Recipient.email, Recipient.phone).where(
                    Recipient.incident_id == recent.json()["id"]
                )
            )
        ).all()
        assert (None, None) not in set(kept)
        # The directory is not touched: retention is about what was sent.
        assert await session.scalar(select(Contact.id).where(Contact.email == EMAIL))
    after = (await coordinator_client.get(report_url)).json()
    assert after["totals"] == before["totals"]
    assert after["ack_rate"] == before["ack_rate"]
