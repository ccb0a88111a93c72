"""A cluster on one machine: two ``dispatch serve`` processes and two ``dispatch worker``
processes sharing one PostgreSQL and one Redis (private servers, as in the fault tests), with the
SMTP server, the fake Twilio and the Teams receiver on loopback.

One incident is declared through each API while members acknowledge through both, by link and by
signed SMS reply; midway through the fan-out one worker is SIGKILLed with its whole process
group, and the other finishes alone. Afterwards every delivery is handed over, each message is at
its provider once (no SMS twice, since uncertain SMS are looked up at Twilio; e-mail and Teams
copies bounded by what was in flight when the worker died), and every acknowledgement is counted
once per person, as both APIs report it. The figures go to ``test-artifacts/faults/cluster.json``.

The processes share one ``DISPATCH_BASE_URL``, API A's address, standing in for the load
balancer's public address: links and Twilio's signatures are built on it, and a reply signed for
it is valid at API B too, as it is when a balancer forwards Twilio's request there.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from dispatch.audit.service import Actor
from dispatch.db.engine import create_engine, create_sessionmaker
from dispatch.db.migrate import upgrade
from dispatch.security.links import make_token, read_token
from dispatch.security.models import Role
from dispatch.security.service import create_token
from tests.factories import directory_csv, many_rows
from tests.fakes.smtp import SmtpSink
from tests.fakes.teams import TeamsReceiver
from tests.fakes.twilio import FakeTwilio
from tests.integration.faults.conftest import (
    ARTIFACTS,
    FaultStack,
    PrivatePostgres,
    PrivateRedis,
    recipients_by_phone,
    wait_handed_over,
)
from tests.integration.test_fanout import Cluster, connect_teams
from tests.processes import (
    Process,
    free_port,
    spawn_api,
    stack_env,
    start_worker,
    wait_healthy,
)

# Alone: it SIGKILLs a worker mid-fan-out and gives the other one deadlines to finish alone.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(240),
    pytest.mark.alone,
]

MEMBERS = 2_000
SECRET = "test-stack-secret-of-at-least-32-bytes"
"""``stack_env``'s DISPATCH_SECRET_KEY, the same in every process."""
HANDED_OVER = ("sent", "delivered")
ACK_LINK = re.compile(r"/ack/([0-9a-z]+\.[A-Za-z0-9_-]+)")


@dataclass
class TwoNodeCluster:
    """Node ``i`` is API ``i`` and worker ``i``; ``stack`` (on node 0) reads stats and logs."""

    nodes: list[Cluster]
    stack: FaultStack

    @property
    def postgres_url(self) -> str:
        return self.stack.postgres.url


@pytest.fixture
def two_node_cluster(
    fake_twilio: FakeTwilio,
    smtp_sink: SmtpSink,
    teams_receiver: TeamsReceiver,
    dispatch_bin: str,
    tmp_path: Path,
) -> Iterator[TwoNodeCluster]:
    """Two APIs and two workers on a private PostgreSQL and Redis, with 2,000 members."""
    postgres = PrivatePostgres()
    redis = PrivateRedis(tmp_path / "redis.log")
    started: list[Process] = []
    try:
        postgres.start()
        redis.start()
        ports = [free_port(), free_port()]
        env = stack_env(
            database_url=postgres.url,
            redis_url=redis.url,
            port=ports[0],
            smtp_port=smtp_sink.port,
            twilio=fake_twilio,
            sweep_interval_seconds="1",
            requeue_after_seconds="5",
            sending_timeout_seconds="8",
            sms_rate_per_second="2000",
        )
        upgrade(postgres.url)
        # The four processes start side by side; each worker host has its own metrics port.
        workers = [
            start_worker(
                dispatch_bin,
                {**env, "DISPATCH_WORKER_METRICS_PORT": str(free_port())},
                tmp_path / f"worker-{i}.log",
            )
            for i in range(2)
        ]
        apis = [
            spawn_api(dispatch_bin, env, p, tmp_path / f"api-{i}.log") for i, p in enumerate(ports)
        ]
        started += workers + apis
        headers = {"Authorization": f"Bearer {asyncio.run(_coordinator_token(postgres.url))}"}
        for api, port in zip(apis, ports, strict=True):
            wait_healthy(api, port)
        nodes = [
            Cluster(f"http://127.0.0.1:{port}", env, headers, api, worker, dispatch_bin, tmp_path)
            for port, api, worker in zip(ports, apis, workers, strict=True)
        ]
        imported = httpx.post(
            f"{nodes[0].base}/api/v1/directory/import",
            content=directory_csv(many_rows(MEMBERS)),
            headers={**headers, "Content-Type": "text/csv"},
            timeout=120,
        )
        assert imported.status_code == 200, imported.text
        connect_teams(nodes[0], teams_receiver)
        stack = FaultStack(nodes[0], postgres, redis, fake_twilio, smtp_sink, teams_receiver)
        yield TwoNodeCluster(nodes, stack)
    finally:
        stop_together(started)
        redis.kill()
        postgres.close()


