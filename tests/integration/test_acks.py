"""Acknowledging by link and by SMS reply, field reports, STOP and START."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from dispatch.acks.models import Acknowledgement, FieldReport, SmsOptOut
from dispatch.db.base import utcnow
from dispatch.models import Delivery, Incident
from dispatch.security.links import make_token
from dispatch.settings import Settings
from tests.factories import declare_demo_exercise
from translations import strings
from translations.catalog import translator

AUTH_TOKEN = "test-twilio-token"
BASE = "http://testserver.local"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="ack-test-secret",
        base_url=BASE,
        twilio_auth_token=AUTH_TOKEN,
        twilio_account_sid="AC" + "1" * 32,
    )


MESSAGE = {
    lang: {"subject": f"Meslinger ({lang})", "sms": "Meslinger.", "body": "Detaljer."}
    for lang in ("nb", "en", "ar", "pl", "uk", "so")
}


@pytest.fixture
async def incident(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> dict[str, Any]:
    return await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Meslinger", message=MESSAGE
    )


async def email_delivery(sessionmaker: async_sessionmaker[AsyncSession], address: str) -> int:
    async with sessionmaker() as session:
        delivery_id = await session.scalar(
            select(Delivery.id).where(Delivery.address == address, Delivery.channel == "email")
        )
    assert delivery_id is not None
    return delivery_id


async def acks(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Acknowledgement]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Acknowledgement))).all())


async def test_link_get_changes_nothing_post_acknowledges_once(
    incident: dict[str, Any],
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    delivery_id = await email_delivery(sessionmaker, "ahmed.hassan@oslo.kommune.example")
    token = make_token("ack-test-secret", delivery_id)

    # A mail scanner (or the member) opens the link: the page is in Arabic, right to left.
    page = await anonymous_client.get(f"/ack/{token}")
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert translator("ar").gettext(strings.ACK_PAGE_BUTTON) in page.text
    assert "<script" not in page.text
    assert await acks(sessionmaker) == []

    # The member confirms, with a report from the field; twice, as people do.
    done = await anonymous_client.post(f"/ack/{token}", data={"comment": "Mange spør om vaksine."})
    assert done.status_code == 200
    assert translator("ar").gettext(strings.ACK_PAGE_THANKS) in done.text
    again = await anonymous_client.post(f"/ack/{token}", data={"comment": "igjen"})
    assert translator("ar").gettext(strings.ACK_PAGE_ALREADY) in again.text
    recorded = await acks(sessionmaker)
    assert [(a.via, a.comment) for a in recorded] == [("link", "Mange spør om vaksine.")]
    async with sessionmaker() as session:
        reports = (await session.scalars(select(FieldReport))).all()
    assert [(r.text, r.source, r.incident_id) for r in reports] == [
        ("Mange spør om vaksine.", "link", incident["id"])
    ]
    stats = await anonymous_client.get(f"/ack/{token}")
    assert translator("ar").gettext(strings.ACK_PAGE_ALREADY) in stats.text


async def test_forged_unknown_and_expired_links_get_friendly_pages(
    incident: dict[str, Any],
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    delivery_id = await email_delivery(sessionmaker, "ahmed.hassan@oslo.kommune.example")
    token = make_token("ack-test-secret", delivery_id)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (forged, make_token("another-secret", delivery_id), "nonsense", "zz.zz"):
        page = await anonymous_client.get(f"/ack/{bad}")
        assert page.status_code == 404
        assert translator("nb").gettext(strings.ACK_LINK_INVALID) in page.text
        assert "This link is not valid." in page.text
        assert (await anonymous_client.post(f"/ack/{bad}", data={})).status_code == 404
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Incident).values(state="closed", closed_at=utcnow() - timedelta(days=31))
        )
    expired = await anonymous_client.get(f"/ack/{token}")
    assert expired.status_code == 410
    assert "This link has expired." in expired.text
    assert await acks(sessionmaker) == []


def signed(form: dict[str, str], path: str = "/webhooks/twilio/sms") -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(BASE + path, form)}


async def sms(client: httpx.AsyncClient, sender: str, body: str) -> httpx.Response:
    form = {
        "From": sender,
        "To": "+4759440000",
        "Body": body,
        "MessageSid": "SM" + uuid.uuid4().hex,
    }
    return await client.post("/webhooks/twilio/sms", data=form, headers=signed(form))


@pytest.mark.parametrize(
    ("sender", "body", "lang"),
    [
        ("+4741000221", "OK", "nb"),  # Ingrid, bokmål
        ("+4791000242", "Tak", "pl"),  # Anna, Polish
        ("+4741000100", "نعم", "ar"),  # Ahmed, Arabic (right to left)
        ("+4791000228", "ТАК", "uk"),  # Olena, Ukrainian
        ("+4741000263", "Haa", "so"),  # Hodan, Somali
    ],
)
async def test_sms_replies_acknowledge_in_many_languages(
    incident: dict[str, Any],
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: str,
    body: str,
    lang: str,
) -> None:
    response = await sms(anonymous_client, sender, body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert translator(lang).gettext(strings.SMS_REPLY_CONFIRMED) in response.text
    recorded = await acks(sessionmaker)
    assert [(a.via, a.incident_id, a.comment) for a in recorded] == [("sms", incident["id"], None)]


async def test_a_forged_sms_webhook_is_refused_and_records_nothing(
    incident: dict[str, Any],
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    form = {"From": "+4741000221", "Body": "OK"}
    forged = await anonymous_client.post(
        "/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": "Zm9yZ2Vk"}
    )
    assert forged.status_code == 403
    tampered = await anonymous_client.post(
        "/webhooks/twilio/sms", data={**form, "Body": "OK 1"}, headers=signed(form)
    )
    assert tampered.status_code == 403
    assert await acks(sessionmaker) == []


async def test_a_repeated_sms_webhook_acts_once_and_answers_the_same(
    incident: dict[str, Any],
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Twilio retries a webhook that timed out; a captured signed request can be replayed. The
    same MessageSid is one SMS: one acknowledgement, one field report, the same answer."""
    form = {
        "From": "+4741000221",
        "To": "+4759440000",
        "Body": "OK Vi trenger tolk i morgen",
        "MessageSid": "SM" + uuid.uuid4().hex,
    }
    answers = [
        await anonymous_client.post("/webhooks/twilio/sms", data=form, headers=signed(form))
        for _ in range(5)
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert translator("nb").gettext(strings.SMS_REPLY_RECEIVED) in answers[0].text
    assert len(await acks(sessionmaker)) == 1
    async with sessionmaker() as session:
        reports = (await session.scalars(select(FieldReport))).all()
    assert [r.text for r in reports] == ["Vi trenger tolk i morgen"]
    # Another SMS from the same number is a new one.
    again = await sms(anonymous_client, "+4741000221", "Tolken kom")
    assert again.status_code == 200
    async with sessionmaker() as session:
        assert len((await session.scalars(select(FieldReport))).all()) == 2


async def test_free_text_counts_as_received_and_becomes_a_field_report(
    incident: dict[str, Any],
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    response = await sms(anonymous_client, "+4741000221", "Vi har ingen tolk på legevakten")
    assert translator("nb").gettext(strings.SMS_REPLY_RECEIVED) in response.text
    assert [(a.via, a.comment) for a in await acks(sessionmaker)] == [
        ("sms", "Vi har ingen tolk på legevakten")
    ]
    async with sessionmaker() as session:
        reports = (await session.scalars(select(FieldReport))).all()
    assert [(r.text, r.source, r.incident_id, r.unknown_sender) for r in reports] == [
        ("Vi har ingen tolk på legevakten", "sms", incident["id"], False)
    ]


async def test_unknown_number_gets_a_polite_reply_and_a_flagged_report(
    incident: dict[str, Any],
    anonymous_client: httpx.AsyncClient,
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    response = await sms(anonymous_client, "+4799999999", "Hei, jeg så meldingen hos naboen")
    assert translator("nb").gettext(strings.SMS_REPLY_UNKNOWN_NUMBER) in response.text
    assert translator("en").gettext(strings.SMS_REPLY_UNKNOWN_NUMBER) in response.text
    assert await acks(sessionmaker) == []
    inbox = (await coordinator_client.get("/api/v1/field-reports", params={"read": "false"})).json()
    assert inbox["total"] == 1
    report = inbox["items"][0]
    assert report["unknown_sender"] is True
    assert report["sender"] == "+4799999999"
    marked = await coordinator_client.patch(
        f"/api/v1/field-reports/{report['id']}",
        json={"read": True, "tags": ["Tolk", "tolk", "oslo"]},
    )
    assert marked.json()["read"] is True
    assert marked.json()["tags"] == ["oslo", "tolk"]
    tagged = await coordinator_client.get("/api/v1/field-reports", params={"tag": "tolk"})
    assert tagged.json()["total"] == 1
    unread = await coordinator_client.get("/api/v1/field-reports", params={"read": "false"})
    assert unread.json()["total"] == 0


async def test_stop_then_start(
    incident: dict[str, Any],
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    stop = await sms(anonymous_client, "+4741000100", "STOPP")
    assert translator("ar").gettext(strings.SMS_REPLY_STOPPED) in stop.text
    async with sessionmaker() as session:
        assert await session.get(SmsOptOut, "+4741000100") is not None
    start = await sms(anonymous_client, "+4741000100", "START")
    assert translator("ar").gettext(strings.SMS_REPLY_STARTED) in start.text
    async with sessionmaker() as session:
        assert await session.get(SmsOptOut, "+4741000100") is None
    assert await acks(sessionmaker) == []


async def test_an_incident_code_picks_the_incident(
    incident: dict[str, Any],
    coordinator_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    second = (
        await coordinator_client.post(
            "/api/v1/incidents",
            json={
                "title": "Flom",
                "networks": ["NIK"],
                "channels": ["sms"],
                "message": {"nb": {"sms": "Flom."}},
            },
        )
    ).json()
    # A bare OK goes to the newest unacknowledged incident; a code picks the older one.
    await sms(anonymous_client, "+4741000221", "ok")
    await sms(anonymous_client, "+4741000221", f"OK {incident['code']}")
    recorded = {a.incident_id for a in await acks(sessionmaker)}
    assert recorded == {incident["id"], second["id"]}
    listed = (
        await coordinator_client.get(f"/api/v1/incidents/{incident['id']}/acknowledgements")
    ).json()
    assert [a["via"] for a in listed] == ["sms"]
    stats = (await coordinator_client.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert stats["stats"]["acknowledged"] == 1


async def test_progress_counts_by_network_organisation_channel_and_language(
    incident: dict[str, Any],
    anonymous_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
) -> None:
    await sms(anonymous_client, "+4741000100", "نعم")  # Ahmed, Oslo kommune (NIK) and NIFS
    await sms(anonymous_client, "+4791000242", "TAK")  # Anna, Bergen kommune (NIK)
    response = await viewer_client.get(f"/api/v1/incidents/{incident['id']}/progress")
    assert response.status_code == 200
    progress = response.json()
    assert progress["recipients"] == 29
    assert progress["acknowledged"] == 2
    assert progress["by_network"]["NIK"]["acknowledged"] == 2
    assert progress["by_network"]["NIFS"]["acknowledged"] == 1  # Ahmed sits in NIFS too
    assert progress["by_network"]["NONEMI"]["acknowledged"] == 0
    assert progress["by_language"]["ar"] == {"recipients": 2, "acknowledged": 1}
    assert progress["by_channel"]["sms"]["acknowledged"] == 2
    silent = {o["name"] for o in progress["silent_organisations"]}
    assert "Oslo kommune" not in silent
    assert "Bergen kommune" not in silent
    assert {"Trondheim kommune", "Folkehelseinstituttet"} <= silent
    # Viewers see counts and organisation names, never people.
    assert "+47" not in response.text
    assert "@" not in response.text


async def test_a_token_guessing_loop_is_slowed_and_logged(
    incident: dict[str, Any],
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    delivery_id = await email_delivery(sessionmaker, "ahmed.hassan@oslo.kommune.example")
    good = make_token("ack-test-secret", delivery_id)
    # An honest member opening their link many times is never counted,
    for _ in range(30):
        assert (await anonymous_client.get(f"/ack/{good}")).status_code == 200
    # but after twenty wrong guesses from one address, its next wrong ones get 429,
    for n in range(20):
        guess = make_token("a-guess", delivery_id + n)
        assert (await anonymous_client.get(f"/ack/{guess}")).status_code == 404
    refused = await anonymous_client.get(f"/ack/{make_token('a-guess', delivery_id + 99)}")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many attempts" in refused.text
    assert any("throttled_guessing" in r.getMessage() for r in caplog.records)
    assert not any("127.0.0.1" in r.getMessage() for r in caplog.records)
    # while a genuine link from the same address still opens and acknowledges: it is checked
    # before anything is counted (behind one proxy, everyone shares an address).
    assert (await anonymous_client.get(f"/ack/{good}")).status_code == 200
    done = await anonymous_client.post(f"/ack/{good}", data={})
    assert done.status_code == 200
    assert "Too many attempts" not in done.text


async def test_forged_webhook_signatures_are_throttled_and_genuine_ones_never(
    anonymous_client: httpx.AsyncClient,
) -> None:
    form = {"From": "+4741000221", "Body": "OK"}
    for _ in range(20):
        response = await anonymous_client.post(
            "/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": "Zm9yZ2Vk"}
        )
        assert response.status_code == 403
    blocked = await anonymous_client.post(
        "/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": "Zm9yZ2Vk"}
    )
    assert blocked.status_code == 429
    # Twilio's real callback, from the same address, is taken all the same.
    genuine = await anonymous_client.post("/webhooks/twilio/sms", data=form, headers=signed(form))
    assert genuine.status_code == 200


async def test_closing_an_incident_stops_its_escalation(
    incident: dict[str, Any],
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    from dispatch.acks.escalation import EscalationStep, run_due

    async with sessionmaker() as session:
        steps = (await session.scalars(select(EscalationStep))).all()
    assert sorted(s.step for s in steps) == ["main_contacts", "remind", "unreachable"]
    assert all(s.started_at is None for s in steps)
    closed = await coordinator_client.post(f"/api/v1/incidents/{incident['id']}/close")
    assert closed.status_code == 200
    async with sessionmaker() as session:
        steps = (await session.scalars(select(EscalationStep))).all()
    assert all(s.outcome == "cancelled: the incident was closed" for s in steps)
    async with sessionmaker() as session, session.begin():
        assert await run_due(session) == []
