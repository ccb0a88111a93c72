"""Alert templates over HTTP, and declaring from one: review states that the send path respects,
approvals audited, placeholders checked, and each language's values written for its readers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.alert_templates.library import load_library
from dispatch.audit.models import AuditEvent
from dispatch.audit.service import Actor
from dispatch.models import AlertTemplate, Delivery, Incident, Recipient, TemplateContent
from dispatch.security.models import Role
from dispatch.settings import Settings
from tests.conftest import ClientFactory
from tests.factories import claimed_messages

Client = httpx.AsyncClient
BASE = "http://testserver.local"
SECRET = "template-test-secret"
AHMED = "ahmed.hassan@oslo.kommune.example"  # Arabic, NIK
HODAN = "hodan.warsame@stavanger.kommune.example"  # Somali, NIK

FIELDS = [{"name": "place", "kind": "text"}, {"name": "date", "kind": "date"}]
CONTENT: dict[str, dict[str, str]] = {
    "nb": {
        "subject": "Kokevarsel for {place}",
        "sms": "Kokevarsel for {place} fra {date}: kok drikkevannet i ett minutt.",
        "body": "Fra {date} må alt drikkevann i {place} kokes.",
        "instruction": "Kok vannet før du drikker det.",
    },
    "en": {
        "subject": "Boil-water notice for {place}",
        "sms": "Boil-water notice for {place} from {date}: boil drinking water for a minute.",
        "body": "From {date} all drinking water in {place} must be boiled.",
        "instruction": "Boil the water before you drink it.",
    },
    "ar": {
        "subject": "تنبيه بغلي الماء في {place}",
        "sms": "تنبيه بغلي الماء في {place} ابتداء من {date}: اغلِ ماء الشرب لمدة دقيقة.",
        "body": "ابتداء من {date} يجب غلي كل ماء الشرب في {place}.",
        "instruction": "اغلِ الماء قبل أن تشربه.",
    },
    "so": {
        "subject": "Ogeysiis karkarinta biyaha {place}",
        "sms": "Ogeysiis: {place} laga bilaabo {date}, karkari biyaha la cabbo hal daqiiqo.",
        "body": "Laga bilaabo {date} biyaha la cabbo ee {place} waa in la karkariyaa.",
        "instruction": "Karkari biyaha ka hor intaadan cabbin.",
    },
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=SECRET, base_url=BASE)


@pytest.fixture
async def translator_client(make_client: ClientFactory) -> Client:
    return await make_client(Role.TRANSLATOR)


async def create(client: Client, **changes: Any) -> dict[str, Any]:
    body = {"name": "Kokevarsel", "fields": FIELDS, "content": CONTENT, **changes}
    response = await client.post("/api/v1/templates", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def approve(client: Client, template_id: int, lang: str, **changes: str) -> httpx.Response:
    return await client.put(
        f"/api/v1/templates/{template_id}/content/{lang}",
        json={**CONTENT[lang], **changes, "approved": True},
    )


async def reviews(client: Client, template_id: int) -> dict[str, str]:
    body = (await client.get(f"/api/v1/templates/{template_id}")).json()
    return {lang["language"]: lang["review"] for lang in body["languages"]}


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessionmaker() as session:
        return (await session.scalar(select(func.count()).select_from(model))) or 0


def declaration(template_id: int, **template: Any) -> dict[str, Any]:
    return {
        "title": "Kokevarsel Voss",
        "networks": ["NIK"],
        "status": "exercise",
        "channels": ["email", "sms"],
        "template": {
            "id": template_id,
            "fields": {"place": "Voss", "date": "2026-12-07"},
            **template,
        },
    }


async def test_an_unknown_placeholder_is_refused_and_nothing_written(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    wrong = {**CONTENT, "en": {**CONTENT["en"], "sms": "Boil water in {plase} from {date"}}
    response = await coordinator_client.post(
        "/api/v1/templates",
        json={"name": "Kokevarsel", "fields": FIELDS, "content": wrong},
        headers={"Accept-Language": "nb"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert len(problem["errors"]) == 2
    assert "{plase}" in problem["errors"][0]
    assert "place, date" not in problem["errors"][0]  # the fields are named in sorted order
    assert "date, place" in problem["errors"][0]
    assert await count(sessionmaker, AlertTemplate) == 0
    assert await count(sessionmaker, TemplateContent) == 0

    # The same for one language written later: a 422, and the stored text is unchanged.
    created = await create(coordinator_client)
    response = await coordinator_client.put(
        f"/api/v1/templates/{created['id']}/content/en",
        json={**CONTENT["en"], "body": "Boil it in {town}."},
    )
    assert response.status_code == 422
    assert "{town}" in response.json()["detail"]
    template = (await coordinator_client.get(f"/api/v1/templates/{created['id']}")).json()
    english = next(lang for lang in template["languages"] if lang["language"] == "en")
    assert english["body"] == CONTENT["en"]["body"]
    assert template["version"] == 1


async def test_translators_write_drafts_coordinators_approve_and_each_approval_is_audited(
    coordinator_client: Client,
    translator_client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    created = await create(coordinator_client)
    assert await reviews(coordinator_client, created["id"]) == {
        "nb": "draft",
        "en": "draft",
        "ar": "draft",
        "so": "draft",
    }
    # A translator asking to approve is refused, and nothing is saved.
    refused = await approve(translator_client, created["id"], "ar", body="نص آخر")
    assert refused.status_code == 403
    template = (await coordinator_client.get(f"/api/v1/templates/{created['id']}")).json()
    assert (
        next(x for x in template["languages"] if x["language"] == "ar")["body"]
        == (CONTENT["ar"]["body"])
    )
    # A translator's change is a draft and a new version.
    saved = await translator_client.put(
        f"/api/v1/templates/{created['id']}/content/ar",
        json={**CONTENT["ar"], "instruction": "اغلِ الماء دقيقة واحدة قبل الشرب."},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["review"] == "draft"
    # The coordinator approves it; the audit log says who, when and which version.
    approved = await coordinator_client.put(
        f"/api/v1/templates/{created['id']}/content/ar",
        json={**CONTENT["ar"], "instruction": "اغلِ الماء دقيقة واحدة قبل الشرب.", "approved": True},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["review"] == "approved"
    assert approved.json()["approved_version"] == 2
    async with sessionmaker() as session:
        events = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "template.content_approved")
            )
        ).all()
    assert len(events) == 1
    (event,) = events
    assert event.entity_id == str(created["id"])
    assert event.details["language"] == "ar"
    assert event.details["version"] == 2
    assert event.actor.startswith("token:")
    assert event.at is not None


async def test_a_change_to_the_source_language_marks_the_others_needs_review(
    coordinator_client: Client,
) -> None:
    created = await create(coordinator_client)
    for lang in ("nb", "en", "ar"):
        assert (await approve(coordinator_client, created["id"], lang)).status_code == 200
    # Approving again without a change keeps the others approved.
    assert (await approve(coordinator_client, created["id"], "nb")).status_code == 200
    assert await reviews(coordinator_client, created["id"]) == {
        "nb": "approved",
        "en": "approved",
        "ar": "approved",
        "so": "draft",
    }
    # The source text changes: every approved translation needs review; Somali stays a draft.
    changed = await approve(
        coordinator_client, created["id"], "nb", sms="Kokevarsel i {place} fra {date}."
    )
    assert changed.status_code == 200
    assert await reviews(coordinator_client, created["id"]) == {
        "nb": "approved",
        "en": "needs_review",
        "ar": "needs_review",
        "so": "draft",
    }
    # A change to a translation touches no other language.
    await approve(coordinator_client, created["id"], "en", sms="Boil water in {place}.")
    assert (await reviews(coordinator_client, created["id"]))["ar"] == "needs_review"


async def test_a_declaration_reaches_the_arabic_reader_in_arabic_and_leaves_the_somali_draft_out(
    coordinator_client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
    demo: None,
) -> None:
    created = await create(coordinator_client)
    for lang in ("nb", "en", "ar"):
        assert (await approve(coordinator_client, created["id"], lang)).status_code == 200

    # Given the preview: per language the text as sent, its segments and its review state.
    preview = await coordinator_client.post(
        "/api/v1/incidents/preview", json=declaration(created["id"])
    )
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["review"] == {"nb": "approved", "en": "approved", "ar": "approved", "so": "draft"}
    assert shown["left_out"] == ["so"]
    assert shown["fallbacks"]["so"] == "en"
    assert shown["template_version"] == 1  # approving unchanged text makes no new version
    arabic_sms = shown["sms"]["per_language"]["ar"]
    assert "أوسلو" not in arabic_sms["text"]
    assert "في Voss ابتداء من 7 ديسمبر 2026" in arabic_sms["text"]
    assert arabic_sms["encoding"] == "UCS-2"
    assert "7. desember 2026" in shown["sms"]["per_language"]["nb"]["text"]
    assert "December 7, 2026" in shown["sms"]["per_language"]["en"]["text"]

    # When declared, the Arabic reader's e-mail and SMS are Arabic with the values in place.
    declared = await coordinator_client.post("/api/v1/incidents", json=declaration(created["id"]))
    assert declared.status_code == 201, declared.text
    incident_id = declared.json()["id"]
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(Delivery.id, Delivery.language, Delivery.fallback, Recipient.email)
                .join(Recipient, Recipient.id == Delivery.recipient_id)
                .where(Delivery.incident_id == incident_id)
            )
        ).all()
        ahmed = [r.id for r in rows if r.email == AHMED]
        messages = await claimed_messages(session, ahmed, base_url=BASE, secret=SECRET)
        await session.commit()
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        assert (incident.template_id, incident.template_version) == (created["id"], 1)
    by_channel = {m.channel: m for m in messages}
    assert by_channel["email"].subject.endswith("تنبيه بغلي الماء في Voss")
    assert "ابتداء من 7 ديسمبر 2026 يجب غلي كل ماء الشرب في Voss." in by_channel["email"].text
    assert by_channel["email"].direction == "rtl"
    assert "في Voss ابتداء من 7 ديسمبر 2026" in by_channel["sms"].text
    # The Somali reader gets the fallback, not the unreviewed draft.
    hodan = {(r.language, r.fallback) for r in rows if r.email == HODAN}
    assert hodan == {("en", True)}

    shown_incident = (await coordinator_client.get(f"/api/v1/incidents/{incident_id}")).json()
    assert shown_incident["template"] == {"id": created["id"], "version": 1}


async def test_the_somali_draft_is_sent_only_when_asked_for(
    coordinator_client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
    demo: None,
) -> None:
    created = await create(coordinator_client)
    assert (await approve(coordinator_client, created["id"], "nb")).status_code == 200
    body = declaration(created["id"], include_unreviewed=True)
    preview = (await coordinator_client.post("/api/v1/incidents/preview", json=body)).json()
    assert preview["left_out"] == []
    assert preview["review"]["so"] == "draft"
    assert "so" not in preview["fallbacks"]
    declared = await coordinator_client.post("/api/v1/incidents", json=body)
    assert declared.status_code == 201, declared.text
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(Delivery.id, Delivery.language, Delivery.fallback, Recipient.email)
                .join(Recipient, Recipient.id == Delivery.recipient_id)
                .where(Delivery.incident_id == declared.json()["id"])
            )
        ).all()
        hodan = [r for r in rows if r.email == HODAN]
        assert {(r.language, r.fallback) for r in hodan} == {("so", False)}
        messages = await claimed_messages(
            session, [r.id for r in hodan], base_url=BASE, secret=SECRET
        )
        await session.commit()
    sms = next(m for m in messages if m.channel == "sms")
    assert "Ogeysiis: Voss laga bilaabo" in sms.text


async def test_a_missing_field_or_a_wrong_value_is_refused_and_nothing_declared(
    coordinator_client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
    demo: None,
) -> None:
    created = await create(coordinator_client)
    assert (await approve(coordinator_client, created["id"], "nb")).status_code == 200
    body = declaration(created["id"])
    body["template"]["fields"] = {"date": "7.12.2026", "town": "Voss"}
    response = await coordinator_client.post("/api/v1/incidents", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any("{town}" in e for e in errors)
    assert any("{place}" in e for e in errors)
    assert any("2026-12-07" in e and "7.12.2026" in e for e in errors)
    assert await count(sessionmaker, Incident) == 0
    assert await count(sessionmaker, Delivery) == 0

    # Only drafts and nothing asked for: nothing would go out, and the coordinator is told why.
    drafts = await create(coordinator_client, name="Bare utkast")
    response = await coordinator_client.post(
        "/api/v1/incidents", json=declaration(drafts["id"]), headers={"Accept-Language": "nb"}
    )
    assert response.status_code == 422
    assert "godkjent" in response.json()["detail"]
    assert await count(sessionmaker, Incident) == 0


async def test_the_coordinator_s_own_text_replaces_a_language_of_the_template(
    coordinator_client: Client, demo: None
) -> None:
    created = await create(coordinator_client)
    for lang in ("nb", "en"):
        assert (await approve(coordinator_client, created["id"], lang)).status_code == 200
    body = declaration(created["id"])
    body["message"] = {"en": {**CONTENT["en"], "sms": "Boil water in Voss. Details follow."}}
    preview = (await coordinator_client.post("/api/v1/incidents/preview", json=body)).json()
    assert preview["edited"] == ["en"]
    assert preview["sms"]["per_language"]["en"]["text"].startswith(
        "EXERCISE: Boil water in Voss. Details follow."
    )


async def test_the_starter_library_loads_once_with_nb_nn_en_approved_and_the_rest_drafts(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session, session.begin():
        first = await load_library(session, actor=Actor("cli"))
    async with sessionmaker() as session, session.begin():
        again = await load_library(session, actor=Actor("cli"))
    assert len(first.added) == 6
    assert (again.added, len(again.already_there)) == ([], 6)
    listed = (await coordinator_client.get("/api/v1/templates")).json()
    assert listed["total"] == 6
    for item in listed["items"]:
        states = item["languages"]
        assert {lang for lang, s in states.items() if s == "approved"} == {"nb", "nn", "en"}
        assert {s for lang, s in states.items() if lang not in ("nb", "nn", "en")} == {"draft"}
    async with sessionmaker() as session:
        approvals = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "template.content_approved")
        )
    assert approvals == 6 * 3
