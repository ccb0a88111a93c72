"""E-mail addresses that bounced for good: flagged on every contact that has them (the directory
page, the API, the CSV export), until the address is changed or delivers again. Kept by address,
as SMS opt-outs are by number: one address is one mailbox, whichever listing sent to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import String, Table, Text, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, UTCDateTime, utcnow
from dispatch.db.upsert import upsert


class EmailBounce(Base):
    """An address a mail server reported as permanently undeliverable (5.x.x)."""

    __tablename__ = "email_bounces"

    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    """Lower case."""
    bounced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    """The server's status and words, e.g. ``5.1.1 User unknown``."""
    delivery_id: Mapped[int | None] = mapped_column(BigIntId, default=None)
    """The delivery whose bounce flagged it (the latest)."""


@dataclass(frozen=True, slots=True)
class Bounced:
    """What the directory shows about a bounced address."""

    at: datetime
    reason: str


async def flag(session: AsyncSession, *, address: str, reason: str, delivery_id: int) -> None:
    """Flag ``address`` as bouncing (again: the latest reason and time win)."""
    table = cast(Table, EmailBounce.__table__)
    await upsert(
        session,
        table,
        {
            "address": address.strip().lower(),
            "bounced_at": utcnow(),
            "reason": reason,
            "delivery_id": delivery_id,
        },
        key=["address"],
        update=["bounced_at", "reason", "delivery_id"],
    )


async def unflag(session: AsyncSession, addresses: Sequence[str]) -> None:
    """Forget the flags of these addresses (a contact corrected or confirmed them)."""
    wanted = [a.strip().lower() for a in addresses if a]
    if wanted:
        await session.execute(delete(EmailBounce).where(EmailBounce.address.in_(wanted)))


async def flagged(session: AsyncSession, addresses: Sequence[str]) -> dict[str, Bounced]:
    """Of ``addresses``, those flagged, by the address as given."""
    by_lower = {a.strip().lower(): a for a in addresses if a}
    if not by_lower:
        return {}
    rows = await session.execute(
        select(EmailBounce.address, EmailBounce.bounced_at, EmailBounce.reason).where(
            EmailBounce.address.in_(list(by_lower))
        )
    )
    return {by_lower[r.address]: Bounced(r.bounced_at, r.reason) for r in rows.all()}
