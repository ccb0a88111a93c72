"""The directory API over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.audit.models import AuditEvent
from dispatch.directory.models import Contact, Organisation
from tests.fakes.teams import TeamsReceiver

Client = httpx.AsyncClient

OSLO: dict[str, Any] = {
    "name": "Oslo kommune",
    "kind": "municipality",
    "organisation_number": "958935420",
    "municipality_number": "0301",
    "networks": [{"code": "NIK"}, {"code": "NIFS", "role": "observer"}],
}


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessionmaker() as session:
        return (await session.scalar(select(func.count()).select_from(model))) or 0


async def test_three_networks_are_always_there(coordinator_client: Client) -> None:
    response = await coordinator_client.get("/api/v1/networks")
    assert response.status_code == 200
    assert [n["code"] for n in response.json()] == ["NIK", "NONEMI", "NIFS"]


async def test_network_webhook_must_be_https_except_on_loopback(coordinator_client: Client) -> None:
    bad = await coordinator_client.patch(
        "/api/v1/networks/NIK", json={"teams_webhook_url": "http://teams.example.com/hook"}
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "must use https" in bad.json()["detail"]

    good = await coordinator_client.patch(
        "/api/v1/networks/nik",
        json={"teams_webhook_url": "https://prod-01.westeurope.logic.azure.com/hook"},
    )
    assert good.status_code == 200
    assert good.json()["teams_webhook_url"] == "https://prod-01.westeurope.logic.azure.com/hook"

    loopback = await coordinator_client.patch(
        "/api/v1/networks/NIFS", json={"teams_webhook_url": "http://127.0.0.1:9999/teams"}
    )
    assert loopback.status_code == 200

    unknown = await coordinator_client.patch(
        "/api/v1/networks/XYZ", json={"teams_webhook_url": None}
    )
    assert unknown.status_code == 404
    assert "NIK, NONEMI and NIFS" in unknown.json()["detail"]


async def test_organisation_lifecycle(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    created = await coordinator_client.post("/api/v1/organisations", json=OSLO)
    assert created.status_code == 201, created.text
    org = created.json()
    assert org["networks"] == [
        {"code": "NIK", "role": "member"},
        {"code": "NIFS", "role": "observer"},
    ]

    # Given the organisation, when a second one claims its number, then it is a conflict.
    clash = await coordinator_client.post("/api/v1/organisations", json={**OSLO, "name": "Oslo 2"})
    assert clash.status_code == 409
    assert "958935420" in clash.json()["detail"]

    patched = await coordinator_client.patch(
        f"/api/v1/organisations/{org['id']}",
        json={"name": "Oslo kommune, helseetaten", "networks": [{"code": "NIK"}]},
    )
    assert patched.status_code == 200
    assert patched.json()["name"] == "Oslo kommune, helseetaten"
    assert patched.json()["networks"] == [{"code": "NIK", "role": "member"}]

    in_nifs = await coordinator_client.get("/api/v1/organisations", params={"network": "NIFS"})
    assert in_nifs.json()["total"] == 0
    in_nik = await coordinator_client.get("/api/v1/organisations", params={"network": "NIK"})
    assert in_nik.json()["total"] == 1

    removed = await coordinator_client.delete(f"/api/v1/organisations/{org['id']}")
    assert removed.status_code == 204
    assert (await coordinator_client.get(f"/api/v1/organisations/{org['id']}")).status_code == 404
    assert await count(sessionmaker, Organisation) == 0


async def test_invalid_organisation_lists_every_reason_and_writes_nothing(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    audit_before = await count(sessionmaker, AuditEvent)
    response = await coordinator_client.post(
        "/api/v1/organisations",
        json={
            "name": " ",
            "kind": "castle",
            "organisation_number": "958935421",
            "networks": [{"code": "ABC"}],
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    assert len(body["errors"]) == 4
    assert "check digit" in body["detail"]
    assert "castle" in body["detail"]
    assert "unknown network 'ABC'" in body["detail"]
    assert await count(sessionmaker, Organisation) == 0
    assert await count(sessionmaker, AuditEvent) == audit_before


async def test_malformed_body_is_a_clear_422(coordinator_client: Client) -> None:
    response = await coordinator_client.post(
        "/api/v1/organisations", json={"name": 12, "kind": "ngo"}
    )
    assert response.status_code == 422
    assert "field 'name'" in response.json()["detail"]

    unknown_field = await coordinator_client.post(
        "/api/v1/organisations", json={**OSLO, "colour": "red"}
    )
    assert unknown_field.status_code == 422
    assert "colour" in unknown_field.json()["detail"]


async def _oslo(client: Client) -> int:
    response = await client.post("/api/v1/organisations", json=OSLO)
    assert response.status_code == 201, response.text
    org_id: int = response.json()["id"]
    return org_id


async def test_contact_lifecycle_normalises_values(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    org_id = await _oslo(coordinator_client)
    created = await coordinator_client.post(
        "/api/v1/contacts",
        json={
            "organisation_id": org_id,
            "name": "Zahra Ahmadi",
            "email": "Zahra.Ahmadi@OSLO.kommune.example",
            "phone": "912 34 567",
            "language": "prs",
            "main_contact": True,
        },
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["phone"] == "+4791234567"
    assert contact["email"] == "Zahra.Ahmadi@oslo.kommune.example"
    assert contact["language"] == "fa-AF"
    assert contact["channels"] == ["email", "sms"]
    assert contact["active"] is True

    # Removing the phone drops the SMS channel rather than leaving an unreachable channel.
    patched = await coordinator_client.patch(
        f"/api/v1/contacts/{contact['id']}", json={"phone": None, "active": False}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["channels"] == ["email"]
    assert patched.json()["active"] is False

    active = await coordinator_client.get("/api/v1/contacts", params={"active": "true"})
    assert active.json()["total"] == 0
    inactive = await coordinator_client.get(
        "/api/v1/contacts", params={"active": "false", "network": "NIK", "organisation_id": org_id}
    )
    assert [c["id"] for c in inactive.json()["items"]] == [contact["id"]]

    assert (await coordinator_client.delete(f"/api/v1/contacts/{contact['id']}")).status_code == 204
    assert await count(sessionmaker, Contact) == 0


async def test_contact_that_cannot_be_reached_is_rejected(coordinator_client: Client) -> None:
    org_id = await _oslo(coordinator_client)
    response = await coordinator_client.post(
        "/api/v1/contacts",
        json={
            "organisation_id": org_id,
            "name": "Per",
            "email": "per@x.example",
            "channels": ["sms"],
        },
    )
    assert response.status_code == 422
    assert "Channel 'sms' needs a phone number" in response.json()["detail"]

    nowhere = await coordinator_client.post(
        "/api/v1/contacts", json={"organisation_id": 999, "name": "Per", "email": "per@x.example"}
    )
    assert nowhere.status_code == 422
    assert "no organisation with id 999" in nowhere.json()["detail"]


async def test_same_address_twice_at_one_organisation_is_a_conflict(
    coordinator_client: Client,
) -> None:
    org_id = await _oslo(coordinator_client)
    body = {"organisation_id": org_id, "name": "Per", "phone": "+4791234567"}
    assert (await coordinator_client.post("/api/v1/contacts", json=body)).status_code == 201
    again = await coordinator_client.post("/api/v1/contacts", json={**body, "name": "Pål"})
    assert again.status_code == 409
    assert "phone number" in again.json()["detail"]


async def test_deleting_an_organisation_with_contacts_needs_cascade(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    org_id = await _oslo(coordinator_client)
    await coordinator_client.post(
        "/api/v1/contacts", json={"organisation_id": org_id, "name": "Per", "phone": "+4791234567"}
    )
    refused = await coordinator_client.delete(f"/api/v1/organisations/{org_id}")
    assert refused.status_code == 409
    assert "cascade=true" in refused.json()["detail"]
    assert await count(sessionmaker, Contact) == 1

    removed = await coordinator_client.delete(
        f"/api/v1/organisations/{org_id}", params={"cascade": "true"}
    )
    assert removed.status_code == 204
    assert await count(sessionmaker, Contact) == 0


async def test_paging(coordinator_client: Client) -> None:
    for i in range(7):
        await coordinator_client.post(
            "/api/v1/organisations",
            json={"name": f"Org {i}", "kind": "ngo", "networks": [{"code": "NIFS"}]},
        )
    page = await coordinator_client.get("/api/v1/organisations", params={"page": 2, "page_size": 3})
    body = page.json()
    assert body["total"] == 7
    assert body["page"] == 2
    assert body["page_size"] == 3
    assert [o["name"] for o in body["items"]] == ["Org 3", "Org 4", "Org 5"]

    too_big = await coordinator_client.get("/api/v1/organisations", params={"page_size": 501})
    assert too_big.status_code == 422
    assert "page_size" in too_big.json()["detail"]
    zero = await coordinator_client.get("/api/v1/organisations", params={"page": 0})
    assert zero.status_code == 422


async def test_directory_changes_are_audited_with_actor(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    org_id = await _oslo(coordinator_client)
    await coordinator_client.patch(
        f"/api/v1/organisations/{org_id}", json={"municipality_number": "0302"}
    )
    async with sessionmaker() as session:
        events = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_type == "organisation")
                .order_by(AuditEvent.id)
            )
        ).all()
    assert [e.action for e in events] == ["organisation.created", "organisation.updated"]
    assert all(e.actor.startswith("token:") and "test coordinator" in e.actor for e in events)
    assert events[1].details == {"fields": ["municipality_number"]}


async def test_a_test_card_shows_whether_teams_took_it(
    coordinator_client: Client, teams_receiver: TeamsReceiver
) -> None:
    # No webhook yet: the coordinator is told to set one.
    missing = await coordinator_client.post("/api/v1/networks/NIK/test-card")
    assert missing.status_code == 422
    assert "has no Teams webhook yet" in missing.json()["detail"]
    # A working webhook takes the card, which says what it is in both languages,
    url = teams_receiver.url("/workflows/nik")
    await coordinator_client.patch("/api/v1/networks/NIK", json={"teams_webhook_url": url})
    sent = await coordinator_client.post("/api/v1/networks/NIK/test-card")
    assert sent.status_code == 200, sent.text
    assert sent.json()["accepted"] is True
    assert "check that it arrived in the channel" in sent.json()["detail"]
    [card] = teams_receiver.cards("/workflows/nik")
    assert "Testkort" in card["body"][0]["text"]
    # and a removed one says why, as Teams answered.
    teams_receiver.status_for["/workflows/nik"] = 404
    refused = await coordinator_client.post("/api/v1/networks/NIK/test-card")
    assert refused.json() == {
        "network": "NIK",
        "accepted": False,
        "detail": "Teams did not take the test card: the Teams webhook answered 404: it may"
        " have been removed.",
        "reason": "the Teams webhook answered 404: it may have been removed",
    }
