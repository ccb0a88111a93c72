"""Meetings through real parts with a real reminder a few seconds away: ``dispatch serve`` and
``dispatch worker`` on PostgreSQL and Redis, a real SMTP server, the fake Twilio and the Teams
receiver. Invitations carry a calendar file; one member declines on the e-mail's link, another
accepts by SMS reply; the worker is restarted; at ``reminder_at`` the sweeper reminds everyone
but the one who declined. Then an incident calls the networks in, in one step, and that
emergency meeting is cancelled, with a calendar file that takes it out of calendars.

Which message was an invitation and which a reminder is read from the outbox (each delivery's
target names its phase) and matched to what the SMTP server and Twilio received by the
provider's id, never guessed from when it came."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import httpx
import icalendar
import pytest
from sqlalchemy.engine import make_url

from dispatch.db.base import utcnow
from tests.fakes.smtp import ReceivedMail, SmtpSink
from tests.fakes.teams import TeamsReceiver
from tests.fakes.twilio import FakeMessage, FakeTwilio
from tests.integration.test_fanout import Cluster, cluster  # noqa: F401 - the fixture
from tests.processes import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ANSWER = re.compile(r"(http://127\.0\.0\.1:\d+/meetings/answer/[\w.-]+)")
JOIN = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_e2e%40thread.v2/0"
CONTENT = {
    "nb": {"title": "Temamøte vaksinasjon", "agenda": "1. Status\n2. Spørsmål"},
    "en": {"title": "Topical meeting on vaccination", "agenda": "1. Status\n2. Questions"},
}


INVITE, REMINDER = "meeting-invite", "meeting-reminder"


@dataclass(frozen=True)
class Row:
    """A meeting's delivery: its phase and who (``meeting-invite`` and ``contact:7`` from the
    target ``meeting-invite:contact:7``), channel, state and the provider's id for it."""

    phase: str
    who: str
    channel: str
    state: str
    provider_id: str | None


def outbox(postgres_url: str, meeting_id: int, phase: str) -> list[Row]:
    """The meeting's deliveries of one phase, from the outbox."""

    async def query() -> list[Row]:
        dsn = make_url(postgres_url).set(drivername="postgresql")
        conn = await asyncpg.connect(dsn.render_as_string(hide_password=False))
        try:
            rows = await conn.fetch(
                "SELECT d.target, d.channel, d.state, d.provider_id FROM deliveries d "
                "JOIN campaign_targets t ON t.id = d.source_id "
                "WHERE d.source_kind = 'meeting' AND t.campaign_id = $1 AND d.target LIKE $2",
                meeting_id,
                f"{phase}:%",
            )
        finally:
            await conn.close()
        return [
            Row(*r["target"].split(":", 1), r["channel"], r["state"], r["provider_id"])
            for r in rows
        ]

    return asyncio.run(query())


def sent_mails(sink: SmtpSink, rows: list[Row]) -> list[ReceivedMail]:
    """The e-mails these deliveries handed over (the provider's id is the Message-ID)."""
    ids = {r.provider_id for r in rows if r.channel == "email"}
    return [m for m in sink.messages if str(m.message["Message-ID"]) in ids]


def sent_texts(twilio: FakeTwilio, rows: list[Row]) -> list[FakeMessage]:
    """The SMS these deliveries handed over (the provider's id is Twilio's SID)."""
    sids = {r.provider_id for r in rows if r.channel == "sms"}
    return [m for m in twilio.messages if m.sid in sids]


def calendar_file(mail: ReceivedMail) -> bytes:
    part = mail.part("text/calendar")
    if part is None:
        return b""
    assert part.get_filename() == "invitation.ics"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


def calendar_event(mail: ReceivedMail) -> icalendar.Event:
    (event,) = icalendar.Calendar.from_ical(calendar_file(mail)).walk("VEVENT")
    return event


