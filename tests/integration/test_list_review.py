"""The yearly list review over HTTP: starting it, the contact's page, reminders and the deadline.

Time is the service's own clock here (``run_due(now=…)``); ``test_list_review_e2e`` runs the
whole flow through real processes with deadlines a few seconds away.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.audit.models import AuditEvent
from dispatch.campaigns import service
from dispatch.campaigns.models import Campaign, CampaignTarget
from dispatch.db.base import utcnow
from dispatch.delivery.models import Delivery
from dispatch.directory.models import Contact, Membership, Network
from dispatch.security.links import make_token
from tests.conftest import RecordingEnqueuer

SECRET = "test-secret-key"


def body(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    return {
        "networks": ["NIK"],
        "reminder_at": (now + timedelta(days=14)).isoformat(),
        "deadline": (now + timedelta(days=28)).isoformat(),
        **overrides,
    }


async def nik_contacts(session: AsyncSession) -> list[Contact]:
    return list(
        (
            await session.scalars(
                select(Contact)
                .where(
                    Contact.active.is_(True),
                    Contact.organisation_id.in_(
                        select(Membership.organisation_id)
                        .join(Network, Network.id == Membership.network_id)
                        .where(Network.code == "NIK")
                    ),
                )
                .order_by(Contact.id)
            )
        ).all()
    )


async def link_of(session: AsyncSession, contact_id: int) -> str:
    delivery_id = await session.scalar(
        select(Delivery.id)
        .join(CampaignTarget, CampaignTarget.id == Delivery.source_id)
        .where(Delivery.source_kind == "list_review", CampaignTarget.contact_id == contact_id)
    )
    assert delivery_id is not None
    return f"/confirm/{make_token(SECRET, delivery_id, purpose='confirm')}"


@pytest.mark.usefixtures("demo")
async def test_starting_asks_every_active_contact_once(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
) -> None:
    async with sessionmaker() as session:
        contacts = await nik_contacts(session)
    started = await coordinator_client.post(
        "/api/v1/campaigns/list-review", json=body(), headers={"Idempotency-Key": "review-2027"}
    )
    assert started.status_code == 201, started.text
    answer = started.json()
    assert answer["targets"] == len(contacts)
    reachable = [c for c in contacts if c.email or c.phone]
    assert answer["deliveries"] == len(reachable) == len(enqueued.ids)
    async with sessionmaker() as session:
        rows = (await session.scalars(select(Delivery))).all()
    # E-mail where there is an address, SMS for the rest; never both, never twice.
    by_contact = {c.id: c for c in contacts}
    for row in rows:
        contact = by_contact[int(row.target.rsplit(":", 1)[1])]
        assert row.channel == ("email" if contact.email else "sms")
        assert row.address == (contact.email or contact.phone)
        assert row.language == contact.language
    again = await coordinator_client.post(
        "/api/v1/campaigns/list-review", json=body(), headers={"Idempotency-Key": "review-2027"}
    )
    assert again.status_code == 200
    assert again.json()["id"] == answer["id"]
    assert len(enqueued.ids) == len(reachable)


@pytest.mark.usefixtures("demo")
async def test_a_bad_request_says_why_and_writes_nothing(
    coordinator_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    cases = [
        (body(networks=["NIK", "XYZ"]), "unknown network 'XYZ'"),
        (body(networks=[]), "choose at least one network"),
        (body(deadline=(now - timedelta(days=1)).isoformat()), "deadline must be in the future"),
        (
            body(reminder_at=(now + timedelta(days=40)).isoformat()),
            "reminder_at must be after now and before the deadline",
        ),
        (body(deadline="2030-01-31T12:00:00"), "time zone offset"),
    ]
    for payload, reason in cases:
        refused = await coordinator_client.post("/api/v1/campaigns/list-review", json=payload)
        assert refused.status_code == 422, payload
        assert refused.headers["content-type"] == "application/problem+json"
        assert reason.lower() in refused.json()["detail"].lower(), refused.json()
    forbidden = await viewer_client.post("/api/v1/campaigns/list-review", json=body())
    assert forbidden.status_code == 403
    async with sessionmaker() as session:
        for model in (Campaign, CampaignTarget, Delivery):
            assert await session.scalar(select(func.count()).select_from(model)) == 0


@pytest.mark.usefixtures("demo")
async def test_the_contact_confirms_or_corrects_on_their_own_page(
    app: Any,
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await coordinator_client.post("/api/v1/campaigns/list-review", json=body())
    async with sessionmaker() as session:
        contact = next(c for c in await nik_contacts(session) if c.language == "ar")
        link = await link_of(session, contact.id)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as member:
        page = await member.get(link)
        assert page.status_code == 200
        assert '<html lang="ar" dir="rtl">' in page.text
        assert contact.name in page.text
        tampered = await member.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
        assert tampered.status_code == 404
        fields = {
            "name": contact.name,
            "email": contact.email or "",
            "phone": "not a number",
            "language": "ar",
        }
        refused = await member.post(link, data=fields)
        assert refused.status_code == 422
        assert 'value="not a number"' in refused.text
        async with sessionmaker() as session:
            unchanged = await session.get(Contact, contact.id)
            assert unchanged is not None
            assert unchanged.phone == contact.phone
            target = await session.scalar(
                select(CampaignTarget).where(CampaignTarget.contact_id == contact.id)
            )
            assert target is not None
            assert target.state == "pending"
        confirmed = await member.post(link, data={**fields, "phone": "", "language": "fa-AF"})
        assert confirmed.status_code == 200, confirmed.text
    async with sessionmaker() as session:
        changed = await session.get(Contact, contact.id)
        assert changed is not None
        assert (changed.phone, changed.language) == (None, "fa-AF")
        assert changed.last_confirmed_at is not None
        target = await session.scalar(
            select(CampaignTarget).where(CampaignTarget.contact_id == contact.id)
        )
        assert target is not None
        assert target.state == "confirmed"
        assert target.changes == {"phone": [contact.phone, ""], "language": ["ar", "fa-AF"]}
        actions = (
            await session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.entity_type == "contact", AuditEvent.entity_id == str(contact.id)
                )
            )
        ).all()
        assert {"contact.updated", "contact.confirmed"} <= set(actions)


@pytest.mark.usefixtures("demo")
async def test_reminder_then_deadline_deactivate_only_the_silent(
    app: Any,
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    started = (await coordinator_client.post("/api/v1/campaigns/list-review", json=body())).json()
    async with sessionmaker() as session:
        contacts = await nik_contacts(session)
        answering = contacts[0]
        link = await link_of(session, answering.id)
        campaign = await session.get(Campaign, started["id"])
        assert campaign is not None
        reminder_at, deadline = campaign.reminder_at, campaign.deadline
    assert reminder_at is not None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as member:
        fields = {
            "name": answering.name,
            "email": answering.email or "",
            "phone": answering.phone or "",
            "language": answering.language,
            "replacement_name": "Nora Nyansatt",
            "replacement_email": "nora@example.no",
        }
        assert (await member.post(link, data=fields)).status_code == 200

    async with sessionmaker() as session, session.begin():
        assert await service.run_due(session, now=reminder_at - timedelta(seconds=1)) == []
    async with sessionmaker() as session, session.begin():
        reminders = await service.run_due(session, now=reminder_at + timedelta(seconds=1))
    silent_reachable = [c for c in contacts[1:] if c.email or c.phone]
    assert len(reminders) == len(silent_reachable)
    async with sessionmaker() as session, session.begin():
        assert await service.run_due(session, now=reminder_at + timedelta(seconds=2)) == []
        await service.run_due(session, now=deadline + timedelta(seconds=1))

    async with sessionmaker() as session:
        states = {
            c.id: c.active
            for c in (
                await session.scalars(
                    select(Contact).where(Contact.id.in_([c.id for c in contacts]))
                )
            ).all()
        }
        assert states[answering.id] is True
        assert all(states[c.id] is False for c in contacts[1:])
        deactivations = await session.scalar(
            select(func.count()).where(AuditEvent.action == "contact.deactivated")
        )
        assert deactivations == len(contacts) - 1
    summary = (await coordinator_client.get(f"/api/v1/campaigns/{started['id']}")).json()
    assert summary["state"] == "finished"
    assert summary["totals"] == {
        "contacts": len(contacts),
        "confirmed": 1,
        "pending": 0,
        "deactivated": len(contacts) - 1,
    }
    lost = {o["id"] for o in summary["lost_last_contact"]}
    assert answering.organisation_id not in lost
    assert lost  # the others' organisations have no active contact left (unless in other networks)
    assert summary["replacements"][0]["name"] == "Nora Nyansatt"
    # After the deadline the page says so, and answering does not bring anyone back.
    async with (
        sessionmaker() as session,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
        ) as member,
    ):
        late = await link_of(session, contacts[1].id)
        assert (await member.get(late)).status_code == 410
        assert (await member.post(late, data={"name": "x", "language": "nb"})).status_code == 410
