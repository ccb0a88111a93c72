"""A declaration written by PostgreSQL (``incidents/written.py``) is, row for row, what the
Python path (``audience.resolve_audience`` and ``outbox.alert_items``, SQLite's path) would
write: the same people merged, the same addresses, languages, fallbacks and priorities, and the
ids handed to the queue in the same sending order. The directory has people in two networks and
at two organisations, addresses shared in another case and chains of shared addresses, people
without an e-mail or a number, observers and languages the message lacks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.delivery.models import Delivery
from dispatch.incidents.audience import resolve_audience
from dispatch.incidents.models import Incident, MessageVersion, Recipient
from dispatch.incidents.outbox import alert_items
from dispatch.incidents.written import in_sql
from tests.conftest import RecordingEnqueuer
from tests.factories import directory_csv, many_rows, mobile

# PostgreSQL only: SQLite takes the Python path itself.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

NETWORKS = ["NIK", "NONEMI", "NIFS"]


def _directory() -> list[dict[str, str]]:
    rows = many_rows(240)
    # One person at two organisations, the address written in another case.
    rows[15]["email"] = rows[5]["email"].upper()
    # A chain: 5 and 15 share an e-mail address, 15 and 25 a number, 25 and 35 an address.
    rows[25]["phone"] = rows[15]["phone"]
    rows[35]["email"] = rows[25]["email"]
    # An ordinary member shares the main contact of organisation 6's address: the main
    # contact's row decides the language.
    rows[52]["email"] = rows[60]["email"]
    rows[52]["language"] = "ur"
    # No e-mail; no number; a number only on the non-main row of a merged person.
    rows[41].update(email="", channels="sms")
    rows[42].update(phone="", channels="email")
    rows[70].update(phone="", channels="email")
    rows[81].update(email=rows[70]["email"], phone=mobile(1_999_001))
    return rows


def _recipient(r: Any) -> tuple[Any, ...]:
    return (
        r.person_key if isinstance(r, Recipient) else r.key,
        list(r.contact_ids),
        list(r.organisation_ids),
        list(r.network_codes),
        r.email,
        r.phone,
        r.language,
        list(r.channels),
        r.main_contact,
    )


async def test_the_database_writes_what_the_python_path_would(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
) -> None:
    imported = await coordinator_client.post(
        "/api/v1/directory/import",
        content=directory_csv(_directory()),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["rejected"] == []
    declared = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": "Flom",
            "networks": NETWORKS,
            "channels": ["email", "sms"],
            "message": {
                lang: {"subject": f"Flom {lang}", "sms": f"Flom {lang}", "body": f"Flom {lang}"}
                for lang in ("nb", "en", "ar", "so", "pl")
            },
        },
    )
    assert declared.status_code == 201, declared.text
    incident_id = declared.json()["id"]

    async with sessionmaker() as session:
        assert in_sql(session)
        incident = await session.get_one(Incident, incident_id)
        version = await session.scalar(
            select(MessageVersion).where(MessageVersion.incident_id == incident_id)
        )
        assert version is not None
        written = list(
            await session.scalars(select(Recipient).where(Recipient.incident_id == incident_id))
        )
        by_key = {r.person_key: r for r in written}
        deliveries = list(
            await session.scalars(select(Delivery).where(Delivery.incident_id == incident_id))
        )
        # The Python path on the same directory, written nowhere.
        people = await resolve_audience(session, NETWORKS)

    assert sorted(map(_recipient, written)) == sorted(_recipient(p) for p in people)
    assert len(people) < 240  # the merges happened
    chain = by_key[next(p.key for p in people if len(p.contact_ids) == 4)]
    assert len(chain.organisation_ids) == 4

    expected = alert_items(incident, version, [(by_key[p.key].id, p) for p in people], webhooks={})

    def delivery(d: Any) -> tuple[Any, ...]:
        return (d.target, d.channel, d.address, d.language, d.fallback, d.priority)

    assert sorted(map(delivery, deliveries)) == sorted(map(delivery, expected))
    assert any(d.fallback for d in deliveries)
    assert any(d.language == "ar" for d in deliveries)

    # The queue gets them in ``alert_items``' order: by priority, SMS first within one.
    sent = enqueued.ids
    assert sorted(sent) == sorted(d.id for d in deliveries)
    order = {d.id: (d.priority, d.channel != "sms") for d in deliveries}
    assert [order[i] for i in sent] == sorted(order[i] for i in sent)