async def _coordinator_token(url: str) -> str:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            _, token = await create_token(
                session, name="cluster test", role=Role.COORDINATOR, actor=Actor("test")
            )
    finally:
        await engine.dispose()
    return token


def stop_together(processes: list[Process]) -> None:
    """SIGTERM every process still running at once, then wait for each (killing a straggler)."""
    for process in processes:
        if process.alive():
            process.terminate()
    for process in processes:
        try:
            process.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        process.stop()


def declare(node: Cluster, title: str, networks: list[str]) -> dict[str, Any]:
    """An exercise by e-mail, SMS and Teams, declared through ``node``'s API."""
    text = {"subject": title, "sms": f"{title}.", "body": f"{title}."}
    response = node.post(
        "/api/v1/incidents",
        {
            "title": title,
            "networks": networks,
            "status": "exercise",
            "channels": ["email", "sms", "teams"],
            "message": {"nb": text, "en": text},
        },
    )
    assert response.status_code == 201, response.text
    # The answer has no title; the provider counts tell incidents' Teams posts apart by it.
    incident: dict[str, Any] = {**response.json(), "title": title}
    return incident


@dataclass
class Acknowledgements:
    """What members send, each request to API 0 or 1, and whom it should count."""

    links: list[tuple[int, str]] = field(default_factory=list)
    """(API, acknowledgement token) to POST to ``/ack/{token}``; some tokens twice."""
    replies: list[tuple[int, str, str]] = field(default_factory=list)
    """(API, phone, incident code) for signed SMS replies ``OK <code>``."""
    people: dict[int, set[int]] = field(default_factory=dict)
    """Incident id → the recipients who acknowledged it, once each."""
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return len(self.links) + len(self.replies)


