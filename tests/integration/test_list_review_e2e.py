"""The yearly list review, then a member's change request, through real parts with real
deadlines a few seconds away: ``dispatch serve`` and ``dispatch worker`` on PostgreSQL and
Redis, a real SMTP server and the fake Twilio. One contact confirms from the link in the
e-mail; the rest are reminded at ``reminder_at`` and deactivated at ``deadline`` by the
worker's sweeper (every second here), surviving a restart of the worker in between. Then a
member follows the e-mail's footer to ask for a new contact, which only the coordinator's
approval adds."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from dispatch.db.base import utcnow
from tests.fakes.smtp import SmtpSink
from tests.fakes.twilio import FakeTwilio
from tests.integration.test_fanout import Cluster, cluster  # noqa: F401 - the fixture
from tests.processes import wait_until

# Alone: the reminder and the deadline are 20 s and 40 s after the start, by the wall clock.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.alone]

CONFIRM = re.compile(r"(http://127\.0\.0\.1:\d+/confirm/[\w.-]+)")
CHANGES = re.compile(r"(http://127\.0\.0\.1:\d+/changes\?lang=[\w-]+)")


def test_review_reminds_the_silent_and_deactivates_them_at_the_deadline(
    cluster: Cluster,  # noqa: F811
    smtp_sink: SmtpSink,
    fake_twilio: FakeTwilio,
) -> None:
    now = utcnow()
    started = cluster.post(
        "/api/v1/campaigns/list-review",
        {
            "networks": ["NIFS"],
            # Far enough apart that a busy machine sends every request, and restarts the worker,
            # before the reminder is due (a reminder due after the deadline is rightly skipped).
            "reminder_at": (now + timedelta(seconds=20)).isoformat(),
            "deadline": (now + timedelta(seconds=40)).isoformat(),
        },
    )
    assert started.status_code == 201, started.text
    campaign = started.json()
    assert campaign["targets"] >= 2

    def requests() -> list[str]:
        mails = [m.text for m in smtp_sink.messages if "/confirm/" in m.text]
        texts = [m.body for m in fake_twilio.messages if "/confirm/" in m.body]
        return mails + texts

    wait_until(
        lambda: len(requests()) == campaign["deliveries"], timeout=30, what="every request sent"
    )
    asked = set(requests())
    first = next(m for m in smtp_sink.messages if "/confirm/" in m.text)
    link = CONFIRM.search(first.text)
    assert link is not None
    page = httpx.get(link.group(1), timeout=10)
    assert page.status_code == 200
    form = dict(re.findall(r'name="(\w+)" (?:type="\w+" )?value="([^"]*)"', page.text))
    confirmed = httpx.post(link.group(1), data=form, timeout=10)
    assert confirmed.status_code == 200, confirmed.text

    # The sweeper's timers live in the database: a worker restarted now still sends the
    # reminders and closes the campaign on time.
    cluster.restart_worker()
    wait_until(
        lambda: len(requests()) == 2 * campaign["deliveries"] - 1,
        timeout=60,
        what="a reminder to everyone who had not answered",
    )
    reminded = [text for text in requests() if text not in asked]
    assert len(reminded) == campaign["deliveries"] - 1
    # Not to the one who answered: their e-mail address is in no reminder's footer or link.
    assert all(
        first.rcpt_tos[0] not in m.rcpt_tos for m in smtp_sink.messages if m.text in reminded
    )

    def finished() -> bool:
        return bool(cluster.get(f"/api/v1/campaigns/{campaign['id']}")["state"] == "finished")

    wait_until(finished, timeout=60, what="the deadline to pass")
    summary = cluster.get(f"/api/v1/campaigns/{campaign['id']}")
    assert summary["totals"]["confirmed"] == 1
    assert summary["totals"]["deactivated"] == campaign["targets"] - 1
    assert summary["totals"]["pending"] == 0
    active = cluster.get("/api/v1/contacts", network="NIFS", active="true", page_size=500)
    assert active["total"] == 1
    # A late answer changes nothing.
    late = CONFIRM.search(reminded[0])
    assert late is not None
    assert httpx.get(late.group(1), timeout=10).status_code == 410

    # Every e-mail's footer leads to the change page: a member names a new contact for their
    # organisation, and only the coordinator's approval puts them on the list.
    changes = CHANGES.search(first.text)
    assert changes is not None
    assert httpx.get(changes.group(1), timeout=10).status_code == 200
    asked_for = httpx.post(
        changes.group(1),
        data={
            "kind": "add",
            "organisation": "Vår frivillige organisasjon",
            "name": "Amina Yusuf",
            "email": "amina.yusuf@frivillig.example",
            "language": "so",
        },
        timeout=10,
    )
    assert asked_for.status_code == 200
    assert cluster.get("/api/v1/contacts", network="NIFS", active="true")["total"] == 1
    queued = cluster.get("/api/v1/change-requests", state="pending")["items"]
    assert [r["name"] for r in queued] == ["Amina Yusuf"]
    organisation = summary["organisations"][0]["id"]
    approved = cluster.post(
        f"/api/v1/change-requests/{queued[0]['id']}/approve", {"organisation_id": organisation}
    )
    assert approved.status_code == 200, approved.text
    assert cluster.get("/api/v1/contacts", network="NIFS", active="true")["total"] == 2
