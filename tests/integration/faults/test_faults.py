"""Faults during a 2,000-member fan-out (4,000 messages and three Teams posts), with real
processes: afterwards every recipient has exactly one message per channel, or a recorded final
failure with its reason; duplicates are counted and bounded by what was in flight.

An SMS whose earlier try has an unknown outcome (its worker died, the database went away before
the record landed, Twilio's answer timed out) is looked up at Twilio before it is sent again, so
SMS are never sent twice. The figures of each run are written to
``test-artifacts/faults/<test>.json``.
"""

from __future__ import annotations

import collections
import threading
import time

import httpx
import pytest

from tests.integration.faults.conftest import FaultStack, wait_handed_over
from tests.processes import start_worker, wait_until

# Alone: they kill and restart processes and servers, and hold them to deadlines in seconds.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(600),
    pytest.mark.alone,
]


def test_a_killed_worker_and_a_restarted_redis_lose_nothing(fault_stack: FaultStack) -> None:
    stack = fault_stack
    incident = stack.declare("Kill")
    planned = incident["deliveries"]["planned"]
    wait_handed_over(stack, 0.25, planned)
    # SIGKILL the worker mid-batch, and restart Redis empty: every queued message is gone.
    stack.cluster.worker.kill()
    stack.redis.kill()
    in_flight = stack.stats(incident["id"])["sending"]
    stack.redis.start()
    stack.cluster.worker = start_worker(
        stack.cluster.dispatch_bin, stack.cluster.env, stack.cluster.tmp / "worker2.log"
    )
    stack.wait_final(incident["id"], timeout=300)
    stack.figures.update(planned=planned, in_flight_at_kill=in_flight)
    stack.figures["twilio_lookups"] = stack.twilio.lookups
    figures = stack.audit(incident["id"], "killed_worker_restarted_redis")
    assert figures["failed_with_reason"] == 0
    # The abandoned SMS were looked up at Twilio before any second send: none twice.
    assert stack.twilio.lookups > 0
    assert figures["duplicates"]["sms"] == 0
    # SMTP and Teams cannot be asked: a second copy can only come from a send in flight when
    # the worker died (the provider had answered, our record had not landed).
    assert figures["duplicates"]["email"] + figures["duplicates"]["teams"] <= in_flight


def test_a_postgres_restart_answers_503_meanwhile_and_loses_nothing(
    fault_stack: FaultStack,
) -> None:
    stack = fault_stack
    incident = stack.declare("Restart")
    planned = incident["deliveries"]["planned"]
    wait_handed_over(stack, 0.25, planned)
    stack.postgres.stop()
    down = time.monotonic()
    # While it is down, the API says so, and when to try again; nothing is half-written.
    base, headers = stack.cluster.base, stack.cluster.headers
    refused = httpx.post(
        f"{base}/api/v1/incidents",
        json={"title": "x", "networks": ["NIK"], "message": {"nb": {"subject": "x", "body": "x"}}},
        headers=headers,
        timeout=30,
    )
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) > 0
    assert "database" in refused.json()["detail"]
    ready = httpx.get(f"{base}/health/ready", timeout=30)
    assert ready.status_code == 503
    stack.figures["answer_503_s"] = round(refused.elapsed.total_seconds(), 2)
    stack.figures["ready_503_s"] = round(ready.elapsed.total_seconds(), 2)
    assert httpx.get(f"{base}/health", timeout=10).status_code == 200
    time.sleep(max(0.0, 5 - (time.monotonic() - down)))
    stack.postgres.start()
    stack.figures["postgres_down_s"] = round(time.monotonic() - down, 1)
    wait_until(
        lambda: httpx.get(f"{base}/health/ready", timeout=10).status_code == 200,
        timeout=60,
        what="readiness after the restart",
    )
    stack.wait_final(incident["id"], timeout=300)
    stack.figures["planned"] = planned
    stack.figures["twilio_lookups"] = stack.twilio.lookups
    figures = stack.audit(incident["id"], "postgres_restart")
    assert figures["failed_with_reason"] == 0
    # Sends answered while the database was away could not be recorded; the SMS among them
    # were found at Twilio, not sent again. E-mail and Teams: at most what was in flight.
    assert figures["duplicates"]["sms"] == 0
    assert figures["duplicates"]["email"] + figures["duplicates"]["teams"] <= 4 * 32


