"""The JSON and HTML report counts its recipients and deliveries in PostgreSQL, the CSV and XLSX
(and SQLite) as the rows stream past: both give the same report, to the last count, second and
the order of its lists, on an incident with two messages, fallbacks, failures with and without a
reason, people in two networks and at two organisations, several languages, and acknowledgements
by SMS and by link spread over minutes."""

from __future__ import annotations

from datetime import timedelta

import httpx
import msgspec
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.acks.models import AckVia
from dispatch.acks.service import acknowledge
from dispatch.models import Acknowledgement, Delivery, Incident, Recipient
from dispatch.reports.schemas import Report
from dispatch.reports.service import build
from tests.conftest import RecordingEnqueuer
from tests.factories import directory_csv, many_rows

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

STATES = ["delivered", "sent", "failed", "undeliverable", "delivered", "sending", "queued"]
ERRORS = ["the number does not exist", None, "mailbox unknown", ""]
NETWORK_CODES = [None] * 9 + ["NIK", ""]


async def test_counted_in_sql_or_streamed_the_report_is_the_same(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
) -> None:
    rows = many_rows(140)
    rows[30]["email"] = rows[3]["email"]  # one person at two organisations
    imported = await coordinator_client.post(
        "/api/v1/directory/import",
        content=directory_csv(rows),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    message = {
        "nb": {"subject": "Flom", "sms": "Flom.", "body": "Flom."},
        "ar": {"subject": "فيضان", "sms": "فيضان.", "body": "فيضان."},
        "pl": {"subject": "Powódź", "sms": "Powódź.", "body": "Powódź."},
    }
    declared = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": "Flom",
            "networks": ["NIK", "NONEMI", "NIFS"],
            "channels": ["email", "sms"],
            "message": message,
        },
    )
    assert declared.status_code == 201, declared.text
    incident_id = declared.json()["id"]
    updated = await coordinator_client.post(
        f"/api/v1/incidents/{incident_id}/updates", json={"message": message}
    )
    assert updated.status_code in (200, 201), updated.text

    async with sessionmaker() as session, session.begin():
        incident = await session.get_one(Incident, incident_id)
        ids = (
            await session.scalars(
                select(Delivery.id).where(Delivery.incident_id == incident_id).order_by(Delivery.id)
            )
        ).all()
        for n, delivery_id in enumerate(ids):
            at = incident.declared_at + timedelta(seconds=n % 37)
            state = STATES[n % len(STATES)]
            await session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(
                    state=state,
                    sent_at=None if state in ("queued", "sending") else at,
                    last_error=ERRORS[n % len(ERRORS)] if state in STATES[2:4] else None,
                    # A delivery that names its own network (as a Teams message does), or none.
                    network_code=NETWORK_CODES[n % len(NETWORK_CODES)],
                )
            )
        recipients = (
            await session.scalars(
                select(Recipient).where(Recipient.incident_id == incident_id).order_by(Recipient.id)
            )
        ).all()
        # Every third person acknowledges, but nobody at every fourth organisation (silent).
        speaking = [r for r in recipients if all(o % 4 for o in r.organisation_ids)]
        for recipient, via in zip(speaking[::3], [AckVia.SMS, AckVia.LINK] * 100, strict=False):
            await acknowledge(
                session,
                incident_id=incident_id,
                recipient_id=recipient.id,
                via=via,
                delivery_id=None,
            )
        # Acknowledged over several minutes, to the microsecond: the times to acknowledge and the
        # minutes of the curve come from the same seconds either way.
        acks = (
            await session.scalars(
                select(Acknowledgement)
                .where(Acknowledgement.incident_id == incident_id)
                .order_by(Acknowledgement.id)
            )
        ).all()
        for n, ack in enumerate(acks):
            ack.at = incident.declared_at + timedelta(seconds=n * 7.3, microseconds=n * 1_237)

    def plain(report: object) -> object:
        built = msgspec.to_builtins(report)
        assert isinstance(built, dict)
        built.pop("generated_at")
        return built

    async with sessionmaker() as session:
        for personal in (True, False):
            in_sql = await build(session, incident_id, personal=personal)
            streamed = await build(session, incident_id, personal=personal, on_row=lambda _: None)
            assert plain(in_sql) == plain(streamed)
        in_two_networks = await session.scalar(
            select(Recipient.id).where(
                Recipient.incident_id == incident_id, func.cardinality(Recipient.network_codes) > 1
            )
        )
        at_two_organisations = await session.scalar(
            select(Recipient.id).where(
                Recipient.incident_id == incident_id,
                func.cardinality(Recipient.organisation_ids) > 1,
            )
        )
    # The seed reached every part the two count.
    assert in_two_networks is not None
    assert at_two_organisations is not None
    assert streamed.failure_reasons
    assert any(r.reason == "no reason given" for r in streamed.failure_reasons)
    assert streamed.fallbacks
    assert len(streamed.by_network) == 3
    assert all(b.recipients and b.acknowledged for b in streamed.by_network.values())
    assert sorted(streamed.time_to_ack_by_network) == ["NIFS", "NIK", "NONEMI"]
    assert sorted(streamed.time_to_ack_by_channel) == ["email", "sms"]
    assert len([b for b in streamed.by_language.values() if b.recipients]) >= 3
    assert any(o.acknowledged for o in streamed.organisations)
    assert streamed.silent_organisations
    assert len(streamed.acks_over_time) > 3
    assert streamed.timeline
    personal_report = await _personal(sessionmaker, incident_id)
    assert personal_report.fallback_people
    assert all(p.name and p.organisation for p in personal_report.fallback_people)


async def _personal(sessionmaker: async_sessionmaker[AsyncSession], incident_id: int) -> Report:
    async with sessionmaker() as session:
        return await build(session, incident_id, personal=True)
