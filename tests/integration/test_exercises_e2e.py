"""A scheduled exercise through real parts: ``dispatch serve`` takes it, and at its time, a few
seconds later, the ``dispatch worker``'s sweeper declares it and the messages go out, each
marked as an exercise."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.db.base import utcnow
from tests.fakes.smtp import SmtpSink
from tests.integration.test_fanout import Cluster, cluster, settled  # noqa: F401 - fixture
from tests.processes import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_a_scheduled_exercise_goes_out_at_its_time(
    cluster: Cluster,  # noqa: F811
    smtp_sink: SmtpSink,
) -> None:
    at = utcnow() + timedelta(seconds=5)
    scheduled = cluster.post(
        "/api/v1/exercises",
        {
            "at": at.isoformat(),
            "incident": {
                "title": "Planlagt øvelse",
                "networks": ["NIFS"],
                "channels": ["email"],
                "message": {"nb": {"subject": "Planlagt øvelse", "body": "Dette er en øvelse."}},
            },
        },
    )
    assert scheduled.status_code == 201, scheduled.text
    exercise = scheduled.json()
    assert cluster.get("/api/v1/incidents")["total"] == 0

    def declared() -> bool:
        return bool(cluster.get(f"/api/v1/exercises/{exercise['id']}")["state"] == "declared")

    wait_until(declared, timeout=30, what="the sweeper to declare the exercise")
    incident_id = cluster.get(f"/api/v1/exercises/{exercise['id']}")["incident_id"]
    incident = cluster.get(f"/api/v1/incidents/{incident_id}")
    assert incident["status"] == "exercise"
    assert incident["declared_at"] >= at.isoformat()[:19]
    wait_until(lambda: settled(cluster, incident_id), timeout=30, what="every e-mail delivered")
    delivered = cluster.get(f"/api/v1/incidents/{incident_id}")["stats"]["deliveries"]
    mails = [m for m in smtp_sink.messages if "Planlagt øvelse" in str(m.message["Subject"])]
    assert len(mails) == delivered["delivered"] > 0
    # Declared as an exercise, so every message says so first, in its language.
    assert all(not str(m.message["Subject"]).startswith("Planlagt") for m in mails)
