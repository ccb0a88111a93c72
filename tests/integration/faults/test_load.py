"""A bounded load test on loopback: while a 2,000-member fan-out runs, acknowledgement links and
signed SMS replies arrive at a steady rate for a minute (``DISPATCH_LOAD_SECONDS``). No
acknowledgement may be lost and no answer may be an error other than an intended 429.

The figures go to ``test-artifacts/faults/load.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from dispatch.security.links import make_token
from tests.factories import mobile
from tests.integration.faults.conftest import ARTIFACTS, FaultStack, recipients_by_phone

# Alone: it sends acknowledgements at a steady rate for a minute during a fan-out, and times them.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(600),
    pytest.mark.alone,
]

SECONDS = float(os.environ.get("DISPATCH_LOAD_SECONDS", "60"))
RATE = 15.0
"""Each kind of request per second: 15 link acknowledgements and 15 SMS replies."""
SECRET = "test-stack-secret-of-at-least-32-bytes"


async def _steady(
    count: int, rate: float, call: Any, statuses: Counter[int], latencies: list[float]
) -> None:
    """``count`` calls of ``call(i)``, started at ``rate`` a second whatever the answers take."""
    started = time.monotonic()
    tasks = []

    async def one(i: int) -> None:
        begin = time.monotonic()
        try:
            status = await call(i)
        except httpx.HTTPError:
            status = 0  # no answer at all: counted as an error
        latencies.append(time.monotonic() - begin)
        statuses[status] += 1

    for i in range(count):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)


def test_acknowledgements_and_sms_replies_under_load_during_a_fan_out(
    fault_stack: FaultStack,
) -> None:
    stack = fault_stack
    base = stack.cluster.base
    # Forty SMS a second, so the fan-out of 2,000 runs for most of the minute of load.
    stack.cluster.restart_worker(sms_rate_per_second="40")
    incident = stack.declare("Last")
    per_kind = int(SECONDS * RATE)
    # Members 1000-1899 answer by SMS; others, by the link in their e-mail: each person once.
    phones = [mobile(1_000_000 + i) for i in range(1000, 1000 + per_kind)]
    by_phone = asyncio.run(recipients_by_phone(stack.postgres.url, incident["id"]))
    sms_people = {by_phone[p] for p in phones}
    deliveries = stack.cluster.all_deliveries(incident["id"])
    link_ids = sorted(
        d["id"]
        for d in deliveries
        if d["channel"] == "email" and d["recipient_id"] not in sms_people
    )[:per_kind]
    assert len(link_ids) == per_kind
    validator = RequestValidator(stack.twilio.auth_token)
    statuses: Counter[int] = Counter()
    latencies: list[float] = []

    async def run() -> None:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

            async def link(i: int) -> int:
                token = make_token(SECRET, link_ids[i])
                return (await client.post(f"/ack/{token}", data={})).status_code

            async def sms(i: int) -> int:
                form = {
                    "From": phones[i],
                    "To": "+4759440000",
                    "Body": f"OK {incident['code']}",
                    "MessageSid": "SM" + uuid.uuid4().hex,
                }
                url = f"{base}/webhooks/twilio/sms"
                signature = validator.compute_signature(url, form)
                answer = await client.post(
                    "/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": signature}
                )
                return answer.status_code

            await asyncio.gather(
                _steady(per_kind, RATE, link, statuses, latencies),
                _steady(per_kind, RATE, sms, statuses, latencies),
            )

    began = time.monotonic()
    asyncio.run(run())
    elapsed = time.monotonic() - began
    stats_during = stack.stats(incident["id"])
    stack.wait_final(incident["id"], timeout=300)
    acknowledged = stack.cluster.get(f"/api/v1/incidents/{incident['id']}")["stats"]["acknowledged"]
    latencies.sort()
    figures = {
        "seconds": round(elapsed, 1),
        "requests": sum(statuses.values()),
        "per_second": round(sum(statuses.values()) / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "acknowledged": acknowledged,
        "fan_out_still_sending_when_load_ended": stats_during["queued"] + stats_during["sending"],
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(figures, indent=2))
    print(f"\nload: {json.dumps(figures)}")
    errors = {s: n for s, n in statuses.items() if s not in (200, 429)}
    assert errors == {}, figures
    # Every acknowledgement that was answered 200 is counted: none lost.
    assert acknowledged == statuses[200] == 2 * per_kind, figures
    stack.audit(incident["id"], "load_fan_out")
