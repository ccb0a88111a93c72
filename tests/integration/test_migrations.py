"""Migrations build an empty database on SQLite and PostgreSQL; the audit log is append-only."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dispatch.db.engine import create_engine
from dispatch.db.migrate import downgrade, upgrade
from dispatch.models import Base
from tests.conftest import TEST_DATABASE_URL, _pg_admin, unavailable


async def _tables_and_networks(url: str) -> tuple[set[str], list[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            codes = (
                (await conn.execute(text("SELECT code FROM networks ORDER BY id"))).scalars().all()
            )
        return tables, list(codes)
    finally:
        await engine.dispose()


def _check_upgrade_from_empty(url: str) -> None:
    upgrade(url)
    tables, codes = asyncio.run(_tables_and_networks(url))
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert codes == ["NIK", "NONEMI", "NIFS"]
    downgrade(url, "base")
    tables, _ = asyncio.run(_tables_and_networks_after_downgrade(url))
    assert tables <= {"alembic_version"}
    upgrade(url)


async def _tables_and_networks_after_downgrade(url: str) -> tuple[set[str], list[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        return tables, []
    finally:
        await engine.dispose()


def test_upgrade_from_empty_on_sqlite(tmp_path: Path) -> None:
    _check_upgrade_from_empty(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")


@pytest.mark.postgres
def test_upgrade_from_empty_on_postgresql() -> None:
    name = f"dispatch_migrate_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_pg_admin(TEST_DATABASE_URL, f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError) as exc:
        unavailable(f"PostgreSQL ({exc})")
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    try:
        _check_upgrade_from_empty(url)
    finally:
        asyncio.run(_pg_admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_audit_log_refuses_update_and_delete(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO audit_events (at, actor, action, entity_type, details) "
                    "VALUES (CURRENT_TIMESTAMP, 'test', 'x.y', 'thing', '{}')"
                )
            )
        for statement in (
            "UPDATE audit_events SET actor = 'someone else'",
            "DELETE FROM audit_events",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(text(statement))
        async with engine.connect() as conn:
            actors = (await conn.execute(text("SELECT actor FROM audit_events"))).scalars().all()
        assert actors == ["test"]
    finally:
        await engine.dispose()
