"""A stack of its own for each fault test: a private PostgreSQL and a private Redis (so they can
be stopped, killed and restarted without touching the shared servers), ``dispatch serve`` and a
``dispatch worker`` process, the real SMTP server, the fake Twilio and the Teams receiver, and a
directory of 2,000 members."""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from dispatch.db.engine import create_engine
from dispatch.incidents.models import Recipient
from tests.factories import directory_csv, many_rows
from tests.fakes.smtp import SmtpSink
from tests.fakes.teams import TeamsReceiver
from tests.fakes.twilio import FakeTwilio
from tests.integration.test_fanout import Cluster, connect_teams
from tests.processes import (
    Process,
    create_token,
    free_port,
    run,
    stack_env,
    start_api,
    start_worker,
    wait_until,
)

MEMBERS = 2_000
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "faults"


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL's server binaries (initdb) are not installed")
        pytest.skip("PostgreSQL's server binaries (initdb) are not installed")
    return found[-1].parent


class PrivatePostgres:
    """A PostgreSQL server in a temporary directory on a free port, started and stopped at will.
    As root it runs as the ``postgres`` user, since PostgreSQL refuses to run as root."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="bv-faults-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres")
        self.root.chmod(0o755)
        subprocess.run(
            [
                *self.as_user,
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        log = (self.root / "postgres.log").open("ab")
        self.process = subprocess.Popen(
            [
                *self.as_user,
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.root),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        ready = [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)]
        wait_until(
            lambda: subprocess.run(ready, capture_output=True).returncode == 0,
            timeout=30,
            what="the private PostgreSQL to accept connections",
        )

    def stop(self) -> None:
        """A fast shutdown (SIGINT): open connections are cut, as in a restart by an operator."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(timeout=30)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A Redis server on a free port, without persistence: a restart loses every queued
    message, as a crash of a cache node would."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_until(self._answers, timeout=15, what="the private Redis to answer")

    def _answers(self) -> bool:
        ping = ["redis-cli", "-p", str(self.port), "ping"]
        return subprocess.run(ping, capture_output=True, text=True).stdout.strip() == "PONG"

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None


@dataclass
class FaultStack:
    cluster: Cluster
    postgres: PrivatePostgres
    redis: PrivateRedis
    twilio: FakeTwilio
    smtp: SmtpSink
    teams: TeamsReceiver
    figures: dict[str, Any] = field(default_factory=dict)

    def declare(self, title: str) -> dict[str, Any]:
        response = self.cluster.post(
            "/api/v1/incidents",
            {
                "title": title,
                "networks": ["NIK", "NONEMI", "NIFS"],
                "status": "exercise",
                "channels": ["email", "sms", "teams"],
                "message": {
                    "nb": {"subject": title, "sms": f"{title}.", "body": f"{title}."},
                    "en": {"subject": title, "sms": f"{title}.", "body": f"{title}."},
                },
            },
        )
        assert response.status_code == 201, response.text
        incident: dict[str, Any] = response.json()
        return incident

    def stats(self, incident_id: int) -> dict[str, int]:
        deliveries: dict[str, int] = self.cluster.get(f"/api/v1/incidents/{incident_id}")["stats"][
            "deliveries"
        ]
        return deliveries

    def wait_final(self, incident_id: int, *, timeout: float) -> None:
        """Every delivery handed over or finally failed: nothing queued or sending."""

        def done() -> bool:
            counts = self.stats(incident_id)
            return counts["queued"] + counts["sending"] == 0

        try:
            wait_until(done, timeout=timeout, what="every delivery handed over or failed")
        except AssertionError:
            raise AssertionError(f"not final: {self.stats(incident_id)}") from None

    def audit(self, incident_id: int, name: str) -> dict[str, Any]:
        """Exactly one message per recipient and channel, or a recorded final failure with its
        reason; duplicates counted (not asserted here: each test bounds them)."""
        deliveries = self.cluster.all_deliveries(incident_id)
        by_state = collections.Counter((d["channel"], d["state"]) for d in deliveries)
        failed = [d for d in deliveries if d["state"] in ("failed", "undeliverable")]
        assert all(d["last_error"] for d in failed), "a failure without its reason"
        handed = collections.Counter(
            d["channel"] for d in deliveries if d["state"] in ("sent", "delivered")
        )
        sms = collections.Counter(m.to for m in self.twilio.messages)
        mail = collections.Counter(r for m in self.smtp.messages for r in m.rcpt_tos)
        teams = collections.Counter(r.path for r in self.teams.accepted())
        # Each delivery handed over is at the provider; nothing is there that we did not send.
        assert len(sms) == handed["sms"], (len(sms), handed)
        assert len(mail) == handed["email"], (len(mail), handed)
        assert len(teams) == handed["teams"], (len(teams), handed)
        duplicates = {
            "sms": sum(n - 1 for n in sms.values()),
            "email": sum(n - 1 for n in mail.values()),
            "teams": sum(n - 1 for n in teams.values()),
        }
        self.check_logs()
        figures = {
            "deliveries": len(deliveries),
            "by_state": {f"{c}:{s}": n for (c, s), n in sorted(by_state.items())},
            "failed_with_reason": len(failed),
            "duplicates": duplicates,
            **self.figures,
        }
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{name}.json").write_text(json.dumps(figures, indent=2))
        print(f"\n{name}: {json.dumps(figures)}")
        return figures

    def check_logs(self) -> None:
        """The processes' own logs, through every fault: no member's address or number, no
        secret, no token."""
        logs = "\n".join(
            path.read_text(errors="replace") for path in self.cluster.tmp.glob("*.log")
        )
        assert logs, "no logs were written"
        # The start-up banner names the database as a URL, its password hidden: not an address.
        without_urls = re.sub(r"\b[a-z+]+://\S+", "", logs)
        members = re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", without_urls)
        assert [m for m in members if m != "beredskap@helsedir.example"] == []
        assert re.findall(r"\+47\d{8}", logs) == []
        token = self.cluster.headers["Authorization"].removeprefix("Bearer ")
        for secret in (self.twilio.auth_token, "test-stack-secret-of-at-least-32-bytes", token):
            assert secret not in logs


