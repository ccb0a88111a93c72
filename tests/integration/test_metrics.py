"""``/metrics`` for Prometheus (any API token) and readiness that checks the database and the
broker."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.app import create_app
from dispatch.settings import Settings
from tests.conftest import RecordingEnqueuer
from tests.factories import declare_demo_exercise
from tests.processes import free_port

MESSAGE = {"nb": {"subject": "Øvelse", "sms": "Øvelse.", "body": "Øvelse."}}


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the text format; fails when it is missing."""
    rendered = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = rf"^{re.escape(name)}{re.escape('{' + rendered + '}') if labels else ''} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"no sample {name}{labels} in\n{text[:2000]}"
    return float(found.group(1))


async def test_metrics_count_deliveries_and_acknowledgements(
    coordinator_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    assert (await anonymous_client.get("/metrics")).status_code == 401
    incident = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Målinger", message=MESSAGE
    )
    scraped = await viewer_client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = scraped.text
    # Nothing was sent in this test (no workers): every delivery is still queued.
    queued = [
        sample(text, "dispatch_deliveries", channel=channel, state="queued")
        for channel in ("email", "sms")
    ]
    assert min(queued) > 0
    assert sum(queued) == incident["deliveries"]["planned"]
    assert sample(text, "dispatch_acknowledgements_total") == 0
    # Someone acknowledges; the next scrape counts it.
    async with sessionmaker() as session, session.begin():
        from dispatch.acks.models import AckVia
        from dispatch.acks.service import acknowledge
        from dispatch.incidents.models import Recipient

        recipient = await session.get(Recipient, 1)
        assert recipient is not None
        await acknowledge(
            session,
            incident_id=incident["id"],
            recipient_id=recipient.id,
            via=AckVia.LINK,
            delivery_id=None,
        )
    again = (await viewer_client.get("/metrics")).text
    assert sample(again, "dispatch_acknowledgements_total") == 1
    # No names, addresses or numbers in what is scraped.
    assert "@" not in again
    assert "+47" not in again


@pytest.mark.parametrize("broker", ["down", pytest.param("up", marks=pytest.mark.redis)])
async def test_readiness_checks_the_redis_broker(
    broker: str, database_url: str, request: pytest.FixtureRequest
) -> None:
    url = (
        f"redis://127.0.0.1:{free_port()}/0"
        if broker == "down"
        else request.getfixturevalue("redis_url")
    )
    settings = Settings(database_url=database_url, broker_url=url, secret_key="x")
    app = create_app(settings, enqueuer=RecordingEnqueuer())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as client:
        ready = await client.get("/health/ready")
    if broker == "down":
        assert ready.status_code == 503
        assert ready.headers["retry-after"] == "5"
        assert ready.json()["database"] == "ok"
        assert ready.json()["broker"] == "ConnectionError"
    else:
        assert ready.status_code == 200, ready.text
        assert ready.json()["broker"] == "ok"
