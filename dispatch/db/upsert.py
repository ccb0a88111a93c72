"""INSERT … ON CONFLICT DO NOTHING on PostgreSQL and SQLite, in chunks, returning new ids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

CHUNK = 500
"""Rows per statement: well under SQLite's limit on bound parameters."""


async def insert_ignoring_conflicts(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], *, key: Sequence[str]
) -> list[int]:
    """Insert ``rows``; a row whose ``key`` already exists is skipped. Returns the new ids."""
    if not rows:
        return []
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    module: Any = postgresql if dialect == "postgresql" else sqlite
    # The rows go as parameters, not into the statement, so its compiled form is cached: the
    # acknowledgement benchmark found a per-call compile costing half a millisecond per ack.
    statement = (
        module.insert(table).on_conflict_do_nothing(index_elements=list(key)).returning(table.c.id)
    )
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        ids += (await session.scalars(statement, list(rows[start : start + CHUNK]))).all()
    return ids


async def upsert(
    session: AsyncSession,
    table: Table,
    row: dict[str, Any],
    *,
    key: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``row``, or update its ``update`` columns where a row with its ``key`` exists."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).values(row)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=list(key),
            set_={column: statement.excluded[column] for column in update},
        )
    )
