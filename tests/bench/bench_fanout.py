"""The fan-out, the declaration and the acknowledgements, through real ``dispatch serve`` and
``dispatch worker`` processes on PostgreSQL and Redis, with the fake Twilio, the Teams
receiver and the SMTP sink on loopback.

- ``raw_client_posts_per_s``: a plain async loop, in its own process, posting to the same fake
  Twilio and Teams servers (``tests.bench.raw``): the ceiling for hand-over on this machine.
- ``declare_p99_ms``: ``POST /api/v1/incidents`` for a 10,000-recipient audience, repeated, with
  no worker running (the queued deliveries are thrown away with the scratch database).
- ``fanout_deliveries_per_s`` and ``fanout_first_handover_ms``: 10,000 recipients × e-mail and
  SMS, from the declaration to the last hand-over, and to the first SMS at the fake Twilio.
- ``main_contacts_reached_s``: the fake Twilio accepting 10 messages a second (and the service
  told so), 450 organisations: declaration to the last organisation's main contact's SMS.
- ``fanout_100k_peak_mb``: the peak resident memory of the largest API or worker process while
  100,000 recipients are declared and handed over (peaks reset after the directory import,
  whose own peaks are ``fanout_100k_before_mb``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import redis

from dispatch.db.migrate import upgrade
from tests.bench import bench_acks
from tests.bench import raw as raw_module
from tests.bench.common import (
    DISPATCH,
    REDIS_URL,
    ROOT,
    CpuShares,
    PeakMemory,
    Profiler,
    named,
    process_group,
    scratch_database,
)
from tests.factories import directory_csv, many_rows
from tests.fakes.smtp import SmtpSink
from tests.fakes.teams import TeamsReceiver
from tests.fakes.twilio import FakeTwilio
from tests.processes import Process, create_token, free_port, stack_env, start_api, wait_until

API_PROCESSES = 2
WORKER_PROCESSES = 2
WORKER_THREADS = 8
FANOUT = 10_000
WARM_UP = 1_000
DECLARATIONS = 30
MAIN_CONTACT_ORGANISATIONS = 450
MAIN_CONTACT_MEMBERS = 22  # per organisation: 9,900 people
THROTTLED_SMS_PER_S = 10
BIG = 100_000
MAIN_CONTACTS_WAIT_S = 150


@dataclass
class Stack:
    """One API (``API_PROCESSES`` processes) and, once started, one ``dispatch worker``."""

    base: str
    env: dict[str, str]
    headers: dict[str, str]
    api: Process
    logs: Path
    worker: Process | None = None

    def start_worker(self) -> None:
        self.worker = Process(
            [
                DISPATCH,
                "worker",
                "--processes",
                str(WORKER_PROCESSES),
                "--threads",
                str(WORKER_THREADS),
            ],
            self.env,
            self.logs / "worker.log",
        )

    def import_rows(self, rows: list[dict[str, str]]) -> None:
        for start in range(0, len(rows), 25_000):
            httpx.post(
                f"{self.base}/api/v1/directory/import",
                content=directory_csv(rows[start : start + 25_000]),
                headers={**self.headers, "Content-Type": "text/csv"},
                timeout=600,
            ).raise_for_status()

    def declare(
        self, title: str, channels: list[str], *, sms: str = "Test."
    ) -> tuple[dict[str, Any], float]:
        """The incident, and the wall-clock time (epoch seconds) the request was sent."""
        sent = time.time()
        response = httpx.post(
            f"{self.base}/api/v1/incidents",
            headers=self.headers,
            timeout=300,
            json={
                "title": title,
                "networks": ["NIK", "NONEMI", "NIFS"],
                "status": "test",
                "channels": channels,
                "message": {"nb": {"subject": "Test", "sms": sms, "body": "Test."}},
            },
        )
        response.raise_for_status()
        incident: dict[str, Any] = response.json()
        return incident, sent


@contextmanager
def stack(
    pg_url: str,
    twilio: FakeTwilio,
    sink: SmtpSink,
    logs: Path,
    **settings: str,
) -> Iterator[Stack]:
    logs.mkdir(parents=True, exist_ok=True)
    upgrade(pg_url)
    redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    env = stack_env(
        database_url=pg_url,
        redis_url=REDIS_URL,
        port=port,
        smtp_port=sink.port,
        twilio=twilio,
        log_level="WARNING",
        api_processes=str(API_PROCESSES),
        # Every benchmark client comes from 127.0.0.1, one address: lift the per-address cap.
        public_requests_per_minute="10000000",
        **settings,
    )
    headers = {"Authorization": f"Bearer {create_token(DISPATCH, env)}"}
    api = start_api(DISPATCH, env, port, logs / "api.log")
    running = Stack(f"http://127.0.0.1:{port}", env, headers, api, logs)
    try:
        yield running
    finally:
        if running.worker is not None:
            running.worker.stop()
        api.stop()
        redis.Redis.from_url(REDIS_URL).flushdb()


def _raw_baseline(twilio: FakeTwilio, teams: TeamsReceiver, sink: SmtpSink) -> dict[str, Any]:
    """``tests.bench.raw`` in as many processes as the worker has, all at once: posts and mails
    handed over per second, from the first process's start to the last one's end."""
    args = [twilio.base_url, twilio.account_sid, twilio.auth_token, teams.url("/raw")]
    raws = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.bench.raw", *args, str(sink.port)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKER_PROCESSES)
    ]
    runs = []
    for raw in raws:
        out, _ = raw.communicate(timeout=300)
        if raw.returncode != 0:
            raise RuntimeError(f"the raw baseline failed ({raw.returncode})")
        runs.append(json.loads(out))

    def rate(what: str) -> float:
        total = sum(r[what] for r in runs)
        span = max(r[f"{what}_ended"] for r in runs) - min(r[f"{what}_started"] for r in runs)
        return round(total / span, 1)

    return {
        "raw_client_posts_per_s": rate("posts"),
        "raw_smtp_sends_per_s": rate("mails"),
        "raw_processes": WORKER_PROCESSES,
        "raw_posts": sum(r["posts"] for r in runs),
        "raw_in_flight_per_process": raw_module.IN_FLIGHT,
    }


def _sms_after(twilio: FakeTwilio, before: int) -> Callable[[int], bool]:
    """A check that ``count`` more SMS than ``before`` have reached the fake Twilio; cheap, as
    the fakes share this process and its interpreter lock."""
    return lambda count: len(twilio.messages) - before >= count


def _declarations(
    pg_url: str, twilio: FakeTwilio, sink: SmtpSink, logs: Path, profiler: Profiler
) -> dict[str, Any]:
    """``DECLARATIONS`` declarations to 10,000 recipients each, with no worker running."""
    with stack(pg_url, twilio, sink, logs, sms_rate_per_second="100000") as s:
        s.import_rows(many_rows(FANOUT))
        s.declare("Warm-up", ["email", "sms"])
        profiler.attach(s.api.popen.pid, "declare-api", seconds=10)
        api = s.api.popen.pid
        shares = CpuShares(api=lambda: process_group(api), postgres=lambda: named("postgres"))
        times = []
        for n in range(DECLARATIONS):
            started = time.perf_counter()
            incident, _ = s.declare(f"Declaration {n}", ["email", "sms"])
            times.append((time.perf_counter() - started) * 1000)
            assert incident["recipients"] == FANOUT, incident["recipients"]
        cpu = shares.stop()
        profiler.wait()
    times.sort()
    return {
        "declare_cpu": cpu,
        "declare_p99_ms": round(times[max(0, int(len(times) * 0.99) - 1)], 1),
        "declare_p50_ms": round(statistics.median(times), 1),
        "declare_runs": DECLARATIONS,
        "declare_recipients": FANOUT,
    }


def _fanout_and_acks(
    pg_url: str, twilio: FakeTwilio, sink: SmtpSink, logs: Path, profiler: Profiler
) -> dict[str, Any]:
    """10,000 recipients × e-mail and SMS, then the acknowledgement benchmark on the same API."""
    results: dict[str, Any] = {}
    rows = many_rows(FANOUT)
    with stack(pg_url, twilio, sink, logs, sms_rate_per_second="100000") as s:
        # A warm-up fan-out to the first WARM_UP people: the worker processes import, connect
        # and fill their caches. The rest of the directory comes after it.
        s.import_rows(rows[:WARM_UP])
        s.start_worker()
        arrived = _sms_after(twilio, len(twilio.messages))
        mail_arrived = sink.count
        s.declare("Warm-up", ["email", "sms"])
        wait_until(
            lambda: arrived(WARM_UP) and sink.count - mail_arrived >= WARM_UP,
            timeout=600,
            what="the warm-up fan-out",
            interval=0.1,
        )
        s.import_rows(rows[WARM_UP:])
        sms_before, mail_before = len(twilio.messages), sink.count
        arrived = _sms_after(twilio, sms_before)
        assert s.worker is not None
        profiler.attach(s.worker.popen.pid, "fanout-worker", seconds=15)
        profiler.attach(s.api.popen.pid, "fanout-api", seconds=5)
        worker, api = s.worker.popen.pid, s.api.popen.pid
        shares = CpuShares(
            worker=lambda: process_group(worker),
            api=lambda: process_group(api),
            postgres=lambda: named("postgres"),
            redis=lambda: named("redis-server"),
            fakes=lambda: [os.getpid()],
        )
        started = time.perf_counter()
        _, sent = s.declare("Fan-out", ["email", "sms"])
        results["fanout_declare_ms"] = round((time.perf_counter() - started) * 1000, 1)

        def done() -> bool:
            return arrived(FANOUT) and sink.count - mail_before >= FANOUT

        wait_until(done, timeout=900, what=f"{FANOUT} SMS and e-mails", interval=0.02)
        elapsed = time.perf_counter() - started
        results["fanout_cpu"] = shares.stop()
        first = twilio.messages[sms_before].received_at.timestamp()
        results.update(
            fanout_recipients=FANOUT,
            fanout_wall_s=round(elapsed, 2),
            fanout_deliveries_per_s=round(2 * FANOUT / elapsed, 1),
            fanout_first_handover_ms=round((first - sent) * 1000, 1),
            fanout_api_processes=API_PROCESSES,
            fanout_worker_processes=WORKER_PROCESSES,
            fanout_worker_threads=WORKER_THREADS,
        )
        profiler.wait()
        print("acknowledgements: links and SMS replies …", file=sys.stderr)
        # "While nothing else runs": the alerts acknowledged are declared with no worker, so
        # their deliveries wait in the queue (an acknowledgement reads the row, not its state).
        s.worker.stop()
        s.worker = None
        results.update(
            bench_acks.run_acks(
                s.base,
                s.headers,
                secret="test-stack-secret-of-at-least-32-bytes",
                auth_token=twilio.auth_token,
                api_pid=s.api.popen.pid,
                profiler=profiler,
            )
        )
    return results


def _main_contacts(pg_url: str, sink: SmtpSink, logs: Path) -> dict[str, Any]:
    """450 organisations, the fake Twilio accepting 10 SMS a second: how long until every
    organisation's main contact has been handed its SMS."""
    rows = many_rows(
        MAIN_CONTACT_ORGANISATIONS * MAIN_CONTACT_MEMBERS, per_organisation=MAIN_CONTACT_MEMBERS
    )
    main_phones = {r["phone"] for r in rows if r["main_contact"] == "yes"}
    assert len(main_phones) == MAIN_CONTACT_ORGANISATIONS
    twilio = FakeTwilio(send_callbacks=False)
    twilio.rate_limit_per_second = THROTTLED_SMS_PER_S
    twilio.start()
    try:
        with stack(pg_url, twilio, sink, logs, sms_rate_per_second=str(THROTTLED_SMS_PER_S)) as s:
            s.import_rows(rows)
            s.start_worker()
            _, sent = s.declare("Main contacts", ["email", "sms"])

            def reached() -> bool:
                return main_phones <= {m.to for m in twilio.messages}

            # Bounded: a run that misses the target says by how much, and still finishes.
            try:
                wait_until(reached, timeout=MAIN_CONTACTS_WAIT_S, what="every main contact's SMS")
                last = max(
                    m.received_at.timestamp() for m in twilio.messages if m.to in main_phones
                )
            except AssertionError:
                last = time.time()
            got = len(main_phones & {m.to for m in twilio.messages})
            others = sum(1 for m in twilio.messages if m.to not in main_phones)
            refused = len(twilio.rejections)
    finally:
        twilio.stop()
    return {
        # Past the wait, the figure is the wait itself and _reached says how many had their SMS.
        "main_contacts_reached_s": round(last - sent, 1),
        "main_contacts_reached": got,
        "main_contacts_organisations": MAIN_CONTACT_ORGANISATIONS,
        "main_contacts_recipients": len(rows),
        "main_contacts_throttle_per_s": THROTTLED_SMS_PER_S,
        "main_contacts_floor_s": MAIN_CONTACT_ORGANISATIONS / THROTTLED_SMS_PER_S,
        "main_contacts_other_sms_before": others,
        "main_contacts_refused_by_twilio": refused,
    }


