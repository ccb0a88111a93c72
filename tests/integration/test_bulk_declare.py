"""A declaration large enough to be written with COPY on PostgreSQL (INSERT on SQLite): every
delivery points at the right recipient, with that recipient's address, and the ids the API
hands to the queue are the rows written."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.db import bulk
from dispatch.delivery.models import Delivery
from dispatch.incidents.models import Recipient
from tests.conftest import RecordingEnqueuer
from tests.factories import directory_csv, many_rows

PEOPLE = bulk.COPY_FROM + 100


async def test_a_large_declaration_writes_every_row_once_and_in_order(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
) -> None:
    rows = many_rows(PEOPLE)
    imported = await coordinator_client.post(
        "/api/v1/directory/import",
        content=directory_csv(rows),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    declared = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": "Stor øvelse",
            "networks": ["NIK", "NONEMI", "NIFS"],
            "status": "exercise",
            "channels": ["email", "sms"],
            "message": {"nb": {"subject": "Øvelse", "sms": "Øvelse.", "body": "Øvelse."}},
        },
    )
    assert declared.status_code == 201, declared.text
    incident_id = declared.json()["id"]
    async with sessionmaker() as session:
        recipients = {
            r.id: r
            for r in await session.scalars(
                select(Recipient).where(Recipient.incident_id == incident_id)
            )
        }
        deliveries = list(
            await session.scalars(select(Delivery).where(Delivery.incident_id == incident_id))
        )
    assert len(recipients) == PEOPLE
    assert {r.email for r in recipients.values()} == {row["email"] for row in rows}
    assert len(deliveries) == 2 * PEOPLE
    for d in deliveries:
        person = recipients[int(d.target.split(":")[1])]
        assert d.recipient_id == person.id
        assert d.address == (person.email if d.channel == "email" else person.phone)
        assert (d.state, d.attempts, d.sent_at) == ("queued", 0, None)
        assert d.priority == (0 if person.main_contact else 1)
    assert sorted(enqueued.ids) == sorted(d.id for d in deliveries)
    # The network lists and languages came through as JSON and text, not as strings of JSON.
    some = next(iter(recipients.values()))
    assert isinstance(some.network_codes, list)
    assert some.network_codes[0] in {"NIK", "NONEMI", "NIFS"}
