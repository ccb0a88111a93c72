"""A declaration answers once its rows are committed; the ids go to the queue after the answer.
A queue that refuses them loses nothing: the rows wait ``queued`` for the sweeper."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.delivery.models import Delivery
from tests.conftest import RecordingEnqueuer
from tests.factories import directory_csv, many_rows


async def test_a_queue_that_refuses_the_ids_loses_no_declaration(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    imported = await coordinator_client.post(
        "/api/v1/directory/import",
        content=directory_csv(many_rows(30)),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text

    def refuse(delivery_ids: Sequence[int], *, delay_ms: int = 0) -> None:
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(enqueued, "enqueue", refuse)
    declared = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": "Flom",
            "networks": ["NIK", "NONEMI", "NIFS"],
            "channels": ["email", "sms"],
            "message": {"nb": {"subject": "Flom", "sms": "Flom.", "body": "Flom."}},
        },
    )
    assert declared.status_code == 201, declared.text
    assert declared.json()["deliveries"]["planned"] == 60
    async with sessionmaker() as session:
        queued = await session.scalar(
            select(func.count()).where(
                Delivery.state == "queued", Delivery.incident_id.is_not(None)
            )
        )
    assert queued == 60