def _big_fanout(pg_url: str, twilio: FakeTwilio, sink: SmtpSink, logs: Path) -> dict[str, Any]:
    """A national alert: 100,000 recipients by e-mail and SMS with this machine's process
    counts (``API_PROCESSES``, ``WORKER_PROCESSES`` × ``WORKER_THREADS``): how long to everyone,
    and the peak memory of the API and worker processes."""
    memory = PeakMemory()
    with stack(pg_url, twilio, sink, logs, sms_rate_per_second="100000") as s:
        s.import_rows(many_rows(BIG))
        s.start_worker()
        assert s.worker is not None
        groups = {"api": s.api.popen.pid, "worker": s.worker.popen.pid}
        memory.sample(**groups)
        # The import's own peak (25,000 CSV rows a request) is kept apart: the figure is the
        # fan-out's, from the declaration on.
        before = dict(memory.peaks)
        memory.reset(**groups)
        arrived = _sms_after(twilio, len(twilio.messages))
        mail_before = sink.count
        started = time.perf_counter()
        s.declare("National alert", ["email", "sms"])
        declared = time.perf_counter() - started

        def done() -> bool:
            memory.sample(**groups)
            return arrived(BIG) and sink.count - mail_before >= BIG

        wait_until(done, timeout=1200, what=f"{BIG} SMS and e-mails", interval=0.5)
        elapsed = time.perf_counter() - started
        memory.sample(**groups)
    return {
        "fanout_100k_peak_mb": memory.largest,
        "fanout_100k_processes_mb": memory.peaks,
        "fanout_100k_before_mb": before,
        "fanout_100k_declare_ms": round(declared * 1000, 1),
        "fanout_100k_wall_s": round(elapsed, 1),
        "fanout_100k_deliveries_per_s": round(2 * BIG / elapsed, 1),
        "fanout_100k_processes": {
            "api": API_PROCESSES,
            "worker": WORKER_PROCESSES,
            "threads_per_worker": WORKER_THREADS,
        },
    }


