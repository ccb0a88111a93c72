"""Writing the outbox: every sender hands its messages over as ``OutboxItem``s to ``write``.

One writer for every kind of message, keyed on the unique (source kind, source id, target,
channel): writing the same item twice writes it once, so a repeated request, a sweeper that
runs twice or a fallback already made never queue a second send.

On PostgreSQL a large batch goes in one statement: the ids are drawn from the sequence in one
round trip, the rows are copied into a temporary table with ``COPY`` and moved over with
``INSERT … SELECT … ON CONFLICT DO NOTHING``. Smaller batches, and SQLite, use a batched
``INSERT … ON CONFLICT DO NOTHING RETURNING``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.db.base import utcnow
from dispatch.db.upsert import insert_ignoring_conflicts
from dispatch.delivery.models import Delivery, DeliveryState, SourceKind

__all__ = ["COPY_FROM", "OutboxItem", "SourceKind", "write"]

COPY_FROM = 500
"""Fewer items than this go by ``INSERT``: ``COPY`` pays off on bulk, not on a handful."""

KEY = ("source_kind", "source_id", "target", "channel")

PRIORITY_FIRST = 0
"""Main contacts and Teams channels: sent before everyone else, also under a rate limit."""
PRIORITY_REST = 1


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One message to one target on one channel, as a sender hands it to the outbox."""

    source_kind: SourceKind
    source_id: int
    channel: str
    target: str
    """Who, in the unique key: ``recipient:<id>``, ``contact:<id>``, ``network:<code>`` …"""
    address: str
    """E-mail address, E.164 number or webhook URL, as it is when the item is written."""
    language: str
    priority: int = PRIORITY_REST
    fallback: bool = False
    """Whether ``language`` is not the one the recipient prefers."""
    incident_id: int | None = None
    recipient_id: int | None = None
    organisation_id: int | None = None
    network_code: str | None = None
    fallback_of_id: int | None = None
    """The failed delivery this one replaces on another channel."""


_COLUMNS = (
    "source_kind",
    "source_id",
    "channel",
    "target",
    "address",
    "language",
    "priority",
    "fallback",
    "incident_id",
    "recipient_id",
    "organisation_id",
    "network_code",
    "fallback_of_id",
)
_FIXED = ("state", "attempts", "lookups", "possible_duplicate", "created_at", "enqueued_at")


def _values(item: OutboxItem) -> tuple[Any, ...]:
    return (
        str(item.source_kind),
        item.source_id,
        item.channel,
        item.target,
        item.address,
        item.language,
        item.priority,
        item.fallback,
        item.incident_id,
        item.recipient_id,
        item.organisation_id,
        item.network_code,
        item.fallback_of_id,
    )


async def write(session: AsyncSession, items: Sequence[OutboxItem]) -> list[int]:
    """Queue ``items``; returns the ids of those written, in the order given (an item the
    outbox already has is skipped). The caller commits, then enqueues the ids."""
    if not items:
        return []
    now = utcnow()
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql" and len(items) >= COPY_FROM:
        return await _copy(session, items, now)
    fixed = {
        "state": DeliveryState.QUEUED.value,
        "attempts": 0,
        "lookups": 0,
        "possible_duplicate": False,
        "created_at": now,
        "enqueued_at": now,
    }
    rows = [dict(zip(_COLUMNS, _values(item), strict=True)) | fixed for item in items]
    table = cast(Table, Delivery.__table__)
    return await insert_ignoring_conflicts(session, table, rows, key=KEY)


async def _copy(session: AsyncSession, items: Sequence[OutboxItem], now: datetime) -> list[int]:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    ids: list[int] = [
        r[0]
        for r in await driver.fetch(
            "SELECT nextval(pg_get_serial_sequence('deliveries', 'id'))"
            " FROM generate_series(1, $1)",
            len(items),
        )
    ]
    fixed = (DeliveryState.QUEUED.value, 0, 0, False, now, now)
    records = [(id_, *_values(item), *fixed) for id_, item in zip(ids, items, strict=True)]
    columns = ("id", *_COLUMNS, *_FIXED)
    listed = ", ".join(columns)
    # A temporary table that lives until the transaction ends: COPY cannot skip a row the
    # unique key already has, INSERT … SELECT can.
    await driver.execute(
        "CREATE TEMPORARY TABLE IF NOT EXISTS outbox_incoming "
        "(LIKE deliveries INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    await driver.execute("TRUNCATE outbox_incoming")
    await driver.copy_records_to_table("outbox_incoming", records=records, columns=list(columns))
    written = await driver.fetch(
        f"INSERT INTO deliveries ({listed}) SELECT {listed} FROM outbox_incoming "  # noqa: S608
        "ON CONFLICT (source_kind, source_id, target, channel) DO NOTHING RETURNING id"
    )
    # The ids were drawn in the order given, so sorting them restores it.
    return sorted(r[0] for r in written)
