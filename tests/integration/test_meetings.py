"""Meetings over HTTP: invitations, answers by link and SMS, the reminder, calling the networks
in from an incident, and cancelling."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import Any

import httpx
import icalendar
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from channels.email import SmtpChannel, SmtpSettings
from dispatch.acks.models import Acknowledgement
from dispatch.campaigns.models import Campaign, CampaignTarget
from dispatch.db.base import utcnow
from dispatch.delivery.models import Delivery
from dispatch.directory.models import Contact
from dispatch.meetings import service
from dispatch.meetings.models import Meeting
from dispatch.security.links import make_token
from dispatch.settings import Settings
from tests.conftest import RecordingEnqueuer
from tests.factories import claimed_messages, declare_demo_exercise
from translations import strings
from translations.catalog import translator

SECRET = "meeting-test-secret"
AUTH_TOKEN = "meeting-twilio-token"
BASE = "http://testserver.local"
JOIN = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"
CONTENT = {
    "nb": {"title": "Nettverksmøte NIK", "agenda": "1. Velkommen\n2. Vaksinasjon"},
    "en": {"title": "NIK network meeting", "agenda": "1. Welcome\n2. Vaccination"},
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        base_url=BASE,
        twilio_auth_token=AUTH_TOKEN,
        twilio_account_sid="AC" + "1" * 32,
    )


def meeting_body(days: float = 3, **changes: Any) -> dict[str, Any]:
    starts = utcnow().replace(microsecond=0) + timedelta(days=days)
    return {
        "kind": "network",
        "networks": ["NIK"],
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=90)).isoformat(),
        "join_url": JOIN,
        "content": CONTENT,
        **changes,
    }


async def invite(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/meetings", json=meeting_body(**changes))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def deliveries(
    sessionmaker: async_sessionmaker[AsyncSession], prefix: str = ""
) -> list[Delivery]:
    async with sessionmaker() as session:
        rows = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
    return [d for d in rows if d.target.startswith(prefix)]


async def sms(client: httpx.AsyncClient, sender: str, body: str) -> httpx.Response:
    form = {
        "From": sender,
        "To": "+4759440000",
        "Body": body,
        "MessageSid": "SM" + uuid.uuid4().hex,
    }
    path = "/webhooks/twilio/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(BASE + path, form)
    return await client.post(path, data=form, headers={"X-Twilio-Signature": signature})


async def answer_of(sessionmaker: async_sessionmaker[AsyncSession], contact_id: int) -> str:
    async with sessionmaker() as session:
        state = await session.scalar(
            select(CampaignTarget.state).where(CampaignTarget.contact_id == contact_id)
        )
    assert state is not None
    return state


def calendar_part(mail: Message) -> icalendar.Event:
    parts = [p for p in mail.walk() if p.get_filename() == "invitation.ics"]
    assert len(parts) == 1
    assert parts[0].get_content_type() == "text/calendar"
    assert parts[0].get_param("method") == "PUBLISH"
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    events = list(icalendar.Calendar.from_ical(payload).walk("VEVENT"))
    assert len(events) == 1
    event: icalendar.Event = events[0]
    return event


async def rendered_email(
    sessionmaker: async_sessionmaker[AsyncSession], delivery_id: int
) -> EmailMessage:
    """The e-mail exactly as the SMTP channel would put it on the wire."""
    async with sessionmaker() as session, session.begin():
        (message,) = await claimed_messages(session, [delivery_id], base_url=BASE, secret=SECRET)
    channel = SmtpChannel.from_settings(
        SmtpSettings(
            host="127.0.0.1",
            port=25,
            username="",
            password="",
            starttls=False,
            sender="varsel@helsedir.example",
        )
    )
    parsed = message_from_bytes(channel.compose(message).as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.usefixtures("demo")
async def test_a_meeting_invites_every_contact_of_its_networks_with_a_calendar_file(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
) -> None:
    hook = "https://prod-01.westeurope.logic.azure.com/workflows/nik"
    await coordinator_client.patch("/api/v1/networks/NIK", json={"teams_webhook_url": hook})
    body = meeting_body()
    created = await coordinator_client.post(
        "/api/v1/meetings", json=body, headers={"Idempotency-Key": "m-1"}
    )
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["kind"] == "network"
    assert out["state"] == "active"
    assert len(out["code"]) == 4
    assert out["code"].isdigit()
    starts = datetime.fromisoformat(body["starts_at"])
    assert datetime.fromisoformat(out["reminder_at"]) == starts - timedelta(days=1)
    invited = await deliveries(sessionmaker, "meeting-invite:")
    async with sessionmaker() as session:
        people = (
            await session.execute(
                select(CampaignTarget.contact_id, Contact.email, Contact.phone).join(
                    Contact, Contact.id == CampaignTarget.contact_id
                )
            )
        ).all()
    assert out["answers"]["invited"] == len(people) > 0
    assert out["answers"]["pending"] == len(people)
    # E-mail to everyone with an address; SMS only to those without (this meeting has no SMS).
    emails = {d.address for d in invited if d.channel == "email"}
    texts = {d.address for d in invited if d.channel == "sms"}
    assert emails == {e for _, e, _ in people if e}
    assert texts == {p for _, e, p in people if not e and p}
    assert [(d.address, d.network_code) for d in invited if d.channel == "teams"] == [(hook, "NIK")]
    assert sorted(enqueued.ids) == sorted(d.id for d in invited)
    assert {p["name"] for p in out["attendees"]}
    assert out["attendees"][0]["answer"] == "pending"

    again = await coordinator_client.post(
        "/api/v1/meetings", json=body, headers={"Idempotency-Key": "m-1"}
    )
    assert again.status_code == 200
    assert again.json()["id"] == out["id"]
    assert len(await deliveries(sessionmaker)) == len(invited)
    assert sorted(enqueued.ids) == sorted(d.id for d in invited)

    first = next(d for d in invited if d.channel == "email")
    mail = await rendered_email(sessionmaker, first.id)
    event = calendar_part(mail)
    assert event.decoded("DTSTART") == starts
    assert str(event["SUMMARY"]) == CONTENT[first.language]["title"]
    assert str(event["URL"]) == JOIN
    plain = mail.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert f"{BASE}/meetings/answer/" in text
    assert JOIN in text
    assert f"{BASE}/changes" in text


@pytest.mark.usefixtures("demo")
async def test_bad_meetings_are_refused_whole(
    coordinator_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    past = utcnow() - timedelta(hours=1)
    refused = await coordinator_client.post(
        "/api/v1/meetings",
        json={
            **meeting_body(),
            "kind": "party",
            "networks": ["NIK", "NOPE"],
            "starts_at": past.isoformat(),
            "ends_at": (past - timedelta(hours=1)).isoformat(),
            "join_url": "javascript:alert(1)",
            "content": {"nb": {"title": " "}, "zz-zz-zz": {"title": "x"}},
            "channels": ["fax"],
        },
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    errors = " ".join(refused.json()["errors"])
    for reason in (
        "kind must be network or topical",
        "unknown network 'NOPE'",
        "channel 'fax'",
        "the meeting link must be its https address",
        "Norwegian Bokmål: the title is missing",
        "'zz-zz-zz' is not a language tag",
        "must start in the future",
        "the meeting must end after it starts",
    ):
        assert reason in errors, errors
    naive = await coordinator_client.post(
        "/api/v1/meetings", json={**meeting_body(), "starts_at": "2030-01-01T10:00:00"}
    )
    assert naive.status_code == 422
    assert "starts_at needs a time zone offset" in " ".join(naive.json()["errors"])
    assert (await viewer_client.post("/api/v1/meetings", json=meeting_body())).status_code == 403
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Campaign)) == 0
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 0


@pytest.mark.usefixtures("demo")
async def test_members_answer_on_the_link_and_may_change_their_mind(
    coordinator_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
    member: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    out = await invite(coordinator_client)
    email = next(
        d for d in await deliveries(sessionmaker, "meeting-invite:") if d.channel == "email"
    )
    contact_id = int(email.target.rsplit(":", 1)[1])
    link = f"/meetings/answer/{make_token(SECRET, email.id, purpose='rsvp')}"
    t = translator(email.language)

    page = await member.get(link)
    assert page.status_code == 200
    assert CONTENT[email.language]["title"] in page.text
    assert JOIN in page.text
    assert await answer_of(sessionmaker, contact_id) == "pending"  # opening changes nothing
    # Another purpose's token for the same delivery is not an answer link.
    assert (await member.get(f"/meetings/answer/{make_token(SECRET, email.id)}")).status_code == 404
    assert (await member.post(link, data={"answer": "maybe"})).status_code == 422

    yes = await member.post(link, data={"answer": "yes"})
    assert yes.status_code == 200
    assert t.gettext(strings.MEETING_PAGE_ACCEPTED) in yes.text
    assert await answer_of(sessionmaker, contact_id) == "accepted"
    no = await member.post(link, data={"answer": "no"})
    assert t.gettext(strings.MEETING_PAGE_DECLINED) in no.text
    assert await answer_of(sessionmaker, contact_id) == "declined"

    calendar = await member.get(f"{link}/invitation.ics")
    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in calendar.content

    summary = (await coordinator_client.get(f"/api/v1/meetings/{out['id']}")).json()
    assert summary["answers"]["declined"] == 1
    assert summary["by_network"]["NIK"]["declined"] == 1
    (who,) = [a for a in summary["attendees"] if a["answer"] == "declined"]
    assert who["via"] == "link"
    assert who["contact_id"] == contact_id
    # A viewer sees the counts, not who answered.
    seen = (await viewer_client.get(f"/api/v1/meetings/{out['id']}")).json()
    assert seen["attendees"] is None
    assert seen["answers"]["declined"] == 1

    async with sessionmaker() as session, session.begin():
        await session.execute(update(Meeting).values(starts_at=utcnow() - timedelta(minutes=1)))
    late = await member.post(link, data={"answer": "yes"})
    assert late.status_code == 410
    assert t.gettext(strings.MEETING_PAGE_OVER) in late.text
    assert await answer_of(sessionmaker, contact_id) == "declined"


@pytest.mark.usefixtures("demo")
async def test_members_answer_by_sms_and_an_alerts_ok_stays_an_acknowledgement(
    coordinator_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    out = await invite(coordinator_client, channels=["email", "sms"])
    code = out["code"]
    texts = [d for d in await deliveries(sessionmaker, "meeting-invite:") if d.channel == "sms"]
    first, second = texts[0], texts[1]
    first_id = int(first.target.rsplit(":", 1)[1])
    second_id = int(second.target.rsplit(":", 1)[1])
    t = translator(first.language)
    title = CONTENT.get(first.language, CONTENT["en"])["title"]

    declined = await sms(anonymous_client, first.address or "", f"NEI {code}")
    assert declined.status_code == 200
    assert t.gettext(strings.MEETING_REPLY_DECLINED, title=title) in declined.text
    assert await answer_of(sessionmaker, first_id) == "declined"
    unclear = await sms(anonymous_client, first.address or "", f"kanskje {code}")
    assert t.gettext(strings.MEETING_REPLY_UNCLEAR, title=title, code=code) in unclear.text
    assert await answer_of(sessionmaker, first_id) == "declined"
    # With one invitation and no open incident, a bare yes is enough.
    await sms(anonymous_client, second.address or "", "Ja")
    assert await answer_of(sessionmaker, second_id) == "accepted"

    # Once an incident is open, a bare "OK" acknowledges the alert and leaves the meeting alone.
    incident = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": "Flom",
            "networks": ["NIK"],
            "status": "exercise",
            "channels": ["sms"],
            "message": {"nb": {"subject": "Flom", "sms": "Flom.", "body": "Flom."}},
        },
    )
    assert incident.status_code == 201, incident.text
    assert incident.json()["code"] != code  # the two codes never collide
    reply = await sms(anonymous_client, first.address or "", "OK")
    assert t.gettext(strings.SMS_REPLY_CONFIRMED) in reply.text
    assert await answer_of(sessionmaker, first_id) == "declined"
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Acknowledgement)) == 1
    # The meeting's code still reaches the meeting.
    await sms(anonymous_client, first.address or "", f"JA {code}")
    assert await answer_of(sessionmaker, first_id) == "accepted"
    summary = (await coordinator_client.get(f"/api/v1/meetings/{out['id']}")).json()
    vias = {a["contact_id"]: a["via"] for a in summary["attendees"]}
    assert vias[first_id] == vias[second_id] == "sms"


@pytest.mark.usefixtures("demo")
async def test_the_reminder_goes_once_to_everyone_who_has_not_declined(
    coordinator_client: httpx.AsyncClient,
    member: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    reminder_at = utcnow() + timedelta(hours=1)
    out = await invite(coordinator_client, reminder_at=reminder_at.isoformat())
    invited = await deliveries(sessionmaker, "meeting-invite:")
    email = next(d for d in invited if d.channel == "email")
    declined = int(email.target.rsplit(":", 1)[1])
    await member.post(
        f"/meetings/answer/{make_token(SECRET, email.id, purpose='rsvp')}", data={"answer": "no"}
    )
    async with sessionmaker() as session, session.begin():
        assert await service.run_due(session, now=reminder_at - timedelta(seconds=1)) == []
    async with sessionmaker() as session, session.begin():
        ids = await service.run_due(session, now=reminder_at)
    async with sessionmaker() as session, session.begin():
        assert await service.run_due(session, now=reminder_at + timedelta(minutes=5)) == []
    reminders = await deliveries(sessionmaker, "meeting-reminder:")
    assert sorted(ids) == [d.id for d in reminders]
    reminded = {int(d.target.rsplit(":", 1)[1]) for d in reminders}
    invited_people = {int(d.target.rsplit(":", 1)[1]) for d in invited if d.channel != "teams"}
    assert reminded == invited_people - {declined}
    assert not [d for d in reminders if d.channel == "teams"]
    summary = (await coordinator_client.get(f"/api/v1/meetings/{out['id']}")).json()
    assert summary["reminded_at"] is not None


@pytest.mark.usefixtures("demo")
async def test_a_meeting_invited_less_than_a_day_ahead_has_no_reminder_and_closes_at_its_start(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    out = await invite(coordinator_client, days=0.5)
    assert out["reminder_at"] is None
    async with sessionmaker() as session, session.begin():
        await service.run_due(session, now=datetime.fromisoformat(out["starts_at"]))
    after = (await coordinator_client.get(f"/api/v1/meetings/{out['id']}")).json()
    assert after["state"] == "finished"
    assert await deliveries(sessionmaker, "meeting-reminder:") == []


async def test_calling_the_networks_in_from_an_incident_is_one_step(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    message = {
        "nb": {"subject": "Meslinger i Oslo", "sms": "Meslinger.", "body": "Detaljer."},
        "en": {"subject": "Measles in Oslo", "sms": "Measles.", "body": "Details."},
    }
    incident = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Meslinger", message=message
    )
    before = utcnow()
    called = await coordinator_client.post(
        f"/api/v1/incidents/{incident['id']}/meeting", json={"join_url": JOIN}
    )
    assert called.status_code == 201, called.text
    out = called.json()
    assert out["kind"] == "emergency"
    assert out["incident_id"] == incident["id"]
    assert out["networks"] == ["NIK", "NONEMI", "NIFS"]
    assert out["title"] == "Beredskapsmøte: Meslinger i Oslo"
    assert sorted(out["languages"]) == ["en", "nb"]
    starts = datetime.fromisoformat(out["starts_at"])
    assert timedelta(minutes=29) <= starts - before <= timedelta(minutes=31)
    assert datetime.fromisoformat(out["ends_at"]) - starts == timedelta(hours=1)
    assert out["reminder_at"] is None
    invited = await deliveries(sessionmaker, "meeting-invite:")
    async with sessionmaker() as session:
        phones = set(
            (
                await session.scalars(
                    select(Contact.phone)
                    .join(CampaignTarget, CampaignTarget.contact_id == Contact.id)
                    .where(Contact.phone.is_not(None))
                )
            ).all()
        )
        campaign = await session.get(Campaign, out["id"])
        assert campaign is not None
        assert campaign.content is not None
        assert campaign.content["en"]["title"] == "Emergency meeting: Measles in Oslo"
        assert "1. " in campaign.content["nb"]["agenda"]
    # An emergency reaches every phone too, ahead of routine mail.
    assert {d.address for d in invited if d.channel == "sms"} == phones
    assert {d.priority for d in invited} == {0}

    closed = await coordinator_client.post(f"/api/v1/incidents/{incident['id']}/close", json={})
    assert closed.status_code == 200, closed.text
    refused = await coordinator_client.post(
        f"/api/v1/incidents/{incident['id']}/meeting", json={"join_url": JOIN}
    )
    assert refused.status_code == 409
    missing = await coordinator_client.post(
        "/api/v1/incidents/999999/meeting", json={"join_url": JOIN}
    )
    assert missing.status_code == 404


@pytest.mark.usefixtures("demo")
async def test_cancelling_tells_everyone_who_had_not_declined_once(
    coordinator_client: httpx.AsyncClient,
    member: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
) -> None:
    hook = "https://prod-01.westeurope.logic.azure.com/workflows/nik"
    await coordinator_client.patch("/api/v1/networks/NIK", json={"teams_webhook_url": hook})
    out = await invite(coordinator_client)
    invited = await deliveries(sessionmaker, "meeting-invite:")
    email = next(d for d in invited if d.channel == "email")
    link = f"/meetings/answer/{make_token(SECRET, email.id, purpose='rsvp')}"
    await member.post(link, data={"answer": "no"})

    cancelled = await coordinator_client.delete(f"/api/v1/meetings/{out['id']}")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancelled_at"]
    assert cancelled.json()["state"] == "finished"
    told = await deliveries(sessionmaker, "meeting-cancel:")
    assert {d.target for d in told} == {d.target.replace("invite", "cancel") for d in invited} - {
        email.target.replace("invite", "cancel")
    }
    assert set(enqueued.ids) >= {d.id for d in told}
    assert (await coordinator_client.delete(f"/api/v1/meetings/{out['id']}")).status_code == 409
    assert len(await deliveries(sessionmaker, "meeting-cancel:")) == len(told)

    cancel_mail = next(d for d in told if d.channel == "email")
    event = calendar_part(await rendered_email(sessionmaker, cancel_mail.id))
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    page = await member.get(link)
    assert translator(email.language).gettext(strings.MEETING_PAGE_CANCELLED) in page.text
    assert (await member.post(link, data={"answer": "yes"})).status_code == 410


@pytest.mark.usefixtures("demo")
async def test_more_meetings_than_the_mandate_foresees_are_allowed_with_a_warning(
    coordinator_client: httpx.AsyncClient,
) -> None:
    year = (utcnow() + timedelta(days=3)).year
    for _ in range(2):
        assert (await invite(coordinator_client))["warnings"] == []
    third = await invite(coordinator_client)
    assert third["warnings"] == [
        f"this is NIK's meeting number 3 of kind network in {year}; the mandate foresees 2"
    ]
    listed = (await coordinator_client.get(f"/api/v1/meetings?year={year}")).json()
    assert listed["total"] == 3
    # The list counts in one query what each meeting's own page counts from every answer.
    for item in listed["items"]:
        detail = (await coordinator_client.get(f"/api/v1/meetings/{item['id']}")).json()
        assert item["answers"] == detail["answers"]
        assert item["answers"]["invited"] > 0
        assert item["deliveries"] == detail["deliveries"]
        assert item["by_network"] is None
        assert detail["by_network"]["NIK"] == detail["answers"]
    assert (await coordinator_client.get(f"/api/v1/meetings?year={year + 5}")).json()["total"] == 0


@pytest.mark.usefixtures("demo")
async def test_a_new_code_is_never_one_an_open_incident_or_coming_meeting_has(
    coordinator_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The random draw is made to hit the taken code first: the next draw is used instead."""
    meeting = await invite(coordinator_client)
    taken = int(meeting["code"])
    draws = iter([taken - 1000, 4321 - 1000, taken - 1000, 4321 - 1000, 1234 - 1000])
    monkeypatch.setattr("dispatch.replycodes.service.secrets.randbelow", lambda _: next(draws))
    incident = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": "Kode",
            "networks": ["NIK"],
            "status": "test",
            "channels": ["email"],
            "message": {"nb": {"subject": "Kode", "body": "Kode."}},
        },
    )
    assert incident.status_code == 201, incident.text
    assert incident.json()["code"] == "4321"
    # And a meeting skips both the open incident's code and the other meeting's.
    second = await invite(coordinator_client)
    assert second["code"] == "1234"
