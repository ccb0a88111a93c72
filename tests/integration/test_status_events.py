"""Provider status updates out of order, repeated, and for SIDs we do not know (yet)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.audit.service import Actor
from dispatch.db.base import utcnow
from dispatch.delivery import events
from dispatch.delivery.sweeper import SweepPolicy, sweep
from dispatch.directory.demo import load_demo
from dispatch.models import Delivery, StatusEvent

SID = "SM" + "a" * 32


@pytest.fixture
async def sms_delivery(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> int:
    async with sessionmaker() as session, session.begin():
        await load_demo(session, actor=Actor("test"))
    response = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": "T",
            "networks": ["NIK"],
            "channels": ["sms"],
            "message": {"nb": {"sms": "Test."}},
        },
    )
    assert response.status_code == 201, response.text
    async with sessionmaker() as session:
        delivery_id = await session.scalar(select(Delivery.id).order_by(Delivery.id).limit(1))
    assert delivery_id is not None
    return delivery_id


async def state_of(sessionmaker: async_sessionmaker[AsyncSession], delivery_id: int) -> str:
    async with sessionmaker() as session:
        state = await session.scalar(select(Delivery.state).where(Delivery.id == delivery_id))
    assert state is not None
    return state


async def apply(sessionmaker: async_sessionmaker[AsyncSession], state: str) -> str:
    async with sessionmaker() as session, session.begin():
        return await events.apply_status(session, provider_id=SID, state=state, reason=None)


async def test_callbacks_move_forward_only_and_repeat_harmlessly(
    sms_delivery: int, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Delivery)
            .where(Delivery.id == sms_delivery)
            .values(state="sent", provider_id=SID)
        )
    # Delivered before a late "sent": the late one changes nothing.
    assert await apply(sessionmaker, "delivered") == "applied"
    assert await apply(sessionmaker, "sent") == "ignored"
    for _ in range(10):
        assert await apply(sessionmaker, "delivered") == "ignored"
    assert await state_of(sessionmaker, sms_delivery) == "delivered"
    assert await apply(sessionmaker, "undeliverable") == "ignored"


async def test_a_callback_that_overtakes_our_record_is_applied_later(
    sms_delivery: int, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # Given a callback for a SID the worker has not recorded yet,
    assert await apply(sessionmaker, "delivered") == "pending"
    async with sessionmaker() as session:
        pending = (await session.scalars(select(StatusEvent))).all()
    assert [(e.state, e.applied_at) for e in pending] == [("delivered", None)]
    # when the worker records the SID and the sweeper runs,
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Delivery)
            .where(Delivery.id == sms_delivery)
            .values(state="sent", provider_id=SID)
        )
    async with sessionmaker() as session, session.begin():
        await sweep(session, SweepPolicy())
    # then the delivery is delivered and the event marked applied.
    assert await state_of(sessionmaker, sms_delivery) == "delivered"
    async with sessionmaker() as session:
        event = await session.scalar(select(StatusEvent))
    assert event is not None
    assert event.applied_at is not None


async def test_unknown_sid_is_kept_and_crashes_nothing(
    sms_delivery: int, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session, session.begin():
        result = await events.apply_status(
            session, provider_id="SMunknown", state="failed", reason="x"
        )
    assert result == "pending"
    async with sessionmaker() as session, session.begin():
        assert await events.apply_pending(session) == 0
    assert await state_of(sessionmaker, sms_delivery) == "queued"


async def test_sweeper_hands_back_lost_and_abandoned_rows(
    sms_delivery: int, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    policy = SweepPolicy(requeue_after_s=0, sending_timeout_s=0)
    claimed_at = utcnow() - timedelta(minutes=5)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Delivery)
            .where(Delivery.id == sms_delivery)
            .values(state="sending", sending_at=claimed_at)
        )
    async with sessionmaker() as session, session.begin():
        ids = await sweep(session, policy)
    assert sms_delivery in ids
    assert await state_of(sessionmaker, sms_delivery) == "queued"
    # Its worker died mid-send: the provider may have it since the claim, and is asked first.
    async with sessionmaker() as session:
        row = await session.get(Delivery, sms_delivery)
        assert row is not None
        assert row.uncertain_since == claimed_at
    # A second sweeper right after finds nothing new to hand out within the requeue time.
    async with sessionmaker() as session, session.begin():
        again = await sweep(session, SweepPolicy(requeue_after_s=60))
    assert sms_delivery not in again


async def test_a_status_for_an_id_never_recorded_is_dropped_after_an_hour(
    sms_delivery: int, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from datetime import timedelta

    from dispatch.db.base import utcnow

    async with sessionmaker() as session, session.begin():
        await events.apply_status(session, provider_id="SMlost", state="delivered", reason=None)
        await events.apply_status(session, provider_id="SMfresh", state="delivered", reason=None)
        await session.execute(
            update(StatusEvent)
            .where(StatusEvent.provider_id == "SMlost")
            .values(received_at=utcnow() - timedelta(hours=2))
        )
    async with sessionmaker() as session, session.begin():
        await sweep(session, SweepPolicy())
    async with sessionmaker() as session:
        kept = (await session.scalars(select(StatusEvent.provider_id))).all()
    assert kept == ["SMfresh"]
