"""Stopping gracefully, with real processes: a worker told to stop (SIGTERM) finishes the
batches it has claimed and records them before it exits, and ``dispatch serve`` answers the
requests in flight while it refuses new connections."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.factories import directory_csv, many_rows
from tests.fakes.smtp import SmtpSink
from tests.fakes.twilio import FakeTwilio
from tests.integration.test_fanout import Cluster
from tests.processes import (
    create_token,
    free_port,
    stack_env,
    start_api,
    start_worker,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(180)]

GRACE_S = 30.0
"""How long a process may take to stop after SIGTERM here (deployments give a worker 330 s and
the API 30 s)."""
TWILIO_DELAY_S = 1.0
"""How long the fake Twilio takes to answer each SMS while the worker is told to stop; well under
the SDK's 10 s timeout."""
HANDED_OVER = ("sent", "delivered")


def _env(
    database_url: str, redis_url: str, port: int, smtp: SmtpSink, twilio: FakeTwilio
) -> dict[str, str]:
    # A `sending` row is taken for a dead worker's only after 120 s: no sweeper can tidy up
    # after a worker that stopped badly while these tests look.
    return stack_env(
        database_url=database_url,
        redis_url=redis_url,
        port=port,
        smtp_port=smtp.port,
        twilio=twilio,
        sweep_interval_seconds="1",
        requeue_after_seconds="5",
        sending_timeout_seconds="120",
        sms_rate_per_second="2000",
        worker_metrics_port="0",
    )


def _import(base: str, headers: dict[str, str], members: int) -> None:
    imported = httpx.post(
        f"{base}/api/v1/directory/import",
        content=directory_csv(many_rows(members)),
        headers={**headers, "Content-Type": "text/csv"},
        timeout=120,
    )
    assert imported.status_code == 200, imported.text


def _declaration(title: str, channels: list[str]) -> dict[str, Any]:
    text = {"subject": title, "sms": f"{title}.", "body": f"{title}."}
    return {
        "title": title,
        "networks": ["NIK", "NONEMI", "NIFS"],
        "status": "exercise",
        "channels": channels,
        "message": {"nb": text, "en": text},
    }


