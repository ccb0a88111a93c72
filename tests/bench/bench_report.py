"""The post-incident report for 100,000 deliveries on PostgreSQL, through ``dispatch serve``,
beside a raw read of the same rows.

``report_100k_s``: the slower of the JSON and the HTML report (median of 3 requests each) for
100,000 deliveries, as a coordinator downloads it. ``report_100k_peak_mb``: the API process's
peak resident memory while it builds them (VmHWM, reset before each format). CSV and XLSX are
timed too. ``raw_read_100k_s``: asyncpg reading the same deliveries through a server-side
cursor, with no work per row: the floor.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from dispatch.db.migrate import upgrade_async
from tests.bench.common import (
    DISPATCH,
    REDIS_URL,
    Profiler,
    dsn,
    peak_rss_mb,
    reset_peak_rss,
    scratch_database,
)
from tests.processes import clean_env, create_token, free_port, start_api

RECIPIENTS = 50_000
DELIVERIES = 2 * RECIPIENTS
RUNS = 3
FORMATS = ("json", "html", "csv", "xlsx")

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
  SELECT 1, 'p' || g, '{}', ARRAY[1 + g % 500],
    ARRAY[(ARRAY['NIK','NONEMI','NIFS'])[1 + g % 3]],
    'person' || g || '@example.org', '+479' || lpad(g::text, 7, '0'),
    (ARRAY['nb','en','ar','so','pl'])[1 + g % 5], ARRAY['email','sms'], g % 50 = 0
  FROM generate_series(1, {recipients}) g;
INSERT INTO deliveries (incident_id, source_kind, source_id, recipient_id, channel, target, address,
    language, fallback, priority, state, attempts, lookups, possible_duplicate, last_error,
    created_at, sent_at, delivered_at, failed_at)
  SELECT 1, 'incident', 1, r.id, c.channel, 'recipient:' || r.id, r.email, 'nb',
    r.language <> 'nb', 1,
    CASE WHEN r.id % 97 = 0 THEN 'failed' WHEN r.id % 31 = 0 THEN 'undeliverable'
         ELSE 'delivered' END,
    1, 0, false, CASE WHEN r.id % 97 = 0 THEN 'the number does not exist' END,
    now() - interval '1 hour', now() - interval '59 minutes', now() - interval '58 minutes',
    CASE WHEN r.id % 97 = 0 THEN now() - interval '58 minutes' END
  FROM recipients r CROSS JOIN (VALUES ('email'), ('sms')) c(channel);
INSERT INTO acknowledgements (incident_id, recipient_id, via, at)
  SELECT 1, r.id, CASE WHEN r.id % 2 = 0 THEN 'sms' ELSE 'link' END,
    now() - interval '1 hour' + (r.id % 1800) * interval '1 second'
  FROM recipients r WHERE r.id % 5 <> 0;
ANALYZE;
"""


async def _seed(url: str) -> None:
    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.execute(SEED.replace("{recipients}", str(RECIPIENTS)))
        count = await conn.fetchval("SELECT count(*) FROM deliveries")
        assert count == DELIVERIES, count
    finally:
        await conn.close()


async def _raw_read(url: str) -> float:
    conn = await asyncpg.connect(dsn(url))
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


def _get(base: str, headers: dict[str, str], format: str) -> tuple[float, int]:
    started = time.perf_counter()
    size = 0
    with httpx.stream(
        "GET",
        f"{base}/api/v1/incidents/1/report",
        params={"format": format},
        headers=headers,
        timeout=600,
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
    return time.perf_counter() - started, size


def run(profiler: Profiler) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with scratch_database() as url:
        asyncio.run(upgrade_async(url))
        asyncio.run(_seed(url))
        raw = [asyncio.run(_raw_read(url)) for _ in range(RUNS)]
        port = free_port()
        env = clean_env(
            database_url=url,
            broker_url=REDIS_URL,
            base_url=f"http://127.0.0.1:{port}",
            secret_key="bench-secret-key-of-at-least-32-bytes",
            log_level="WARNING",
        )
        headers = {"Authorization": f"Bearer {create_token(DISPATCH, env)}"}
        logs = Path(tempfile.mkdtemp(prefix="bench-report-"))
        api = start_api(DISPATCH, env, port, logs / "api.log")
        base = f"http://127.0.0.1:{port}"
        try:
            idle = peak_rss_mb(api.popen.pid)
            for format in FORMATS:
                reset_peak_rss(api.popen.pid)
                if format == "json":
                    profiler.attach(api.popen.pid, "report-json-api", seconds=5)
                runs = [_get(base, headers, format) for _ in range(1 if format == "xlsx" else RUNS)]
                assert all(size > 10_000 for _, size in runs), (format, runs)
                results[f"report_{format}_100k_s"] = round(statistics.median(t for t, _ in runs), 2)
                results[f"report_{format}_100k_peak_mb"] = round(peak_rss_mb(api.popen.pid), 1)
                results[f"report_{format}_bytes"] = runs[0][1]
        finally:
            profiler.wait()
            api.stop()
    results.update(
        report_100k_s=max(results["report_json_100k_s"], results["report_html_100k_s"]),
        report_100k_peak_mb=max(
            results["report_json_100k_peak_mb"], results["report_html_100k_peak_mb"]
        ),
        report_api_idle_mb=round(idle, 1),
        raw_read_100k_s=round(statistics.median(raw), 3),
    )
    return results
