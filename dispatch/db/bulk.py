"""Inserting many rows and getting their ids back, in order: a declaration's recipients and
deliveries.

On PostgreSQL the ids are drawn from the table's sequence in one round trip and the rows are
written with ``COPY`` on the session's own connection, inside its transaction; elsewhere (and
for a few rows) SQLAlchemy's batched ``INSERT … RETURNING``. The declaration benchmark measured
the ``INSERT`` path at about 1.3 s for 10,000 recipients and 20,000 deliveries
(docs/performance.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

COPY_FROM = 500
"""Fewer rows than this go by ``INSERT``: ``COPY`` pays off on bulk, not on a handful."""


def _defaults(table: Table, given: Sequence[str]) -> dict[str, Any]:
    """The Python-side scalar defaults of the columns the rows leave out, which the ORM would
    fill on INSERT; columns without one are left out of the COPY, so the database's own default
    (or NULL) applies as it would on INSERT."""
    out: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in given or column.primary_key or default is None:
            continue
        if not getattr(default, "is_scalar", False):
            raise ValueError(f"{table.name}.{column.name} has a computed default; give a value")
        out[column.name] = default.arg  # type: ignore[attr-defined]
    return out


async def insert_returning_ids(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` (each with the same keys) and return their new ids in the same order."""
    if not rows:
        return []
    bind = session.bind
    if bind is None or bind.dialect.name != "postgresql" or len(rows) < COPY_FROM:
        result = await session.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
        )
        return list(result.all())
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    ids: list[int] = [
        r[0]
        for r in await driver.fetch(
            "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)",
            table.name,
            len(rows),
        )
    ]
    given = list(rows[0])
    defaults = _defaults(table, given)
    columns = ["id", *given, *defaults]
    as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
    fixed = tuple(json.dumps(v) if k in as_json else v for k, v in defaults.items())
    # Per row, only the JSON columns are touched in Python: this loop runs 30,000 times for a
    # declaration to 10,000 people, and a call per value cost a quarter of its time.
    json_at = [i for i, name in enumerate(given) if name in as_json]
    records: list[tuple[Any, ...]] = []
    for id_, row in zip(ids, rows, strict=True):
        values = [row[name] for name in given]
        for i in json_at:
            if values[i] is not None:
                values[i] = json.dumps(values[i])
        records.append((id_, *values, *fixed))
    await driver.copy_records_to_table(table.name, records=records, columns=columns)
    return ids
