"""Run every benchmark and write ``bench-results.json`` in the checkout; its path is printed last.

Each figure stands beside a raw baseline measured in the same run on the same machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.bench import bench_fanout, bench_import, bench_report

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench-results.json"
VERSIONS = (
    "litestar",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "alembic",
    "dramatiq",
    "twilio",
    "openpyxl",
)


def main() -> None:
    results: dict[str, Any] = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "versions": {name: metadata.version(name) for name in VERSIONS},
    }
    print("import: 5,000 directory rows on PostgreSQL and SQLite …", file=sys.stderr)
    results.update(asyncio.run(bench_import.run()))
    print("report: 100,000 deliveries as JSON, CSV and XLSX …", file=sys.stderr)
    results.update(asyncio.run(bench_report.run()))
    print("fan-out: 1,000 and 10,000 recipients × e-mail and SMS …", file=sys.stderr)
    results.update(bench_fanout.run_fanout())
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    for key, value in results.items():
        if not isinstance(value, dict):
            print(f"  {key}: {value}", file=sys.stderr)
    print(RESULTS)


if __name__ == "__main__":
    main()
