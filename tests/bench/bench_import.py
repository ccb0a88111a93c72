"""The directory import of 5,000 rows, against a raw bulk insert of the same rows.

``import_5000_rows_s`` is the whole import (parse, validate every field, match against the
directory, bulk write, audit) in one transaction; ``raw_insert_5000_rows_s`` is asyncpg's
``copy_records_to_table`` of the same 5,000 contacts into a bare table: the floor.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import text

from dispatch.audit.service import Actor
from dispatch.db.engine import create_engine, create_sessionmaker
from dispatch.db.migrate import upgrade_async
from dispatch.directory.importer import import_directory
from tests.bench.common import dsn, scratch_database
from tests.factories import directory_csv, many_rows

ROWS = 5000
RUNS = 3


async def _import_once(url: str, body: bytes) -> float:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for table in ("contacts", "memberships", "organisations"):
                await conn.execute(text(f"DELETE FROM {table}"))
        maker = create_sessionmaker(engine)
        started = time.perf_counter()
        async with maker() as session, session.begin():
            outcome = await import_directory(
                session, data=body, dry_run=False, actor=Actor("bench")
            )
        elapsed = time.perf_counter() - started
        assert outcome.created_contacts == ROWS
        assert not outcome.rejected
        return elapsed
    finally:
        await engine.dispose()


async def _raw_insert(dsn: str, rows: list[dict[str, str]]) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TEMP TABLE raw_contacts (name text, email text, phone text, language text)"
        )
        records = [(r["contact_name"], r["email"], r["phone"], r["language"]) for r in rows]
        started = time.perf_counter()
        await conn.copy_records_to_table("raw_contacts", records=records)
        return time.perf_counter() - started
    finally:
        await conn.close()


def run() -> dict[str, Any]:
    rows = many_rows(ROWS)
    body = directory_csv(rows)
    sqlite_path = f"var/bench-import-{os.getpid()}.sqlite3"
    sqlite_url = f"sqlite+aiosqlite:///{sqlite_path}"

    async def measure(pg_url: str) -> tuple[list[float], list[float], list[float]]:
        await upgrade_async(pg_url)
        await upgrade_async(sqlite_url)
        pg = [await _import_once(pg_url, body) for _ in range(RUNS)]
        lite = [await _import_once(sqlite_url, body) for _ in range(RUNS)]
        raw = [await _raw_insert(dsn(pg_url), rows) for _ in range(RUNS)]
        return pg, lite, raw

    try:
        with scratch_database() as pg_url:
            pg, lite, raw = asyncio.run(measure(pg_url))
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(sqlite_path + suffix).unlink(missing_ok=True)
    return {
        "import_5000_rows_s": round(statistics.median(pg), 3),
        "import_5000_rows_sqlite_s": round(statistics.median(lite), 3),
        "raw_insert_5000_rows_s": round(statistics.median(raw), 4),
        "import_runs": {"postgresql": pg, "sqlite": lite, "raw": raw},
    }
