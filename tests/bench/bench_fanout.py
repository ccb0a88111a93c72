"""Fan-out wall time: declaration to the last hand-over, for 1,000 and 10,000 recipients with
e-mail and SMS, through ``dispatch serve`` and ``dispatch worker`` on PostgreSQL and Redis.

The raw baseline, measured in the same run, is a plain async loop posting to the same fake
Twilio and handing mail to the same SMTP server: the ceiling for hand-over on this machine.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import asyncpg
import httpx
import redis
from sqlalchemy.engine import make_url

from dispatch.db.migrate import upgrade
from tests.bench.bench_acks import run_acks
from tests.factories import directory_csv, many_rows
from tests.fakes.smtp import SmtpSink
from tests.fakes.twilio import FakeTwilio
from tests.processes import Process, create_token, free_port, stack_env, start_api, wait_until

ADMIN_URL = os.environ.get(
    "DISPATCH_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKER_PROCESSES = 2
SIZES = (1_000, 10_000)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _raw_baseline(twilio: FakeTwilio, sink: SmtpSink, count: int = 2_000) -> dict[str, float]:
    """Posts per second a bare async client gets from the fakes (64 in flight)."""
    url = f"{twilio.base_url}/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    gate = asyncio.Semaphore(64)
    async with httpx.AsyncClient(auth=(twilio.account_sid, twilio.auth_token)) as client:

        async def post(i: int) -> None:
            async with gate:
                response = await client.post(
                    url, data={"To": f"+4790{i:06d}", "From": "+4759440000", "Body": "raw"}
                )
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(post(i) for i in range(count)))
        sms_rate = count / (time.perf_counter() - started)

    async def mail(i: int) -> None:
        async with gate:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = (
                "a@x.example",
                f"r{i}@x.example",
                "raw",
            )
            message.set_content("raw")
            await aiosmtplib.send(message, hostname="127.0.0.1", port=sink.port, start_tls=False)

    started = time.perf_counter()
    await asyncio.gather(*(mail(i) for i in range(count // 4)))
    mail_rate = (count // 4) / (time.perf_counter() - started)
    return {"raw_sms_posts_per_s": round(sms_rate, 1), "raw_smtp_sends_per_s": round(mail_rate, 1)}


def run_fanout() -> dict[str, Any]:
    name = f"dispatch_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    pg_url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    tmp = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    results: dict[str, Any] = {}
    twilio = FakeTwilio(send_callbacks=False).start()
    sink = SmtpSink().start()
    processes: list[Process] = []
    try:
        upgrade(pg_url)
        results.update(asyncio.run(_raw_baseline(twilio, sink)))
        redis.Redis.from_url(REDIS_URL).flushdb()
        port = free_port()
        env = stack_env(
            database_url=pg_url,
            redis_url=REDIS_URL,
            port=port,
            smtp_port=sink.port,
            twilio=twilio,
            sms_rate_per_second="100000",
            log_level="WARNING",
        )
        dispatch_bin = str(Path(".venv/bin/dispatch").resolve())
        headers = {"Authorization": f"Bearer {create_token(dispatch_bin, env)}"}
        processes.append(start_api(dispatch_bin, env, port, tmp / "api.log"))
        worker = Process(
            [dispatch_bin, "worker", "--processes", str(WORKER_PROCESSES), "--threads", "8"],
            env,
            tmp / "worker.log",
        )
        processes.append(worker)
        base = f"http://127.0.0.1:{port}"
        imported = 0
        for size in SIZES:
            rows = many_rows(size)
            response = httpx.post(
                f"{base}/api/v1/directory/import",
                content=directory_csv(rows[imported:]),
                headers={**headers, "Content-Type": "text/csv"},
                timeout=300,
            )
            response.raise_for_status()
            imported = size
            sms_before, mail_before = len(twilio.messages), len(sink.messages)
            started = time.perf_counter()
            declared = httpx.post(
                f"{base}/api/v1/incidents",
                headers=headers,
                timeout=120,
                json={
                    "title": f"Benchmark {size}",
                    "networks": ["NIK", "NONEMI", "NIFS"],
                    "status": "test",
                    "channels": ["email", "sms"],
                    "message": {"nb": {"subject": "Test", "sms": "Test.", "body": "Test."}},
                },
            )
            declared.raise_for_status()
            declare_ms = (time.perf_counter() - started) * 1000

            def done(
                sms_before: int = sms_before, mail_before: int = mail_before, n: int = size
            ) -> bool:
                return (
                    len(twilio.messages) - sms_before >= n and len(sink.messages) - mail_before >= n
                )

            wait_until(done, timeout=900, what=f"{size} SMS and e-mails", interval=0.05)
            elapsed = time.perf_counter() - started
            results[f"fanout_{size}_wall_s"] = round(elapsed, 2)
            results[f"fanout_{size}_deliveries_per_s"] = round(2 * size / elapsed, 1)
            results[f"declare_{size}_ms"] = round(declare_ms, 1)
        results["fanout_worker_processes"] = WORKER_PROCESSES
        print("acknowledgements: links and SMS replies …", file=sys.stderr)
        results.update(
            run_acks(base, headers, secret="test-stack-secret", auth_token=twilio.auth_token)
        )
    finally:
        for process in reversed(processes):
            process.stop()
        twilio.stop()
        sink.stop()
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return results


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(_dsn(ADMIN_URL))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()