@pytest.fixture
def sms_stack(
    dispatch_bin: str,
    clean_postgres: str,
    redis_url: str,
    fake_twilio: FakeTwilio,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> Iterator[Cluster]:
    """``dispatch serve`` and one worker of two threads on the shared PostgreSQL and Redis,
    with 400 members."""
    port = free_port()
    env = _env(clean_postgres, redis_url, port, smtp_sink, fake_twilio)
    headers = {"Authorization": f"Bearer {create_token(dispatch_bin, env)}"}
    api = start_api(dispatch_bin, env, port, tmp_path / "api.log")
    worker = start_worker(dispatch_bin, env, tmp_path / "worker.log", threads=2)
    c = Cluster(f"http://127.0.0.1:{port}", env, headers, api, worker, dispatch_bin, tmp_path)
    try:
        _import(c.base, headers, 400)
        yield c
    finally:
        c.worker.stop()
        c.api.stop()


def test_a_worker_told_to_stop_finishes_and_records_its_claimed_batches(
    sms_stack: Cluster, fake_twilio: FakeTwilio
) -> None:
    c = sms_stack
    # Given Twilio answering each SMS after a second, and an SMS alert to 400 members (eight
    # batches; the worker's two threads take two at a time),
    fake_twilio.delay_seconds = TWILIO_DELAY_S
    response = c.post("/api/v1/incidents", _declaration("Graceful stop", ["sms"]))
    assert response.status_code == 201, response.text
    incident = response.json()
    planned = incident["deliveries"]["planned"]

    def stats() -> dict[str, int]:
        counts: dict[str, int] = c.get(f"/api/v1/incidents/{incident['id']}")["stats"]["deliveries"]
        return counts

    # when the worker has claimed its first batches and their sends are waiting on Twilio,
    wait_until(lambda: stats()["sending"] > 0, timeout=60, what="a batch in flight")
    in_flight = c.get(
        f"/api/v1/incidents/{incident['id']}/deliveries", status="sending", page_size=500
    )["items"]
    claimed = {d["id"] for d in in_flight}
    assert claimed, "the batch was recorded before it could be caught in flight"
    # and it is told to stop (SIGTERM to its process group, as systemd does),
    c.worker.terminate()
    told = time.monotonic()
    try:
        code = c.worker.popen.wait(timeout=GRACE_S)
    except subprocess.TimeoutExpired:
        pytest.fail("no stop within the grace period: " + c.worker.log.read_text()[-3000:])
    stopped_s = time.monotonic() - told

    # then it exits cleanly within its grace period,
    log = c.worker.log.read_text()
    assert code == 0, log[-3000:]
    assert "Worker has been shut down." in log
    assert "Killing worker process" not in log
    # having recorded every send it had started: nothing is left `sending`, each row it had
    # claimed is handed over, each SMS Twilio took is recorded, and nothing failed or was lost.
    after = {d["id"]: d for d in c.all_deliveries(incident["id"])}
    states = Counter(d["state"] for d in after.values())
    assert states["sending"] == 0, states
    assert {after[i]["state"] for i in claimed} <= set(HANDED_OVER), [
        (i, after[i]["state"], after[i]["last_error"]) for i in sorted(claimed)
    ]
    handed = states["sent"] + states["delivered"]
    assert len(fake_twilio.messages) == handed
    assert handed + states["queued"] == planned == len(after), states
    # The stop came mid-fan-out: the rest waits in the queue for another worker.
    assert states["queued"] > 0, "the fan-out ended before the stop; nothing was left"
    print(
        f"\ngraceful worker stop: {planned} planned, {len(claimed)} claimed when told, "
        f"{handed} handed over by then, stopped in {stopped_s:.1f} s"
    )

    # When a fresh worker takes the rest,
    fake_twilio.delay_seconds = 0
    c.worker.stop()
    c.worker = start_worker(c.dispatch_bin, c.env, c.tmp / "worker2.log")
    wait_until(
        lambda: (s := stats())["queued"] + s["sending"] == 0,
        timeout=60,
        what="the fresh worker to hand over the rest",
    )
    # then everyone has their SMS once, and none had to be looked up at Twilio: the stopped
    # worker left no send with an unknown outcome.
    per_number = Counter(m.to for m in fake_twilio.messages)
    assert len(per_number) == planned
    assert set(per_number.values()) == {1}
    assert fake_twilio.lookups == 0


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def test_the_api_answers_requests_in_flight_on_sigterm_and_refuses_new_connections(
    dispatch_bin: str,
    clean_postgres: str,
    redis_url: str,
    fake_twilio: FakeTwilio,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    members = 500
    port = free_port()
    env = _env(clean_postgres, redis_url, port, smtp_sink, fake_twilio)
    headers = {"Authorization": f"Bearer {create_token(dispatch_bin, env)}"}
    api = start_api(dispatch_bin, env, port, tmp_path / "api.log")
    base = f"http://127.0.0.1:{port}"
    database = await asyncpg.connect(_dsn(clean_postgres))
    try:
        await asyncio.to_thread(_import, base, headers, members)
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
            # Given a declaration to 500 members that takes a while: the database makes it
            # wait for a lock on the outbox, which the test holds,
            holding = database.transaction()
            await holding.start()
            await database.execute("LOCK TABLE deliveries IN EXCLUSIVE MODE")
            declaring = asyncio.create_task(
                client.post("/api/v1/incidents", json=_declaration("Draining", ["email", "sms"]))
            )
            await _eventually(
                lambda: _waiting_for_lock(database, "deliveries"),
                within=30,
                what="the declaration to wait for the lock",
            )
            # when `dispatch serve` is told to stop while the request is in flight,
            api.terminate()
            # then a new connection is refused at once, while the process still drains;
            await _eventually(
                lambda: _refused(f"{base}/health"), within=10, what="new connections refused"
            )
            assert api.alive()
            assert not declaring.done()
            # and once the database lets it go, the request gets its normal answer,
            await holding.rollback()
            response = await asyncio.wait_for(declaring, timeout=GRACE_S)
        assert response.status_code == 201, response.text
        incident = response.json()
        assert incident["deliveries"]["planned"] == 2 * members
        written = await database.fetchval(
            "SELECT count(*) FROM deliveries WHERE incident_id = $1", incident["id"]
        )
        assert written == 2 * members
        # and the process exits 0 within its grace period.
        code = await asyncio.to_thread(api.popen.wait, GRACE_S)
        assert code == 0, api.log.read_text()[-3000:]
    finally:
        await database.close()
        api.stop()


async def _waiting_for_lock(database: asyncpg.Connection, table: str) -> bool:
    """Whether another session waits for a lock on ``table`` in this database: pg_locks lists
    the locks of every database (other pytest workers' have a ``deliveries`` table too), and a
    relation's oid is unique only within its own."""
    waiting: int = await database.fetchval(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "JOIN pg_database d ON d.oid = l.database "
        "WHERE c.relname = $1 AND NOT l.granted AND d.datname = current_database()",
        table,
    )
    return waiting > 0


async def _refused(url: str) -> bool:
    """Whether a new connection to ``url`` is refused (a request that got in is no answer)."""
    try:
        async with httpx.AsyncClient(timeout=2) as probe:
            await probe.get(url)
    except httpx.ConnectError:
        return True
    except httpx.TransportError:
        return False  # accepted just before the listener closed: ask again
    return False


async def _eventually(check: Callable[[], Awaitable[bool]], *, within: float, what: str) -> None:
    """Until ``await check()`` is true; fails after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)
