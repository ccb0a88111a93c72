"""Exercises scheduled for a time, and an exercise's report beside the one before it.

The sweeper's clock is passed in here (``run_due(now=…)``); ``test_exercises_e2e`` waits for a
real one a few seconds away through real processes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.acks.models import AckVia
from dispatch.acks.service import acknowledge
from dispatch.db.base import utcnow
from dispatch.exercises import service
from dispatch.exercises.models import ScheduledExercise
from dispatch.incidents.models import Incident, Recipient
from tests.factories import declare_demo_exercise

MESSAGE = {"nb": {"subject": "Øvelse", "body": "Dette er en øvelse.", "sms": "Øvelse."}}


def schedule(at: Any, **incident: Any) -> dict[str, Any]:
    return {
        "at": at.isoformat() if hasattr(at, "isoformat") else at,
        "incident": {
            "title": "Planlagt øvelse",
            "networks": ["NIK"],
            "status": "actual",  # scheduled exercises are exercises whatever this says
            "channels": ["email", "sms"],
            "message": MESSAGE,
            **incident,
        },
    }


async def count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.usefixtures("demo")
async def test_a_scheduled_exercise_is_declared_once_when_due(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    at = utcnow() + timedelta(hours=1)
    created = await coordinator_client.post("/api/v1/exercises", json=schedule(at))
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "scheduled"
    async with sessionmaker() as session, session.begin():
        assert await service.run_due(session, now=at - timedelta(seconds=1)) == []
    async with sessionmaker() as session, session.begin():
        ids = await service.run_due(session, now=at + timedelta(seconds=1))
    assert ids
    async with sessionmaker() as session, session.begin():
        assert await service.run_due(session, now=at + timedelta(seconds=2)) == []
    async with sessionmaker() as session:
        incidents = (await session.scalars(select(Incident))).all()
    assert [(i.status, i.title) for i in incidents] == [("exercise", "Planlagt øvelse")]
    shown = (await coordinator_client.get(f"/api/v1/exercises/{created.json()['id']}")).json()
    assert shown["state"] == "declared"
    assert shown["incident_id"] == incidents[0].id


@pytest.mark.usefixtures("demo")
async def test_a_mistake_is_refused_when_scheduling_not_at_three_in_the_morning(
    coordinator_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    soon = utcnow() + timedelta(hours=1)
    for payload, reason in [
        (schedule(soon, networks=["NOPE"]), "unknown network"),
        (schedule(utcnow() - timedelta(minutes=1)), "must be in the future"),
        (schedule("2030-01-01T10:00:00"), "time zone offset"),
        (schedule(soon, message={}), "language"),
    ]:
        refused = await coordinator_client.post("/api/v1/exercises", json=payload)
        assert refused.status_code == 422, payload
        assert reason in refused.json()["detail"].lower(), refused.json()
    assert (await viewer_client.post("/api/v1/exercises", json=schedule(soon))).status_code == 403
    async with sessionmaker() as session:
        assert await count(session, ScheduledExercise) == 0


@pytest.mark.usefixtures("demo")
async def test_cancelled_or_no_longer_valid_exercises_are_not_declared(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    at = utcnow() + timedelta(hours=1)
    cancelled = (await coordinator_client.post("/api/v1/exercises", json=schedule(at))).json()
    broken = (await coordinator_client.post("/api/v1/exercises", json=schedule(at))).json()
    done = await coordinator_client.delete(f"/api/v1/exercises/{cancelled['id']}")
    assert done.json()["state"] == "cancelled"
    again = await coordinator_client.delete(f"/api/v1/exercises/{cancelled['id']}")
    assert again.status_code == 409
    # Between scheduling and the time, the body stopped being valid (here: edited in place).
    async with sessionmaker() as session, session.begin():
        row = await session.get(ScheduledExercise, broken["id"])
        assert row is not None
        await session.execute(
            update(ScheduledExercise)
            .where(ScheduledExercise.id == broken["id"])
            .values(body={**row.body, "networks": ["GONE"]})
        )
    async with sessionmaker() as session, session.begin():
        assert await service.run_due(session, now=at + timedelta(seconds=1)) == []
    async with sessionmaker() as session:
        assert await count(session, Incident) == 0
    failed = (await coordinator_client.get(f"/api/v1/exercises/{broken['id']}")).json()
    assert failed["state"] == "failed"
    assert "GONE" in failed["error"]


async def test_an_exercise_report_compares_with_the_one_before(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    first = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Øvelse 1", message=MESSAGE
    )
    second = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Øvelse 2", message=MESSAGE
    )
    # Half of the second exercise's recipients acknowledge; no one did the first time.
    async with sessionmaker() as session, session.begin():
        recipients = (
            await session.scalars(
                select(Recipient)
                .where(Recipient.incident_id == second["id"])
                .order_by(Recipient.id)
            )
        ).all()
        for r in recipients[: len(recipients) // 2]:
            await acknowledge(
                session,
                incident_id=second["id"],
                recipient_id=r.id,
                via=AckVia.API,
                delivery_id=None,
            )
    report = (await coordinator_client.get(f"/api/v1/incidents/{second['id']}/report")).json()
    c = report["comparison"]
    assert c["previous_id"] == first["id"]
    assert c["recipients"] == {"previous": len(recipients), "current": len(recipients)}
    assert c["ack_rate"]["previous"] == 0
    assert c["ack_rate"]["current"] == pytest.approx(
        (len(recipients) // 2) / len(recipients), abs=1e-4
    )
    assert c["silent_organisations"]["current"] < c["silent_organisations"]["previous"]
    assert c["no_longer_silent"]
    previous = (await coordinator_client.get(f"/api/v1/incidents/{first['id']}/report")).json()
    silent_before = {o["name"] for o in previous["silent_organisations"]}
    assert set(c["still_silent"]) | set(c["no_longer_silent"]) == silent_before
    html = await coordinator_client.get(f"/api/v1/incidents/{second['id']}/report?format=html")
    assert 'id="comparison"' in html.text
    assert "Øvelse 1" in html.text
    earlier = await coordinator_client.get(f"/api/v1/incidents/{first['id']}/report?format=html")
    assert "den neste blir sammenlignet med denne" in earlier.text
    assert (await coordinator_client.get(f"/api/v1/incidents/{first['id']}/report")).json()[
        "comparison"
    ] is None
