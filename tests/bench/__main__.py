"""Run every benchmark and write ``bench-results.json`` in the checkout; its path is printed last.

Each figure stands beside a raw baseline measured in the same run on the same machine, and
beside its target (``targets``: the figure, the bound, and whether this run met it). With
``BENCH_PROFILE=1``, py-spy flame graphs of the API and workers go to test-artifacts/profiles/.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.bench import bench_fanout, bench_import, bench_report, bench_sms
from tests.bench.common import ROOT, Profiler

RESULTS = ROOT / "bench-results.json"
VERSIONS = (
    "litestar",
    "uvicorn",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "alembic",
    "dramatiq",
    "redis",
    "twilio",
    "httpx",
    "aiosmtplib",
)
# (figure, "min" or "max", bound); a bound that is a string names the figure it scales.
TARGETS: dict[str, tuple[str, float | tuple[float, str]]] = {
    "fanout_deliveries_per_s": ("min", (0.5, "raw_client_posts_per_s")),
    "fanout_first_handover_ms": ("max", 1_000),
    "main_contacts_reached_s": ("max", 60),
    "declare_p99_ms": ("max", 250),
    "ack_per_s": ("min", 1_500),
    "ack_p99_ms": ("max", 50),
    "sms_webhook_per_s": ("min", 1_000),
    "report_100k_s": ("max", 2),
    "report_json_100k_s": ("max", 1),
    "report_html_100k_s": ("max", 1.5),
    "report_xlsx_100k_s": ("max", 8),
    "report_100k_peak_mb": ("max", 300),
    "fanout_100k_peak_mb": ("max", 500),
    "failover_handover_s": ("max", (1.2, "failover_floor_s")),
    "main_contacts_2seg_s": ("max", (1.2, "main_contacts_2seg_floor_s")),
}


def targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target's figure, bound and whether this run met it."""
    out = {}
    for name, (kind, bound) in TARGETS.items():
        if isinstance(bound, tuple):
            factor, of = bound
            limit = round(factor * results[of], 1)
        else:
            limit = bound
        value = results[name]
        out[name] = {
            "value": value,
            kind: limit,
            "met": value >= limit if kind == "min" else value <= limit,
        }
    return out


def _versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "postgresql": _postgres_version(),
        **{name: metadata.version(name) for name in VERSIONS},
    }


def _postgres_version() -> str:
    import asyncpg

    from tests.bench.common import ADMIN_URL, dsn

    async def ask() -> str:
        conn = await asyncpg.connect(dsn(ADMIN_URL))
        try:
            version: str = await conn.fetchval("SHOW server_version")
            return version
        finally:
            await conn.close()

    return asyncio.run(ask())


def main() -> None:
    started = time.perf_counter()
    profiler = Profiler()
    results: dict[str, Any] = {
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "machine": {"platform": platform.platform(), "cores": os.cpu_count()},
        "versions": _versions(),
    }
    print("import: 5,000 directory rows on PostgreSQL and SQLite …", file=sys.stderr)
    results.update(bench_import.run())
    print("report: 100,000 deliveries as JSON, HTML, CSV and XLSX …", file=sys.stderr)
    results.update(bench_report.run(profiler))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")  # what is done so far
    results.update(bench_fanout.run_fanout(profiler))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    results.update(bench_sms.run_sms(Path(tempfile.mkdtemp(prefix="bench-sms-"))))
    results["targets"] = targets(results)
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    for name, target in results["targets"].items():
        bound = f"≥ {target['min']}" if "min" in target else f"≤ {target['max']}"
        verdict = "met" if target["met"] else "MISSED"
        print(f"  {name}: {target['value']} (target {bound}) {verdict}", file=sys.stderr)
    print(f"  the whole run took {results['bench_seconds']} s", file=sys.stderr)
    print(RESULTS)


if __name__ == "__main__":
    main()