def test_provider_errors_are_retried_and_a_gone_webhook_is_recorded_once(
    fault_stack: FaultStack,
) -> None:
    stack = fault_stack
    # Twilio answers 500 fifty times, then 429 fifty times; later it stops answering for a
    # while (longer than our 10 s timeout). SMTP refuses connections for 5 s. NIK's Teams
    # workflow was deleted (404: permanent).
    stack.twilio.fail_next(50, status=500)
    stack.twilio.fail_next(50, status=429, code=20429)
    stack.teams.status_for["/workflows/nik"] = 404
    stack.smtp.refuse_connections()
    incident = stack.declare("Providers")
    planned = incident["deliveries"]["planned"]
    threading.Timer(5, stack.smtp.accept_connections).start()
    wait_handed_over(stack, 0.2, planned)
    stack.twilio.delay_seconds = 12
    time.sleep(6)
    stack.twilio.delay_seconds = 0
    stack.wait_final(incident["id"], timeout=400)
    stack.figures.update(planned=planned, twilio_lookups=stack.twilio.lookups)
    stack.figures["twilio_refusals"] = len(stack.twilio.rejections)
    figures = stack.audit(incident["id"], "provider_faults")
    deliveries = stack.cluster.all_deliveries(incident["id"])
    (gone,) = [d for d in deliveries if d["state"] == "failed"]
    assert gone["channel"] == "teams"
    assert gone["network_code"] == "NIK"
    assert gone["attempts"] == 1  # permanent: not retried
    assert "404" in gone["last_error"]
    retried = [d for d in deliveries if d["attempts"] > 1]
    assert len(retried) >= 100, "the 500s and 429s did not land"
    # The SMS whose answers timed out had reached Twilio: they were found there, not resent.
    assert stack.twilio.lookups > 0
    assert figures["duplicates"] == {"sms": 0, "email": 0, "teams": 0}


def test_sends_that_cannot_be_looked_up_are_decided_within_minutes(
    fault_stack: FaultStack,
) -> None:
    # Given Twilio's list of sent messages unreadable (its API answers 500),
    stack = fault_stack
    stack.twilio.list_status = 500
    incident = stack.declare("Lookup")
    planned = incident["deliveries"]["planned"]
    wait_handed_over(stack, 0.25, planned)
    # when the worker is killed mid-batch, leaving SMS whose outcome nobody knows,
    stack.cluster.worker.kill()
    killed = time.monotonic()
    in_flight = stack.stats(incident["id"])["sending"]
    stack.cluster.worker = start_worker(
        stack.cluster.dispatch_bin, stack.cluster.env, stack.cluster.tmp / "worker2.log"
    )
    # then no delivery stays in limbo: a few failed look-ups over a few minutes, and the send
    # is decided (sent again: for an alert a possible duplicate beats a silent miss),
    stack.wait_final(incident["id"], timeout=300)
    stack.figures.update(
        planned=planned,
        in_flight_at_kill=in_flight,
        twilio_lookups=stack.twilio.lookups,
        final_after_kill_s=round(time.monotonic() - killed, 1),
    )
    figures = stack.audit(incident["id"], "lookups_decided")
    assert figures["failed_with_reason"] == 0
    deliveries = stack.cluster.all_deliveries(incident["id"])
    decided = [d for d in deliveries if d["possible_duplicate"]]
    assert stack.twilio.lookups > 0
    # and every SMS that may have gone twice is marked so, none more than it says.
    twice = {
        to for to, n in collections.Counter(m.to for m in stack.twilio.messages).items() if n > 1
    }
    marked = {d["id"] for d in decided if d["channel"] == "sms"}
    assert figures["duplicates"]["sms"] <= len(marked) <= in_flight
    assert len(twice) <= len(marked)
    for delivery in decided:
        (why,) = [e for e in delivery["history"] if e["kind"] == "decided"]
        assert "twilio could not be asked whether it took the earlier try" in why["detail"]
    # The report says so too: how many may have gone twice, and each decision with its reason.
    report = stack.cluster.get(f"/api/v1/incidents/{incident['id']}/report")
    assert report["possible_duplicates"] == len(decided)
    assert report["send_decisions"].get("decided", 0) >= len(decided)
    listed = {d["delivery_id"] for d in report["send_decision_items"] if d["kind"] == "decided"}
    assert {d["id"] for d in decided} <= listed