@pytest.mark.alone  # the answers and the restart must come before a reminder 20 s away
def test_invitations_answers_a_reminder_after_a_restart_and_a_call_in(
    cluster: Cluster,  # noqa: F811
    clean_postgres: str,
    smtp_sink: SmtpSink,
    fake_twilio: FakeTwilio,
    teams_receiver: TeamsReceiver,
) -> None:
    now = utcnow()
    # Far enough off that a busy machine sends every invitation, takes both answers and
    # restarts the worker before it is due (13 s went by under two such tests side by side).
    reminder_at = now + timedelta(seconds=20)
    starts = (now + timedelta(hours=2)).replace(microsecond=0)
    created = cluster.post(
        "/api/v1/meetings",
        {
            "kind": "topical",
            "networks": ["NIFS"],
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "join_url": JOIN,
            "content": CONTENT,
            "channels": ["email", "sms", "teams"],
            "reminder_at": reminder_at.isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    meeting = created.json()
    code = meeting["code"]

    def invitations() -> list[ReceivedMail]:
        return [m for m in smtp_sink.messages if m.part("text/calendar") and JOIN in m.text]

    def invitation_texts() -> list[str]:
        return [m.to for m in fake_twilio.messages if code in m.body and "/meetings/" in m.body]

    expected = meeting["answers"]["invited"]

    # Which message is an invitation and which a reminder, the outbox says (the phase in each
    # delivery's target), never the clock: on a busy machine the reminder can be due before
    # every invitation is out.
    def handed_over(phase: str) -> list[Row]:
        rows = outbox(clean_postgres, meeting["id"], phase)
        return rows if rows and all(r.state not in ("queued", "sending") for r in rows) else []

    wait_until(lambda: handed_over(INVITE), timeout=60, what="every invitation handed over")
    invited = handed_over(INVITE)
    assert {r.state for r in invited} <= {"sent", "delivered"}, invited
    mails = sent_mails(smtp_sink, invited)
    texts = [m.to for m in sent_texts(fake_twilio, invited)]
    assert len({m.rcpt_tos[0] for m in mails}) == len(mails)  # nobody twice
    assert len(set(texts)) == len(texts) > 0
    assert all(m.part("text/calendar") and JOIN in m.text for m in mails)
    assert all(
        code in m.body and "/meetings/answer/" in m.body for m in sent_texts(fake_twilio, invited)
    )
    event = calendar_event(mails[0])
    assert event.decoded("DTSTART") == starts
    assert str(event["URL"]) == JOIN
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) in {c["title"] for c in CONTENT.values()}
    cards = teams_receiver.cards("/workflows/nifs")
    assert any(JOIN in str(card) for card in cards)
    # Every invited contact got an e-mail, an SMS or both; one post to the network's channel.
    assert len(invited) == len(mails) + len(texts) + 1
    assert [r.channel for r in invited].count("teams") == 1
    assert len(mails) + len(texts) >= expected

    # One member declines on the e-mail's link (the page alone changes nothing) ...
    declining = mails[0]
    link = ANSWER.search(declining.text)
    assert link is not None
    assert httpx.get(link.group(1), timeout=10).status_code == 200
    assert httpx.post(link.group(1), data={"answer": "no"}, timeout=10).status_code == 200
    attendees = cluster.get(f"/api/v1/meetings/{meeting['id']}")["attendees"]
    (declined_id,) = [a["contact_id"] for a in attendees if a["answer"] == "declined"]
    declined_phone = cluster.get(f"/api/v1/contacts/{declined_id}")["phone"]
    # ... another person accepts by replying to the SMS with the meeting's code.
    accepting = next(t for t in texts if t != declined_phone)
    reply = fake_twilio.send_reply(
        f"{cluster.base}/webhooks/twilio/sms", from_=accepting, body=f"JA {code}"
    )
    assert reply.status_code == 200
    answers = cluster.get(f"/api/v1/meetings/{meeting['id']}")
    assert answers["answers"]["declined"] == 1
    assert answers["answers"]["accepted"] == 1
    assert {a["via"] for a in answers["attendees"] if a["answer"] != "pending"} == {"link", "sms"}

    # The worker restarts before the reminder is due; the timer is a row, so it still fires.
    assert utcnow() < reminder_at, "the answers came after the reminder was due"
    cluster.restart_worker()
    restarted = utcnow()

    wait_until(
        lambda: cluster.get(f"/api/v1/meetings/{meeting['id']}")["reminded_at"] is not None,
        timeout=40,
        what="the reminder written at reminder_at",
    )
    reminded_at = datetime.fromisoformat(
        cluster.get(f"/api/v1/meetings/{meeting['id']}")["reminded_at"]
    )
    assert reminded_at >= reminder_at
    assert reminded_at > restarted, "the reminder was written before the worker restarted"
    wait_until(lambda: handed_over(REMINDER), timeout=30, what="every reminder handed over")
    reminded = handed_over(REMINDER)
    # Everyone invited but the one who declined is reminded, on the same channels; not the
    # network's channel.
    declined_target = f"contact:{declined_id}"
    assert {(r.who, r.channel) for r in reminded} == {
        (r.who, r.channel) for r in invited if r.channel != "teams" and r.who != declined_target
    }
    reminder_mails = sent_mails(smtp_sink, reminded)
    reminder_texts = sent_texts(fake_twilio, reminded)
    assert len(reminder_mails) + len(reminder_texts) == len(reminded)
    assert all(m.part("text/calendar") is None and JOIN in m.text for m in reminder_mails)
    assert all(JOIN in m.body and f" {code}" in m.body for m in reminder_texts)
    assert declining.rcpt_tos[0] not in {m.rcpt_tos[0] for m in reminder_mails}
    attendees = cluster.get(f"/api/v1/meetings/{meeting['id']}")["attendees"]
    assert next(a for a in attendees if a["contact_id"] == declined_id)["answer"] == "declined"
    # A reminder is sent once, however many sweeps (one a second here) pass: nothing more
    # reaches the SMTP server or Twilio.
    count = len(smtp_sink.messages), len(fake_twilio.messages)
    time.sleep(3)
    assert (len(smtp_sink.messages), len(fake_twilio.messages)) == count
    assert len(outbox(clean_postgres, meeting["id"], REMINDER)) == len(reminded)

    # From an incident, one request calls its networks in to an emergency meeting.
    declared = cluster.post(
        "/api/v1/incidents",
        {
            "title": "Flom",
            "networks": ["NIFS"],
            "status": "exercise",
            "channels": ["email"],
            "message": {"nb": {"subject": "Flom i Gudbrandsdalen", "sms": "Flom.", "body": "."}},
        },
    )
    assert declared.status_code == 201, declared.text
    called = cluster.post(
        f"/api/v1/incidents/{declared.json()['id']}/meeting",
        {"join_url": JOIN + "?emergency"},
        **{"Idempotency-Key": "call-in-1"},
    )
    assert called.status_code == 201, called.text
    emergency = called.json()
    assert emergency["kind"] == "emergency"
    assert emergency["title"] == "Beredskapsmøte: Flom i Gudbrandsdalen"
    assert emergency["code"] != code
    again = cluster.post(
        f"/api/v1/incidents/{declared.json()['id']}/meeting",
        {"join_url": JOIN + "?emergency"},
        **{"Idempotency-Key": "call-in-1"},
    )
    assert again.status_code == 200
    assert again.json()["id"] == emergency["id"]

    def emergency_texts() -> list[str]:
        return [m.to for m in fake_twilio.messages if emergency["code"] in m.body]

    wait_until(
        lambda: len(emergency_texts()) >= len(texts),
        timeout=30,
        what="the emergency invitation by SMS to every phone",
    )
    assert len(set(emergency_texts())) == len(emergency_texts())

    # Cancelled: everyone is told, and the calendar file takes the event out again.
    cancelled = httpx.delete(
        f"{cluster.base}/api/v1/meetings/{emergency['id']}", headers=cluster.headers, timeout=10
    )
    assert cancelled.status_code == 200, cancelled.text

    def cancellations() -> list[ReceivedMail]:
        return [m for m in smtp_sink.messages if b"STATUS:CANCELLED" in calendar_file(m)]

    wait_until(lambda: len(cancellations()) > 0, timeout=30, what="the cancellation")
    event = calendar_event(cancellations()[0])
    assert str(event["UID"]).startswith(f"meeting-{emergency['id']}@")
    assert int(event["SEQUENCE"]) == 1