def plan_acknowledgements(
    c: TwoNodeCluster, incident: dict[str, Any], plan: Acknowledgements, *, per_kind: int = 150
) -> None:
    """``per_kind`` people acknowledge by link and ``per_kind`` others by SMS, alternating
    between the APIs; a sixth of the link people open their link again at the other API, and
    another sixth also reply by SMS."""
    # Read through the other API than the one that declared it: both see the same database.
    deliveries = c.nodes[1].all_deliveries(incident["id"])
    mails = sorted((d["id"], d["recipient_id"]) for d in deliveries if d["channel"] == "email")
    by_link = mails[:per_kind]
    linked = {recipient for _, recipient in by_link}
    phones = asyncio.run(recipients_by_phone(c.postgres_url, incident["id"]))
    by_sms = sorted(p for p, r in phones.items() if r not in linked)[:per_kind]
    also_by_sms = sorted(p for p, r in phones.items() if r in linked)[: per_kind // 6]
    assert len(by_link) == len(by_sms) == per_kind
    tokens = [make_token(SECRET, delivery_id) for delivery_id, _ in by_link]
    plan.links += [(i % 2, token) for i, token in enumerate(tokens)]
    plan.links += [(1 - i % 2, token) for i, token in enumerate(tokens[: per_kind // 6])]
    plan.replies += [(i % 2, p, incident["code"]) for i, p in enumerate(by_sms + also_by_sms)]
    plan.people[incident["id"]] = linked | {phones[p] for p in by_sms}


def send_acknowledgements(c: TwoNodeCluster, plan: Acknowledgements) -> None:
    """Every link and reply in the plan to its API, eight requests at a time."""
    bases = [node.base for node in c.nodes]
    # Twilio signs the public address; each API checks against DISPATCH_BASE_URL.
    signed_url = f"{bases[0]}/webhooks/twilio/sms"
    validator = RequestValidator(c.stack.twilio.auth_token)

    async def run() -> None:
        gate = asyncio.Semaphore(8)
        async with httpx.AsyncClient(timeout=30) as client:

            async def post(api: int, path: str, form: dict[str, str], **headers: str) -> None:
                async with gate:
                    try:
                        answer = await client.post(bases[api] + path, data=form, headers=headers)
                        plan.statuses[answer.status_code] += 1
                    except httpx.HTTPError:
                        plan.statuses[0] += 1  # no answer at all

            calls = [post(api, f"/ack/{token}", {}) for api, token in plan.links]
            for api, phone, code in plan.replies:
                form = {
                    "From": phone,
                    "To": "+4759440000",
                    "Body": f"OK {code}",
                    "MessageSid": "SM" + uuid.uuid4().hex,
                }
                signature = validator.compute_signature(signed_url, form)
                calls.append(
                    post(api, "/webhooks/twilio/sms", form, **{"X-Twilio-Signature": signature})
                )
            await asyncio.gather(*calls)

    asyncio.run(run())


def provider_counts(
    c: TwoNodeCluster, incidents: list[dict[str, Any]]
) -> dict[str, Counter[tuple[Any, ...]]]:
    """Messages at each provider per (incident, recipient address or delivery): SMS by number
    and the incident code in the text, e-mail by the delivery its acknowledgement link names,
    Teams posts by webhook and title."""
    sms: Counter[tuple[Any, ...]] = Counter()
    for m in c.stack.twilio.messages:
        (code,) = [i["code"] for i in incidents if f"OK {i['code']}" in m.body]
        sms[(code, m.to)] += 1
    mail: Counter[tuple[Any, ...]] = Counter()
    for received in c.stack.smtp.messages:
        found = ACK_LINK.search(received.text)
        assert found, "an alert e-mail without its acknowledgement link"
        mail[(read_token(SECRET, found[1]),)] += 1
    teams: Counter[tuple[Any, ...]] = Counter()
    for post in c.stack.teams.accepted():
        (title,) = [i["title"] for i in incidents if i["title"].encode() in post.body]
        teams[(title, post.path)] += 1
    return {"sms": sms, "email": mail, "teams": teams}


def test_two_apis_and_two_workers_survive_a_killed_worker_and_count_every_acknowledgement(
    two_node_cluster: TwoNodeCluster,
) -> None:
    c = two_node_cluster
    stack = c.stack
    # Given 2,000 members; when one incident is declared through API A (NIK) and another
    # through API B (NONEMI and NIFS, whose observers from NIK get both),
    began = time.monotonic()
    north = declare(c.nodes[0], "Cluster north", ["NIK"])
    south = declare(c.nodes[1], "Cluster south", ["NONEMI", "NIFS"])
    incidents = [north, south]
    planned = sum(i["deliveries"]["planned"] for i in incidents)
    # and members acknowledge both, through both APIs, while the fan-out runs,
    plan = Acknowledgements()
    for incident in incidents:
        plan_acknowledgements(c, incident, plan)
    acknowledging = threading.Thread(target=send_acknowledgements, args=(c, plan))
    acknowledging.start()
    # and midway through the fan-out worker A is SIGKILLed with its process group,
    wait_handed_over(stack, 0.5, planned)
    c.nodes[0].worker.kill()
    killed_at = time.monotonic()
    in_flight = sum(stack.stats(i["id"])["sending"] for i in incidents)
    acknowledging.join(timeout=120)
    assert not acknowledging.is_alive(), "the acknowledgements did not finish"
    # then worker B alone finishes every delivery: its sweeper finds what A held.
    for incident in incidents:
        stack.wait_final(incident["id"], timeout=90)
    recovered_s = time.monotonic() - killed_at
    fan_out_s = time.monotonic() - began

    rows = [d for i in incidents for d in c.nodes[0].all_deliveries(i["id"])]
    handed = Counter(d["channel"] for d in rows if d["state"] in HANDED_OVER)
    # Rows worker A had claimed when it died were claimed again by B (after the sweeper's
    # lookup at Twilio, for SMS).
    reclaimed = Counter(d["channel"] for d in rows if d["attempts"] > 1)
    counts = provider_counts(c, incidents)
    duplicates = {ch: sum(n - 1 for n in keys.values()) for ch, keys in counts.items()}
    acknowledged = {
        (node.base, i["id"]): node.get(f"/api/v1/incidents/{i['id']}")["stats"]["acknowledged"]
        for node in c.nodes
        for i in incidents
    }
    figures = {
        "planned": {i["code"]: i["deliveries"]["planned"] for i in incidents},
        "handed_over": dict(handed),
        "in_flight_at_kill": in_flight,
        "reclaimed_after_kill": dict(reclaimed),
        "fan_out_s": round(fan_out_s, 1),
        "kill_to_final_s": round(recovered_s, 1),
        "duplicates": duplicates,
        "twilio_lookups": stack.twilio.lookups,
        "ack_requests": plan.requests,
        "ack_statuses": {str(k): v for k, v in sorted(plan.statuses.items())},
        "people_acknowledging": {i["code"]: len(plan.people[i["id"]]) for i in incidents},
        "acknowledged": {f"{base} {iid}": n for (base, iid), n in acknowledged.items()},
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "cluster.json").write_text(json.dumps(figures, indent=2))
    print(f"\ncluster: {json.dumps(figures)}")

    # Every delivery is handed over: none failed, none left behind.
    assert len(rows) == planned
    assert [
        (d["channel"], d["state"], d["last_error"]) for d in rows if d["state"] not in HANDED_OVER
    ] == []
    assert reclaimed.total() > 0, "the kill found worker A between batches"
    # Each is at its provider: none missing, none we did not send; e-mail by the very delivery.
    assert {channel: len(keys) for channel, keys in counts.items()} == handed
    assert {key[0] for key in counts["email"]} == {d["id"] for d in rows if d["channel"] == "email"}
    # No SMS twice: each SMS A left uncertain was looked up at Twilio before any second send.
    # SMTP and Teams cannot be asked: a second copy can only be a send in flight when A died.
    assert duplicates["sms"] == 0, figures
    assert stack.twilio.lookups >= reclaimed["sms"], figures
    assert duplicates["email"] + duplicates["teams"] <= in_flight, figures

    # Every acknowledgement was answered, and counted once per person by both APIs.
    assert plan.statuses == {200: plan.requests}, figures
    for (_, incident_id), count in acknowledged.items():
        assert count == len(plan.people[incident_id]), figures
    # The processes' logs hold no member's address or number, no secret and no token.
    stack.check_logs()
