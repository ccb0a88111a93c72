"""Declaring incidents over HTTP (workers replaced by a recorder): validation, audience, outbox."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.models import Delivery, Incident, MessageVersion, Recipient
from tests.conftest import RecordingEnqueuer

Client = httpx.AsyncClient


def body(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Utbrudd av meslinger",
        "networks": ["NIK", "NONEMI", "NIFS"],
        "status": "exercise",
        "severity": "severe",
        "urgency": "immediate",
        "certainty": "likely",
        "ack_required": True,
        "ack_deadline_minutes": 30,
        "channels": ["email", "sms"],
        "message": {
            "nb": {"subject": "Meslinger", "sms": "Meslingutbrudd i Oslo.", "body": "Detaljer."},
            "en": {"subject": "Measles", "sms": "Measles outbreak in Oslo.", "body": "Details."},
            "ar": {"subject": "الحصبة", "sms": "تفشي الحصبة في أوسلو.", "body": "تفاصيل."},
            "pl": {"subject": "Odra", "sms": "Ognisko odry w Oslo.", "body": "Szczegóły."},
        },
    }
    base.update(overrides)
    return base


async def counts(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessionmaker() as session:
        return {
            m.__tablename__: (await session.scalar(select(func.count()).select_from(m))) or 0
            for m in (Incident, MessageVersion, Recipient, Delivery)
        }


@pytest.mark.usefixtures("demo")
async def test_declare_writes_everything_in_one_go_and_enqueues_after(
    coordinator_client: Client,
    enqueued: RecordingEnqueuer,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    response = await coordinator_client.post("/api/v1/incidents", json=body())
    assert response.status_code == 201, response.text
    declared = response.json()
    assert declared["state"] == "active"
    # The demo has 30 contact rows; Ahmed Hassan sits in two organisations and networks.
    assert declared["recipients"] == 29
    async with sessionmaker() as session:
        deliveries = (await session.scalars(select(Delivery))).all()
    assert declared["deliveries"]["planned"] == len(deliveries)
    assert sorted(enqueued.ids) == sorted(d.id for d in deliveries)
    # Main contacts are queued first.
    first_batch = enqueued.calls[0][0]
    main_ids = {d.id for d in deliveries if d.priority == 0}
    assert set(first_batch[: len(main_ids)]) == main_ids

    per_target: dict[tuple[str, str], int] = {}
    for d in deliveries:
        per_target[(d.target, d.channel)] = per_target.get((d.target, d.channel), 0) + 1
    assert set(per_target.values()) == {1}

    by_address = {d.address: d for d in deliveries if d.channel == "sms"}
    assert by_address["+4741000100"].language == "ar"  # Ahmed prefers Arabic
    assert by_address["+4791000242"].language == "pl"
    somali = by_address["+4741000263"]
    assert (somali.language, somali.fallback) == ("en", True)
    sami = next(d for d in deliveries if d.address == "maret.sara@tromso.kommune.example")
    assert (sami.language, sami.fallback) == ("nb", True)


@pytest.mark.usefixtures("demo")
async def test_idempotency_key_returns_the_first_incident_and_sends_nothing_twice(
    coordinator_client: Client,
    enqueued: RecordingEnqueuer,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    headers = {"Idempotency-Key": "meslinger-2026-11-23"}
    first = await coordinator_client.post("/api/v1/incidents", json=body(), headers=headers)
    assert first.status_code == 201
    before = await counts(sessionmaker)
    enqueued_before = len(enqueued.ids)

    again = await coordinator_client.post("/api/v1/incidents", json=body(), headers=headers)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["deliveries"] == first.json()["deliveries"]
    assert await counts(sessionmaker) == before
    assert len(enqueued.ids) == enqueued_before


@pytest.mark.usefixtures("demo")
async def test_preview_counts_and_writes_nothing(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    before = await counts(sessionmaker)
    response = await coordinator_client.post("/api/v1/incidents/preview", json=body())
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["recipients"] == 29
    assert preview["by_language"]["ar"] == 2  # Ahmed once, though he is in two networks
    assert preview["fallbacks"]["so"] == "en"
    assert preview["fallbacks"]["nn"] == "nb"
    sms = preview["sms"]
    assert sms["per_language"]["nb"]["encoding"] == "GSM-7"
    assert sms["per_language"]["ar"]["encoding"] == "UCS-2"
    assert sms["segments_total"] >= preview["deliveries"]["sms"]
    assert await counts(sessionmaker) == before


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"networks": ["NIK", "XYZ"]}, "unknown network 'XYZ'"),
        ({"message": {}}, "the message is empty"),
        ({"message": {"xx": {"subject": "s", "sms": "s", "body": "b"}}}, "'xx' is not a language"),
        ({"ack_deadline_minutes": 0}, "between 1 and 10080"),
        ({"ack_deadline_minutes": 10081}, "between 1 and 10080"),
        ({"ack_deadline_seconds": 5}, "between 10 and 604800"),
        ({"message": {"nb": {"subject": "s", "sms": "x" * 1600, "body": "b"}}}, "the most is 10"),
        ({"message": {"nb": {"subject": "s", "body": "b"}}}, "the SMS text is empty"),
        ({"status": "drill"}, "status 'drill' must be one of"),
        ({"channels": ["fax"]}, "channel 'fax'"),
        # A line break in a subject passed and then failed every e-mail's header.
        (
            {
                "message": {
                    "nb": {"subject": "Varsel\r\nBcc: x@evil.example", "sms": "s", "body": "b"}
                }
            },
            "subject contains the control character U+000D",
        ),
        ({"message": {"nb": {"subject": "s", "sms": "s", "body": "b\x07"}}}, "U+0007"),
        ({"title": "Utbrudd\nav meslinger"}, "title contains the control character U+000A"),
    ],
)
@pytest.mark.usefixtures("demo")
async def test_invalid_declarations_are_422_and_write_nothing(
    coordinator_client: Client,
    enqueued: RecordingEnqueuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    change: dict[str, Any],
    phrase: str,
) -> None:
    before = await counts(sessionmaker)
    response = await coordinator_client.post("/api/v1/incidents", json=body(**change))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert phrase.lower() in response.json()["detail"].lower()
    assert await counts(sessionmaker) == before
    assert enqueued.ids == []


@pytest.mark.usefixtures("demo")
async def test_updates_and_closing_go_to_the_same_audience(
    coordinator_client: Client,
    enqueued: RecordingEnqueuer,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    incident = (await coordinator_client.post("/api/v1/incidents", json=body())).json()
    # Given a contact deactivated after the declaration, the update still reaches them.
    contacts = (await coordinator_client.get("/api/v1/contacts", params={"page_size": 500})).json()
    await coordinator_client.patch(
        f"/api/v1/contacts/{contacts['items'][0]['id']}", json={"active": False}
    )

    update = await coordinator_client.post(
        f"/api/v1/incidents/{incident['id']}/updates",
        json={
            "message": {"nb": {"subject": "Oppdatering", "sms": "Nytt tilfelle.", "body": "Mer."}}
        },
    )
    assert update.status_code == 201, update.text
    assert update.json()["deliveries"]["planned"] == incident["deliveries"]["planned"]

    closed = await coordinator_client.post(
        f"/api/v1/incidents/{incident['id']}/close",
        json={
            "message": {
                "nb": {"subject": "Avsluttet", "sms": "Hendelsen er over.", "body": "Takk."}
            }
        },
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "closed"
    async with sessionmaker() as session:
        kinds = (
            await session.scalars(select(MessageVersion.kind).order_by(MessageVersion.sequence))
        ).all()
    assert kinds == ["alert", "update", "cancel"]

    again = await coordinator_client.post(f"/api/v1/incidents/{incident['id']}/close")
    assert again.status_code == 409


@pytest.mark.usefixtures("demo")
async def test_incident_list_and_stats(coordinator_client: Client, viewer_client: Client) -> None:
    await coordinator_client.post("/api/v1/incidents", json=body())
    await coordinator_client.post("/api/v1/incidents", json=body(status="actual", title="Flom"))
    exercises = (await viewer_client.get("/api/v1/incidents", params={"status": "exercise"})).json()
    assert [i["title"] for i in exercises["items"]] == ["Utbrudd av meslinger"]
    one = (await viewer_client.get(f"/api/v1/incidents/{exercises['items'][0]['id']}")).json()
    assert one["stats"]["recipients"] == 29
    assert one["stats"]["deliveries"]["queued"] > 0
    forbidden = await viewer_client.post("/api/v1/incidents", json=body())
    assert forbidden.status_code == 403