def run_fanout(profiler: Profiler) -> dict[str, Any]:
    logs = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    results: dict[str, Any] = {}
    twilio = FakeTwilio(send_callbacks=False).start()
    teams = TeamsReceiver().start()
    sink = SmtpSink().start()
    try:
        print("raw hand-over baseline …", file=sys.stderr)
        results.update(_raw_baseline(twilio, teams, sink))
        print(f"declarations: {DECLARATIONS} × {FANOUT:,} recipients …", file=sys.stderr)
        with scratch_database() as pg_url:
            results.update(_declarations(pg_url, twilio, sink, logs / "declare", profiler))
        print(f"fan-out: {FANOUT:,} recipients × e-mail and SMS …", file=sys.stderr)
        with scratch_database() as pg_url:
            results.update(_fanout_and_acks(pg_url, twilio, sink, logs / "fanout", profiler))
        print(
            f"main contacts: {MAIN_CONTACT_ORGANISATIONS} organisations at "
            f"{THROTTLED_SMS_PER_S} SMS/s …",
            file=sys.stderr,
        )
        with scratch_database() as pg_url:
            results.update(_main_contacts(pg_url, sink, logs / "main"))
        print(f"national alert: {BIG:,} recipients × e-mail and SMS …", file=sys.stderr)
        with scratch_database() as pg_url:
            results.update(_big_fanout(pg_url, twilio, sink, logs / "big"))
    finally:
        twilio.stop()
        teams.stop()
        sink.stop()
    results["fanout_logs"] = str(logs)
    return results
