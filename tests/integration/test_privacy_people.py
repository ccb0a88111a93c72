"""GDPR for people the directory does not hold as the contact asked about: someone who texted
from a number that never got an alert, and someone named as a replacement in a list review.

Both are found by their number or address (``/api/v1/privacy/export`` and ``/erase``) and,
when they are contacts too, by their contact's own export and erasure.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from dispatch.acks.models import FieldReport
from dispatch.campaigns.models import CampaignTarget
from dispatch.db.base import utcnow
from dispatch.delivery.models import Delivery
from dispatch.directory.models import Contact
from dispatch.security.links import make_token
from dispatch.settings import Settings
from tests.integration.test_privacy import everything_stored

AUTH_TOKEN = "privacy-twilio-token"
BASE = "http://testserver.local"
SECRET = "privacy-people-secret-key-of-32-bytes-or-more"

STRANGER = "+4799887766"
STRANGER_AS_TYPED = "998 87 766"
STRANGER_TEXT = "Naboen min har hatt feber i fire dager og har ingen fastlege."

NORA = {"name": "Nora Nyansatt", "email": "nora.nyansatt@example.no", "phone": "+4790011223"}
PER = "Per Pedersen-Aas"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        base_url=BASE,
        twilio_auth_token=AUTH_TOKEN,
        twilio_account_sid="AC" + "2" * 32,
    )


async def text_us(client: httpx.AsyncClient, sender: str, body: str) -> httpx.Response:
    """An SMS to our number, as Twilio posts it, signed."""
    form = {
        "From": sender,
        "To": "+4759440000",
        "Body": body,
        "MessageSid": f"SM{uuid.uuid4().hex}",
    }
    path = "/webhooks/twilio/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(BASE + path, form)
    answer = await client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text
    return answer


async def test_an_sms_from_a_number_we_never_alerted_is_exported_and_erased_by_that_number(
    anonymous_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
    coordinator_client: httpx.AsyncClient,
    admin_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # Given someone outside the directory who texts our number what they see,
    await text_us(anonymous_client, STRANGER, STRANGER_TEXT)
    async with sessionmaker() as session:
        (kept,) = (await session.scalars(select(FieldReport))).all()
    assert (kept.sender, kept.contact_id, kept.text) == (STRANGER, None, STRANGER_TEXT)

    # when they ask what we hold, their number finds the report (however they write it);
    asked = {"phone": STRANGER_AS_TYPED}
    assert (await viewer_client.post("/api/v1/privacy/export", json=asked)).status_code == 403
    exported = await coordinator_client.post("/api/v1/privacy/export", json=asked)
    assert exported.status_code == 200, exported.text
    assert exported.headers["cache-control"] == "no-store"
    body = exported.json()
    assert body["asked_for"] == {"email": None, "phone": STRANGER}
    assert body["contacts"] == []
    assert [(r["text"], r["sender"]) for r in body["field_reports"]] == [(STRANGER_TEXT, STRANGER)]

    # and when they ask to be erased, only an administrator can, and the report keeps no trace.
    refused = await coordinator_client.post("/api/v1/privacy/erase", json=asked)
    assert refused.status_code == 403
    erased = await admin_client.post("/api/v1/privacy/erase", json=asked)
    assert erased.status_code == 200, erased.text
    assert erased.json()["changed"]["field_reports"] == 1
    stored = await everything_stored(sessionmaker)
    assert STRANGER not in stored
    assert STRANGER_TEXT not in stored
    async with sessionmaker() as session:
        (report,) = (await session.scalars(select(FieldReport))).all()
    assert (report.sender, report.text) == (None, "(erased)")  # the inbox keeps its count
    after = (await coordinator_client.post("/api/v1/privacy/export", json=asked)).json()
    assert after["field_reports"] == []


async def test_a_request_without_a_usable_address_says_why_and_changes_nothing(
    admin_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await text_us(anonymous_client, STRANGER, STRANGER_TEXT)
    for body, reason in (
        ({}, "an e-mail address or a mobile number"),
        ({"phone": "not a number"}, "phone"),
        ({"email": "no-at-sign"}, "e-mail"),
        ({"phone": "9" * 41}, "phone"),
        ({"phone": STRANGER, "extra": 1}, "extra"),
    ):
        for path in ("/api/v1/privacy/export", "/api/v1/privacy/erase"):
            answer = await admin_client.post(path, json=body)
            assert answer.status_code in (400, 422), (path, body, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert reason in answer.text, (path, body, answer.text)
    assert STRANGER_TEXT in await everything_stored(sessionmaker)


@pytest.mark.usefixtures("demo")
async def test_a_contacts_sms_from_before_any_alert_is_in_their_export_and_erasure(
    anonymous_client: httpx.AsyncClient,
    coordinator_client: httpx.AsyncClient,
    admin_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # Given Ahmed, in the directory, who texts before any alert has gone to his number,
    text = "Tre familier i bydelen trenger tolk på arabisk."
    await text_us(anonymous_client, "+4741000100", text)
    async with sessionmaker() as session:
        contact_id = await session.scalar(select(Contact.id).where(Contact.phone == "+4741000100"))
    assert contact_id is not None
    # his export has it, and his erasure removes it.
    exported = (await coordinator_client.get(f"/api/v1/contacts/{contact_id}/export")).json()
    assert [r["text"] for r in exported["field_reports"]] == [text]
    erased = await admin_client.post(f"/api/v1/contacts/{contact_id}/erase")
    assert erased.status_code == 200, erased.text
    assert erased.json()["changed"]["field_reports"] == 1
    stored = await everything_stored(sessionmaker)
    assert text not in stored
    assert "+4741000100" not in stored


async def confirm_naming(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession], contact_id: int, **named: str
) -> None:
    """The contact answers their list-review page, naming someone to take over."""
    async with sessionmaker() as session:
        contact = await session.get(Contact, contact_id)
        delivery_id = await session.scalar(
            select(Delivery.id)
            .join(CampaignTarget, CampaignTarget.id == Delivery.source_id)
            .where(Delivery.source_kind == "list_review", CampaignTarget.contact_id == contact_id)
        )
    assert contact is not None
    assert delivery_id is not None
    link = f"/confirm/{make_token(SECRET, delivery_id, purpose='confirm')}"
    fields = {
        "name": contact.name,
        "email": contact.email or "",
        "phone": contact.phone or "",
        "language": contact.language,
        **{f"replacement_{key}": value for key, value in named.items()},
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as member:
        answered = await member.post(link, data=fields)
    assert answered.status_code == 200, answered.text


async def add_contact(client: httpx.AsyncClient, organisation_id: int, **fields: Any) -> int:
    created = await client.post(
        "/api/v1/contacts", json={"organisation_id": organisation_id, **fields}
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


@pytest.mark.usefixtures("demo")
async def test_a_person_named_as_a_replacement_is_exported_and_erased(
    app: Litestar,
    coordinator_client: httpx.AsyncClient,
    admin_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # Given a list review in which one contact names Nora (name, e-mail, number) to take over
    # and another names Per by name only,
    now = utcnow()
    started = await coordinator_client.post(
        "/api/v1/campaigns/list-review",
        json={
            "networks": ["NIK"],
            "reminder_at": (now + timedelta(days=7)).isoformat(),
            "deadline": (now + timedelta(days=14)).isoformat(),
        },
    )
    assert started.status_code == 201, started.text
    async with sessionmaker() as session:
        targets = (await session.scalars(select(CampaignTarget).order_by(CampaignTarget.id))).all()
        naming = await session.get(Contact, targets[0].contact_id)
        other = await session.scalar(
            select(Contact)
            .where(
                Contact.id.in_([t.contact_id for t in targets[1:]]),
                Contact.organisation_id != targets[0].organisation_id,
            )
            .order_by(Contact.id)
            .limit(1)
        )
    assert naming is not None
    assert other is not None
    await confirm_naming(
        app, sessionmaker, naming.id, name=NORA["name"], email=NORA["email"], phone="900 11 223"
    )
    await confirm_naming(app, sessionmaker, other.id, name=PER)

    # Nora, not in the directory, is found by her e-mail address and by her number;
    for asked in ({"email": NORA["email"]}, {"phone": NORA["phone"]}):
        found = await coordinator_client.post("/api/v1/privacy/export", json=asked)
        assert found.status_code == 200, found.text
        (named,) = found.json()["named_as_replacement"]
        assert {k: named[k] for k in ("name", "email", "phone")} == NORA
        assert named["campaign_id"] == started.json()["id"]
        assert named["organisation_id"] == naming.organisation_id

    # once she and Per are contacts, their own exports show it;
    nora_id = await add_contact(
        coordinator_client, naming.organisation_id, name=NORA["name"], email=NORA["email"]
    )
    per_id = await add_contact(
        coordinator_client, other.organisation_id, name=PER, phone="+4790044556"
    )
    for contact_id, name in ((nora_id, NORA["name"]), (per_id, PER)):
        exported = (await coordinator_client.get(f"/api/v1/contacts/{contact_id}/export")).json()
        assert [n["name"] for n in exported["named_as_replacement"]] == [name]

    # and erasing them leaves no name, address or number of theirs, while the campaign still
    # shows that a replacement was named.
    for contact_id in (nora_id, per_id):
        erased = await admin_client.post(f"/api/v1/contacts/{contact_id}/erase")
        assert erased.status_code == 200, erased.text
        assert erased.json()["changed"]["named_as_replacement"] == 1
    stored = await everything_stored(sessionmaker)
    for trace in (*NORA.values(), PER):
        assert trace not in stored, trace
    summary = (await coordinator_client.get(f"/api/v1/campaigns/{started.json()['id']}")).json()
    assert sorted(r["named_by_contact_id"] for r in summary["replacements"]) == sorted(
        [naming.id, other.id]
    )
    assert {r["name"] for r in summary["replacements"]} == {"(erased)"}
    # The people who named them are untouched.
    async with sessionmaker() as session:
        assert await session.get(Contact, naming.id) is not None
        assert await session.get(Contact, other.id) is not None


@pytest.mark.usefixtures("demo")
async def test_a_replacement_outside_the_directory_is_erased_by_address(
    app: Litestar,
    coordinator_client: httpx.AsyncClient,
    admin_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    started = await coordinator_client.post(
        "/api/v1/campaigns/list-review",
        json={
            "networks": ["NIK"],
            "reminder_at": (now + timedelta(days=7)).isoformat(),
            "deadline": (now + timedelta(days=14)).isoformat(),
        },
    )
    assert started.status_code == 201, started.text
    async with sessionmaker() as session:
        first = await session.scalar(select(CampaignTarget).order_by(CampaignTarget.id).limit(1))
    assert first is not None
    assert first.contact_id is not None
    await confirm_naming(app, sessionmaker, first.contact_id, **NORA)
    erased = await admin_client.post("/api/v1/privacy/erase", json={"phone": NORA["phone"]})
    assert erased.status_code == 200, erased.text
    assert erased.json()["changed"]["named_as_replacement"] == 1
    stored = await everything_stored(sessionmaker)
    for trace in NORA.values():
        assert trace not in stored, trace