@pytest.fixture
def fault_stack(
    dispatch_bin: str,
    fake_twilio: FakeTwilio,
    smtp_sink: SmtpSink,
    teams_receiver: TeamsReceiver,
    tmp_path: Path,
) -> Iterator[FaultStack]:
    postgres = PrivatePostgres()
    redis = PrivateRedis(tmp_path / "redis.log")
    cluster: Cluster | None = None
    started: list[Process] = []
    try:
        postgres.start()
        redis.start()
        port = free_port()
        env = stack_env(
            database_url=postgres.url,
            redis_url=redis.url,
            port=port,
            smtp_port=smtp_sink.port,
            twilio=fake_twilio,
            sweep_interval_seconds="1",
            requeue_after_seconds="5",
            sending_timeout_seconds="15",
            sms_rate_per_second="2000",
            worker_metrics_port=str(free_port()),
        )
        run(dispatch_bin, env, "db", "upgrade")
        run(dispatch_bin, env, "demo")
        headers = {"Authorization": f"Bearer {create_token(dispatch_bin, env)}"}
        started.append(api := start_api(dispatch_bin, env, port, tmp_path / "api.log"))
        started.append(worker := start_worker(dispatch_bin, env, tmp_path / "worker.log"))
        base = f"http://127.0.0.1:{port}"
        cluster = Cluster(base, env, headers, api, worker, dispatch_bin, tmp_path)
        imported = httpx.post(
            f"{base}/api/v1/directory/import",
            content=directory_csv(many_rows(MEMBERS)),
            headers={**headers, "Content-Type": "text/csv"},
            timeout=120,
        )
        assert imported.status_code == 200, imported.text
        connect_teams(cluster, teams_receiver)
        yield FaultStack(cluster, postgres, redis, fake_twilio, smtp_sink, teams_receiver)
    finally:
        # A test may have replaced the worker; stopping a stopped process does nothing.
        for process in [*started, *([cluster.worker] if cluster else [])]:
            process.stop()
        redis.kill()
        postgres.close()


def wait_handed_over(stack: FaultStack, share: float, planned: int) -> None:
    """Until ``share`` of the planned messages are at the providers: the fault lands mid-run."""
    target = int(planned * share)
    wait_until(
        lambda: len(stack.twilio.messages) + len(stack.smtp.messages) >= target,
        timeout=120,
        what=f"{target} messages handed over",
        interval=0.05,
    )


async def recipients_by_phone(url: str, incident_id: int) -> dict[str, int]:
    """Each phone number's recipient id in an incident, for signed SMS replies."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Recipient.phone, Recipient.id).where(Recipient.incident_id == incident_id)
            )
            return {str(phone): int(rid) for phone, rid in rows.all() if phone}
    finally:
        await engine.dispose()
