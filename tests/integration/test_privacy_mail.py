"""GDPR for what came back by e-mail (``dispatch mail-in``): the bounce flag on an address and
the record of each bounce hold the address and the mail server's words. Export lists them,
erasure (by contact and by address) removes them and keeps the counts, retention drops them
with the incident's data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.mail_server import ReceivedMessage
from dispatch.db.base import utcnow
from dispatch.delivery.models import Delivery
from dispatch.directory import bounces
from dispatch.directory.bounces import EmailBounce
from dispatch.directory.models import Contact
from dispatch.inbound.models import InboundMail
from dispatch.incidents.models import Incident
from dispatch.privacy.retention import apply_retention
from dispatch.security.links import Links
from tests.conftest import SECRET_KEY
from tests.factories import declare_demo_exercise
from tests.integration.test_bounced_alerts import DOMAIN, mail_in
from tests.integration.test_mail_in import dsn, emails
from tests.integration.test_privacy import everything_stored

MESSAGE = {"nb": {"subject": "Personvern", "sms": "Personvern.", "body": "Personvern."}}
EMAIL = "ahmed.hassan@oslo.kommune.example"
NAME = "Ahmed Hassan"
WORDS = f"mailbox of {NAME} unknown"
"""A server's words that name the person (addresses are taken out; names are not)."""


async def bounced_alert(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> tuple[dict[str, Any], int]:
    """An exercise to everyone; Ahmed's e-mail bounces for good with words that name him."""
    incident = await declare_demo_exercise(client, sessionmaker, title="Retur", message=MESSAGE)
    taken = await emails(sessionmaker, incident["id"])
    ahmed = next(d for d in taken if d.address == EMAIL)
    to = (Links("", SECRET_KEY, ahmed.id).address("bounce", DOMAIN),)
    await mail_in(database_url, sessionmaker).receive(
        ReceivedMessage("192.0.2.1", "", to, dsn("failed", "5.1.1", WORDS, "p1"))
    )
    async with sessionmaker() as session:
        contact_id = await session.scalar(select(Contact.id).where(Contact.email == EMAIL))
        assert (await session.get(Delivery, ahmed.id)).state == "failed"  # type: ignore[union-attr]
    assert contact_id is not None
    return incident, contact_id


async def test_the_export_lists_the_flag_and_what_came_back(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    incident, contact_id = await bounced_alert(coordinator_client, sessionmaker, database_url)
    for answer in (
        await coordinator_client.get(f"/api/v1/contacts/{contact_id}/export"),
        await coordinator_client.post("/api/v1/privacy/export", json={"email": EMAIL.upper()}),
    ):
        assert answer.status_code == 200, answer.text
        body = answer.json()
        (flag,) = body["email_bounced"]
        assert (flag["address"], flag["reason"]) == (EMAIL, f"5.1.1 {WORDS}")
        (came_back,) = body["mail_received"]
        assert came_back["incident_id"] == incident["id"]
        assert (came_back["kind"], came_back["status"], came_back["outcome"]) == (
            "bounce",
            "5.1.1",
            "failed",
        )
        assert came_back["detail"] == f"5.1.1 {WORDS}"
    # Someone else's export holds none of it.
    async with sessionmaker() as session:
        kari = await session.scalar(
            select(Contact.id).where(Contact.email == "kari.nordmann@fhi.example")
        )
    other = (await coordinator_client.get(f"/api/v1/contacts/{kari}/export")).json()
    assert (other["email_bounced"], other["mail_received"]) == ([], [])


async def test_erasure_removes_the_words_and_the_flag_and_keeps_the_counts(
    coordinator_client: httpx.AsyncClient,
    admin_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    incident, contact_id = await bounced_alert(coordinator_client, sessionmaker, database_url)
    url = f"/api/v1/incidents/{incident['id']}"
    before = (await coordinator_client.get(url)).json()["stats"]
    assert before["email"]["bounced"] == 1
    assert NAME in await everything_stored(sessionmaker)

    erased = await admin_client.post(f"/api/v1/contacts/{contact_id}/erase")
    assert erased.status_code == 200, erased.text
    changed = erased.json()["changed"]
    assert (changed["email_bounces"], changed["mail_received"]) == (1, 1)
    assert changed["delivery_events"] >= 1
    stored = await everything_stored(sessionmaker)
    for trace in (EMAIL, NAME, WORDS):
        assert trace not in stored, trace
    after = (await coordinator_client.get(url)).json()["stats"]
    assert after["email"] == before["email"]
    # (his SMS still queued is stopped, as any erasure stops it: counted as failed)
    assert sum(after["deliveries"].values()) == sum(before["deliveries"].values())
    async with sessionmaker() as session:
        (record,) = (await session.scalars(select(InboundMail))).all()
    assert (record.kind, record.status, record.outcome, record.detail) == (
        "bounce",
        "5.1.1",
        "failed",
        None,
    )


async def test_erasure_by_address_removes_a_flag_no_listing_carries(
    admin_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # Given a flag left on an address after the contact's address was corrected,
    async with sessionmaker() as session, session.begin():
        await bounces.flag(session, address="old@example.net", reason="5.1.1 gone", delivery_id=1)
    erased = await admin_client.post("/api/v1/privacy/erase", json={"email": "Old@Example.net"})
    assert erased.status_code == 200, erased.text
    assert erased.json()["changed"]["email_bounces"] == 1
    assert "old@example.net" not in await everything_stored(sessionmaker)


async def test_retention_drops_the_words_of_old_incidents_and_unlisted_flags(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    incident, _ = await bounced_alert(coordinator_client, sessionmaker, database_url)
    closed = await coordinator_client.post(f"/api/v1/incidents/{incident['id']}/close", json={})
    assert closed.status_code == 200, closed.text
    long_ago = utcnow() - timedelta(days=31)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Incident).where(Incident.id == incident["id"]).values(closed_at=long_ago)
        )
        # Two old flags besides Ahmed's: one on an address no listing carries any more, one
        # recent on an address nobody carries either (kept until it is as old).
        await bounces.flag(session, address="gone@example.net", reason="5.1.1 x", delivery_id=1)
        await bounces.flag(session, address="new@example.net", reason="5.1.1 y", delivery_id=1)
        await session.execute(
            update(EmailBounce)
            .where(EmailBounce.address.in_([EMAIL, "gone@example.net"]))
            .values(bounced_at=long_ago)
        )
    before = (await coordinator_client.get(f"/api/v1/incidents/{incident['id']}")).json()

    async with sessionmaker() as session, session.begin():
        await apply_retention(session, days=30)

    # The incident's rows lose the words; the directory's flag keeps them (below).
    stored = await everything_stored(sessionmaker)
    assert {line.split(":")[0] for line in stored.splitlines() if WORDS in line} == {
        "email_bounces"
    }
    async with sessionmaker() as session:
        flags = set((await session.scalars(select(EmailBounce.address))).all())
        details = set((await session.scalars(select(InboundMail.detail))).all())
    # Ahmed is still listed: his flag is the directory's, for a coordinator to correct.
    assert flags == {EMAIL, "new@example.net"}
    assert details == {None}
    after = (await coordinator_client.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert after["stats"] == before["stats"]
