"""Acknowledgements per second: ``POST /ack/{token}`` and signed SMS replies, against
``dispatch serve`` on PostgreSQL, with concurrent clients and no worker running (the alerts
acknowledged are declared with their deliveries left in the queue).

The raw baseline, in the same run, is the same clients against ``GET /health`` on the same
server: what the HTTP stack alone sustains on this machine. The clients are
``tests.bench.load``: prepared requests on keep-alive connections, cheap enough not to take the
server's CPU.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from dispatch.security.links import make_token
from tests.bench import load
from tests.bench.common import CpuShares, Profiler, named, process_group
from tests.factories import directory_csv, many_rows

CLIENTS = 32
ACKS = 6_000
WARM_UP = 600
"""Acknowledgements of each kind sent first and not timed: each API process opens its
connections and loads each language's page texts and catalogs once, as it would in its first
minute of an incident. The figures are from the other ``ACKS - WARM_UP``."""


def _declare(base: str, headers: dict[str, str], channel: str) -> dict[str, Any]:
    """Declare to everyone on one channel (with no worker running, its deliveries wait)."""
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
    return incident


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


def _acknowledged(base: str, headers: dict[str, str], incident_id: int) -> int:
    body = httpx.get(f"{base}/api/v1/incidents/{incident_id}", headers=headers).json()
    count: int = body["stats"]["acknowledged"]
    return count


def _figures(run: load.Load, name: str) -> dict[str, Any]:
    refused = {status: n for status, n in run.statuses.items() if status >= 400}
    if refused:
        raise AssertionError(f"{name}: answers refused: {refused}")
    return {
        f"{name}_per_s": round(run.per_s, 1),
        f"{name}_p50_ms": round(run.p50_ms, 1),
        f"{name}_p99_ms": round(run.p99_ms, 1),
    }


def _shares(api_pid: int) -> CpuShares:
    """Where the cores go during a load: the API, PostgreSQL, Redis, and this process (the
    load generator)."""
    return CpuShares(
        api=lambda: process_group(api_pid),
        postgres=lambda: named("postgres"),
        redis=lambda: named("redis-server"),
        load=lambda: [os.getpid()],
    )


def run_acks(
    base: str,
    headers: dict[str, str],
    *,
    secret: str,
    auth_token: str,
    api_pid: int,
    profiler: Profiler,
) -> dict[str, Any]:
    """Acknowledge ACKS people by link, then ACKS by SMS, as fast as the clients can (each
    after WARM_UP untimed)."""
    rows = many_rows(ACKS)  # the first rows of the fan-out benchmark: nothing new to import
    httpx.post(
        f"{base}/api/v1/directory/import",
        content=directory_csv(rows),
        headers={**headers, "Content-Type": "text/csv"},
        timeout=300,
    ).raise_for_status()
    results: dict[str, Any] = {"ack_clients": CLIENTS}

    health = [load.request("GET", f"{base}/health")] * ACKS
    load.run(base, health[:500], connections=CLIENTS)  # warm every process and connection
    results.update(_figures(load.run(base, health, connections=CLIENTS), "raw_health"))

    by_link = _declare(base, headers, "email")
    requests = [
        load.request("POST", f"{base}/ack/{make_token(secret, i)}", {"comment": ""})
        for i in _delivery_ids(base, headers, by_link["id"])
    ]
    load.run(base, requests[:WARM_UP], connections=CLIENTS)
    profiler.attach(api_pid, "ack-link", seconds=4)
    shares = _shares(api_pid)
    results.update(_figures(load.run(base, requests[WARM_UP:], connections=CLIENTS), "ack"))
    results["ack_cpu"] = shares.stop()
    results["ack_acknowledged"] = _acknowledged(base, headers, by_link["id"])

    by_sms = _declare(base, headers, "sms")
    url = f"{base}/webhooks/twilio/sms"
    validator = RequestValidator(auth_token)
    requests = []
    for row in rows:
        form = {"From": row["phone"], "Body": f"OK {by_sms['code']}"}
        signature = validator.compute_signature(url, form)
        requests.append(load.request("POST", url, form, X_Twilio_Signature=signature))
    load.run(base, requests[:WARM_UP], connections=CLIENTS)
    profiler.attach(api_pid, "ack-sms", seconds=4)
    shares = _shares(api_pid)
    results.update(_figures(load.run(base, requests[WARM_UP:], connections=CLIENTS), "sms_webhook"))
    results["sms_webhook_cpu"] = shares.stop()
    results["sms_acknowledged"] = _acknowledged(base, headers, by_sms["id"])
    profiler.wait()
    return results
