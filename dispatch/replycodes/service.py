"""Handing out reply codes and taking them back.

A code is taken with one conditional upsert: a free code is inserted, a code whose hold has run
out is taken over, and a code someone holds (even in a transaction not yet committed, which
the primary key makes this one wait for) is left alone and another is drawn.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.db.base import utcnow
from dispatch.replycodes.models import ReplyCode

LOWEST, HIGHEST = 1000, 9999


def _draw(taken: set[str]) -> str:
    while True:
        code = str(LOWEST + secrets.randbelow(HIGHEST - LOWEST + 1))
        if code not in taken:
            return code


async def held(session: AsyncSession) -> set[str]:
    """The codes held now."""
    now = utcnow()
    rows = await session.scalars(
        select(ReplyCode.code).where(
            or_(ReplyCode.held_until.is_(None), ReplyCode.held_until > now)
        )
    )
    return set(rows.all())


async def allocate(session: AsyncSession, *, holder: str, until: datetime | None = None) -> str:
    """A code no one else holds, held by ``holder`` until ``until`` (or until released)."""
    taken = await held(session)
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    module: Any = postgresql if dialect == "postgresql" else sqlite
    table = cast(Table, ReplyCode.__table__)
    while True:
        code = _draw(taken)
        now = utcnow()
        statement = module.insert(table).values(
            code=code, holder=holder, held_until=until, taken_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=["code"],
            set_={"holder": holder, "held_until": until, "taken_at": now},
            where=table.c.held_until.is_not(None) & (table.c.held_until <= now),
        ).returning(table.c.code)
        if await session.scalar(statement) is not None:
            return code
        taken.add(code)


async def release(session: AsyncSession, code: str, *, holder: str) -> None:
    """Free ``code`` (its incident was closed, its meeting cancelled)."""
    await session.execute(
        delete(ReplyCode).where(ReplyCode.code == code, ReplyCode.holder == holder)
    )
