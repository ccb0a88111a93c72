"""Acknowledgements per second: ``POST /ack/{token}`` and signed SMS replies, against
``dispatch serve`` on PostgreSQL, with concurrent clients and no fan-out running.

The raw baseline, in the same run, is the same clients against ``GET /health`` on the same
server: what the HTTP stack alone sustains.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from dispatch.acks.tokens import make_token
from tests.factories import directory_csv, many_rows

CLIENTS = 32
ACKS = 3_000
Call = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def _drive(calls: list[Call]) -> tuple[float, float]:
    """Run the calls with CLIENTS concurrent clients; (calls per second, p99 in ms)."""
    latencies: list[float] = []
    queue: asyncio.Queue[Call] = asyncio.Queue()
    for call in calls:
        queue.put_nowait(call)

    async def client() -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            while not queue.empty():
                call = queue.get_nowait()
                started = time.perf_counter()
                response = await call(http)
                latencies.append((time.perf_counter() - started) * 1000)
                assert response.status_code < 400, response.text[:200]

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return len(calls) / elapsed, latencies[max(0, int(len(latencies) * 0.99) - 1)]


def _declare(base: str, headers: dict[str, str], channel: str) -> dict[str, Any]:
    """Declare to everyone on one channel and wait until the fan-out is handed over."""
    response = httpx.post(
        f"{base}/api/v1/incidents",
        headers=headers,
        timeout=120,
        json={
            "title": f"Ack benchmark ({channel})",
            "networks": ["NIK", "NONEMI", "NIFS"],
            "status": "test",
            "channels": [channel],
            "message": {"nb": {"subject": "Test", "sms": "Test.", "body": "Test."}},
        },
    )
    response.raise_for_status()
    incident: dict[str, Any] = response.json()
    while True:
        counts = httpx.get(f"{base}/api/v1/incidents/{incident['id']}", headers=headers).json()
        if counts["stats"]["deliveries"]["queued"] + counts["stats"]["deliveries"]["sending"] == 0:
            return incident
        time.sleep(0.5)


def _delivery_ids(base: str, headers: dict[str, str], incident_id: int) -> list[int]:
    ids: list[int] = []
    page = 1
    while True:
        body = httpx.get(
            f"{base}/api/v1/incidents/{incident_id}/deliveries",
            headers=headers,
            params={"page": page, "page_size": 500},
        ).json()
        ids += [d["id"] for d in body["items"]]
        if len(ids) >= body["total"]:
            return ids
        page += 1


def _link_call(base: str, token: str) -> Call:
    return lambda http: http.post(f"{base}/ack/{token}", data={"comment": ""})


def _sms_call(url: str, form: dict[str, str], signature: str) -> Call:
    return lambda http: http.post(url, data=form, headers={"X-Twilio-Signature": signature})


def _acknowledged(base: str, headers: dict[str, str], incident_id: int) -> int:
    body = httpx.get(f"{base}/api/v1/incidents/{incident_id}", headers=headers).json()
    count: int = body["stats"]["acknowledged"]
    return count


def run_acks(base: str, headers: dict[str, str], secret: str, auth_token: str) -> dict[str, Any]:
    """Acknowledge ACKS people by link, then ACKS by SMS, as fast as the clients can."""
    rows = many_rows(ACKS)  # the first rows of the fan-out benchmark: nothing new to import
    httpx.post(
        f"{base}/api/v1/directory/import",
        content=directory_csv(rows),
        headers={**headers, "Content-Type": "text/csv"},
        timeout=300,
    ).raise_for_status()
    results: dict[str, Any] = {"ack_clients": CLIENTS}

    by_link = _declare(base, headers, "email")
    tokens = [make_token(secret, i) for i in _delivery_ids(base, headers, by_link["id"])]
    rate, p99 = asyncio.run(_drive([_link_call(base, t) for t in tokens]))
    results["ack_per_s"], results["ack_p99_ms"] = round(rate, 1), round(p99, 1)
    results["ack_acknowledged"] = _acknowledged(base, headers, by_link["id"])

    by_sms = _declare(base, headers, "sms")
    url = f"{base}/webhooks/twilio/sms"
    validator = RequestValidator(auth_token)
    calls = []
    for row in rows:
        form = {"From": row["phone"], "Body": f"OK {by_sms['code']}"}
        calls.append(_sms_call(url, form, validator.compute_signature(url, form)))
    rate, p99 = asyncio.run(_drive(calls))
    results["sms_webhook_per_s"], results["sms_webhook_p99_ms"] = round(rate, 1), round(p99, 1)
    results["sms_acknowledged"] = _acknowledged(base, headers, by_sms["id"])

    health = [lambda http: http.get(f"{base}/health") for _ in range(ACKS)]
    rate, p99 = asyncio.run(_drive(health))
    results["raw_health_per_s"], results["raw_health_p99_ms"] = round(rate, 1), round(p99, 1)
    return results
