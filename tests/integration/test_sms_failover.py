"""Breaking an SMS provider mid-incident: two providers on loopback fakes (Twilio through its SDK,
LINK Mobility through its REST API), real ``dispatch serve`` and ``dispatch worker`` processes
on PostgreSQL and Redis, and 2,000 people to reach by SMS.

A third of the way through, one provider starts answering 500 to every send (or stops sending
delivery reports). Every person still gets exactly one SMS, the failing provider is marked down
with its reason within 30 s, and the rest goes out through the other.
"""

from __future__ import annotations

import collections
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from dispatch.providers.routing import REFRESH_S
from tests.factories import directory_csv, many_rows
from tests.fakes.linkmobility import FakeLink
from tests.fakes.smtp import SmtpSink
from tests.fakes.twilio import FakeTwilio
from tests.integration.test_fanout import Cluster
from tests.processes import (
    create_token,
    free_port,
    run,
    stack_env,
    start_api,
    start_worker,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PEOPLE = 2000
SEGMENTS_PER_SECOND = 40
MESSAGE = {"nb": {"subject": "Flom", "sms": "Flom i Voss. Hold dere unna elva."}}


@dataclass
class TwoProviders:
    cluster: Cluster
    twilio: FakeTwilio
    link: FakeLink

    def providers(self) -> dict[str, dict[str, Any]]:
        listed = self.cluster.get("/api/v1/sms/providers")
        return {p["name"]: p for p in listed}

    def sent(self) -> list[str]:
        """Every number either fake took an SMS for."""
        return [m.to for m in self.twilio.messages] + [m.destination for m in self.link.messages]


@pytest.fixture
def two_providers(
    dispatch_bin: str,
    clean_postgres: str,
    redis_url: str,
    fake_twilio: FakeTwilio,
    fake_link: FakeLink,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> Iterator[TwoProviders]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    providers = [
        fake_twilio.provider(weight=50, segments_per_second=SEGMENTS_PER_SECOND),
        fake_link.provider(base, weight=50, segments_per_second=SEGMENTS_PER_SECOND),
    ]
    env = stack_env(
        database_url=clean_postgres,
        redis_url=redis_url,
        port=port,
        smtp_port=smtp_sink.port,
        twilio=fake_twilio,
        sms_providers=json.dumps(providers),
        sweep_interval_seconds="1",
        requeue_after_seconds="5",
        sending_timeout_seconds="8",
        worker_metrics_port=str(free_port()),
    )
    directory = tmp_path / "people.csv"
    directory.write_bytes(directory_csv(many_rows(PEOPLE)))
    run(dispatch_bin, env, "import", str(directory))
    headers = {"Authorization": f"Bearer {create_token(dispatch_bin, env)}"}
    api = start_api(dispatch_bin, env, port, tmp_path / "api.log")
    worker = start_worker(dispatch_bin, env, tmp_path / "worker.log")
    cluster = Cluster(base, env, headers, api, worker, dispatch_bin, tmp_path)
    try:
        yield TwoProviders(cluster, fake_twilio, fake_link)
    finally:
        cluster.worker.stop()
        cluster.api.stop()


def declare(cluster: Cluster) -> dict[str, Any]:
    response = cluster.post(
        "/api/v1/incidents",
        {
            "title": "Flom",
            "networks": ["NIK", "NONEMI", "NIFS"],
            "status": "exercise",
            "channels": ["sms"],
            "ack_required": False,
            "message": MESSAGE,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def at_a_third(setup: TwoProviders, planned: int, breaking: Callable[[], None]) -> dict[str, float]:
    """Break a provider once a third of the SMS are out; returns when (``broken_at``)."""
    when: dict[str, float] = {}

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if len(setup.sent()) >= planned // 3:
                breaking()
                when["broken_at"] = time.monotonic()
                return
            time.sleep(0.02)

    threading.Thread(target=watch, daemon=True).start()
    return when


def down_within(setup: TwoProviders, when: dict[str, float], name: str, seconds: float) -> str:
    """Wait for ``name`` to be down; its reason, and how soon after it broke."""
    wait_until(lambda: "broken_at" in when, timeout=120, what="a third of the SMS out")
    wait_until(
        lambda: setup.providers()[name]["state"] == "down",
        timeout=seconds + 5,
        what=f"{name} marked down",
    )
    took = time.monotonic() - when["broken_at"]
    assert took <= seconds, f"{name} was marked down {took:.1f} s after it broke"
    reason: str = setup.providers()[name]["last_change"]["reason"]
    return reason


def everyone_once(setup: TwoProviders, incident: dict[str, Any], final: set[str]) -> list[Any]:
    """Wait until every delivery is final; each person got exactly one SMS."""
    planned = incident["deliveries"]["planned"]

    def settled() -> bool:
        counts = setup.cluster.get(f"/api/v1/incidents/{incident['id']}")["stats"]["deliveries"]
        return sum(counts[s] for s in final) == planned

    wait_until(settled, timeout=180, what="every SMS handed over")
    deliveries = setup.cluster.all_deliveries(incident["id"])
    per_number = collections.Counter(setup.sent())
    assert len(per_number) == planned
    assert set(per_number.values()) == {1}, [n for n, c in per_number.items() if c > 1][:5]
    return deliveries


@pytest.mark.alone  # the provider must be marked down within 30 s of breaking
def test_a_provider_failing_every_send_is_marked_down_and_the_rest_go_through_the_other(
    two_providers: TwoProviders,
) -> None:
    # Given 2,000 people to reach by SMS through two providers of 40 segments a second,
    setup = two_providers
    incident = declare(setup.cluster)
    planned = incident["deliveries"]["planned"]
    assert planned == PEOPLE
    # when LINK answers 500 to every send once a third of the SMS are out,
    when = at_a_third(setup, planned, lambda: setup.link.fail_next(10**6, status=500))
    # then LINK is marked down with its reason within 30 s,
    reason = down_within(setup, when, "link", 30)
    assert "sends failed in the last 10 s" in reason
    # every person gets exactly one SMS, all delivered, none lost or sent twice,
    deliveries = everyone_once(setup, incident, {"delivered"})
    # and what LINK could not take went out through Twilio.
    by_provider = collections.Counter(d["provider"] for d in deliveries)
    assert by_provider["link"] == len(setup.link.messages)
    assert by_provider["twilio"] == len(setup.twilio.messages)
    assert by_provider["twilio"] > planned // 2
    assert not any(d["possible_duplicate"] for d in deliveries)


@pytest.mark.alone  # the provider must be marked down within 30 s of breaking
def test_a_provider_whose_delivery_reports_stop_is_marked_down_and_the_rest_go_through_the_other(
    two_providers: TwoProviders,
) -> None:
    # Given the same 2,000 people and two providers,
    setup = two_providers
    incident = declare(setup.cluster)
    planned = incident["deliveries"]["planned"]

    # when LINK still takes every SMS but stops sending delivery reports a third of the way,
    def stop_reports() -> None:
        setup.link.send_reports = False

    when = at_a_third(setup, planned, stop_reports)
    # then LINK is marked down within 30 s, for the reports it owes,
    reason = down_within(setup, when, "link", 30)
    assert "no delivery report for" in reason
    down_at = datetime.now(UTC)
    # every person gets exactly one SMS (LINK's without a report stay "sent"),
    everyone_once(setup, incident, {"delivered", "sent"})

    def twilio_reported() -> bool:
        deliveries = setup.cluster.all_deliveries(incident["id"])
        return all(d["state"] == "delivered" for d in deliveries if d["provider"] == "twilio")

    wait_until(twilio_reported, timeout=30, what="Twilio's reports")
    deliveries = setup.cluster.all_deliveries(incident["id"])
    unreported = [d for d in deliveries if d["state"] == "sent"]
    assert unreported
    assert {d["provider"] for d in unreported} == {"link"}
    # and once it was down, the rest went through Twilio: LINK took at most what was in
    # flight as it was marked down.
    late_at_link = [
        m for m in setup.link.messages if m.received_at > down_at + timedelta(seconds=2)
    ]
    assert late_at_link == []


def test_an_admin_takes_a_provider_out_and_puts_it_back(two_providers: TwoProviders) -> None:
    cluster = two_providers.cluster
    admin = {"Authorization": f"Bearer {create_token(cluster.dispatch_bin, cluster.env, 'admin')}"}
    # A coordinator may look but not touch,
    refused = httpx.patch(
        f"{cluster.base}/api/v1/sms/providers/link", json={"state": "disabled"},
        headers=cluster.headers, timeout=10,
    )  # fmt: skip
    assert refused.status_code == 403
    # an admin takes LINK out, with a reason in the audit log,
    out = httpx.patch(
        f"{cluster.base}/api/v1/sms/providers/link", json={"state": "disabled"}, headers=admin,
        timeout=10,
    )  # fmt: skip
    assert out.status_code == 200, out.text
    assert out.json()["state"] == "disabled"
    assert "taken out by" in out.json()["last_change"]["reason"]
    # so, once every worker has re-read the states (each does at most a second after a change:
    # a declaration now answers fast enough to be sent within that second), a declaration goes
    # out through Twilio alone,
    time.sleep(REFRESH_S + 0.5)
    incident = declare(cluster)
    everyone_once(two_providers, incident, {"delivered"})
    assert two_providers.link.messages == []
    # and a bad change says what is wrong.
    bad = httpx.patch(
        f"{cluster.base}/api/v1/sms/providers/link", json={"state": "down"}, headers=admin,
        timeout=10,
    )  # fmt: skip
    assert bad.status_code == 422
    assert "disabled" in bad.json()["detail"]
    back = httpx.patch(
        f"{cluster.base}/api/v1/sms/providers/link", json={"state": "active", "weight": 10},
        headers=admin, timeout=10,
    )  # fmt: skip
    assert back.json()["state"] == "active"
    assert back.json()["weight"] == 10
