"""The post-incident report for 100,000 deliveries on PostgreSQL, beside a raw read of the rows.

``report_json_100k_s``: ``reports.service.build`` (one streamed pass, every aggregate) plus JSON
encoding. ``report_csv_100k_s``: the whole CSV, streamed to nowhere. ``report_xlsx_100k_s``:
the workbook written to a temporary file. ``raw_read_100k_s``: asyncpg reading the same
deliveries through a server-side cursor, with no work per row: the floor.
``report_peak_python_mb``: tracemalloc's peak while building the JSON report (a separate run,
as tracing slows it down); it stays far below what 100,000 rows held at once would take.
"""

from __future__ import annotations

import os
import statistics
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from sqlalchemy.engine import make_url

from dispatch.db.engine import create_engine, create_sessionmaker
from dispatch.db.migrate import upgrade_async
from dispatch.reports import formats
from dispatch.reports.service import build

RECIPIENTS = 50_000
DELIVERIES = 2 * RECIPIENTS
RUNS = 3
ADMIN_URL = os.environ.get(
    "DISPATCH_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)

SEED = """
INSERT INTO organisations (name, kind, created_at, updated_at)
  SELECT 'Organisasjon ' || g, 'municipality', now(), now() FROM generate_series(1, 500) g;
INSERT INTO incidents (code, title, status, severity, urgency, certainty, category, networks,
    channels, ack_required, ack_deadline_minutes, ack_deadline_seconds, state, declared_by,
    declared_at, created_at, updated_at)
  VALUES ('1234', 'Benchmark', 'exercise', 'severe', 'immediate', 'likely', 'Health',
    '["NIK","NONEMI","NIFS"]', '["email","sms"]', true, 30, 1800, 'active', 'bench',
    now() - interval '1 hour', now(), now());
INSERT INTO message_versions (incident_id, sequence, kind, content, created_by, created_at)
  VALUES (1, 1, 'alert', '{"nb": {"subject": "s", "sms": "t", "body": "b"}}', 'bench',
    now() - interval '1 hour');
INSERT INTO recipients (incident_id, person_key, contact_ids, organisation_ids, network_codes,
    email, phone, language, channels, main_contact)
  SELECT 1, 'p' || g, '[]', json_build_array(1 + g % 500),
    json_build_array((ARRAY['NIK','NONEMI','NIFS'])[1 + g % 3]),
    'person' || g || '@example.org', '+479' || lpad(g::text, 7, '0'),
    (ARRAY['nb','en','ar','so','pl'])[1 + g % 5], '["email","sms"]', g % 50 = 0
  FROM generate_series(1, {recipients}) g;
INSERT INTO deliveries (incident_id, message_version_id, recipient_id, channel, target, address,
    language, fallback, priority, state, attempts, last_error, created_at, sent_at,
    delivered_at, failed_at)
  SELECT 1, 1, r.id, c.channel, 'recipient:' || r.id, r.email, 'nb', r.language <> 'nb', 1,
    CASE WHEN r.id % 97 = 0 THEN 'failed' WHEN r.id % 31 = 0 THEN 'undeliverable'
         ELSE 'delivered' END,
    1, CASE WHEN r.id % 97 = 0 THEN 'the number does not exist' END,
    now() - interval '1 hour', now() - interval '59 minutes', now() - interval '58 minutes',
    CASE WHEN r.id % 97 = 0 THEN now() - interval '58 minutes' END
  FROM recipients r CROSS JOIN (VALUES ('email'), ('sms')) c(channel);
INSERT INTO acknowledgements (incident_id, recipient_id, via, at)
  SELECT 1, r.id, CASE WHEN r.id % 2 = 0 THEN 'sms' ELSE 'link' END,
    now() - interval '1 hour' + (r.id % 1800) * interval '1 second'
  FROM recipients r WHERE r.id % 5 <> 0;
ANALYZE;
"""


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _seed(url: str) -> None:
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(SEED.replace("{recipients}", str(RECIPIENTS)))
        count = await conn.fetchval("SELECT count(*) FROM deliveries")
        assert count == DELIVERIES, count
    finally:
        await conn.close()


async def _raw_read(url: str) -> float:
    conn = await asyncpg.connect(_dsn(url))
    try:
        started = time.perf_counter()
        rows = 0
        async with conn.transaction():
            async for _ in conn.cursor(
                "SELECT * FROM deliveries WHERE incident_id = 1 ORDER BY id", prefetch=2000
            ):
                rows += 1
        assert rows == DELIVERIES
        return time.perf_counter() - started
    finally:
        await conn.close()


async def run() -> dict[str, Any]:
    name = f"dispatch_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_dsn(ADMIN_URL))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    maker = create_sessionmaker(engine)
    try:
        await upgrade_async(url)
        await _seed(url)

        async def json_once() -> float:
            started = time.perf_counter()
            async with maker() as session:
                report = await build(session, 1, personal=True)
            msgspec.json.encode(report)
            assert report.totals.deliveries == DELIVERIES
            return time.perf_counter() - started

        async def csv_once() -> float:
            started = time.perf_counter()
            size = 0
            async for chunk in formats.csv_chunks(maker, 1, personal=True):
                size += len(chunk)
            assert size > DELIVERIES * 50
            return time.perf_counter() - started

        async def xlsx_once() -> float:
            started = time.perf_counter()
            async with maker() as session:
                path = await formats.xlsx_file(session, 1, personal=True, lang="nb")
            elapsed = time.perf_counter() - started
            Path(path).unlink()  # noqa: ASYNC240 - clean-up
            return elapsed

        raw = [await _raw_read(url) for _ in range(RUNS)]
        as_json = [await json_once() for _ in range(RUNS)]
        as_csv = [await csv_once() for _ in range(RUNS)]
        as_xlsx = [await xlsx_once()]
        tracemalloc.start()
        await json_once()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return {
        "report_json_100k_s": round(statistics.median(as_json), 2),
        "report_csv_100k_s": round(statistics.median(as_csv), 2),
        "report_xlsx_100k_s": round(as_xlsx[0], 2),
        "raw_read_100k_s": round(statistics.median(raw), 3),
        "report_peak_python_mb": round(peak / 1e6, 1),
        "report_runs": {"json": as_json, "csv": as_csv, "xlsx": as_xlsx, "raw": raw},
    }
