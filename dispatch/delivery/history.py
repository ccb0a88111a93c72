"""A delivery's history: the decisions the engine took about it that its state alone does not
tell (a send moved to another provider, a send decided without an answer, one found at the
provider), each with its reason, for the coordinator and the report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, IdMixin, UTCDateTime, utcnow


class EventKind(StrEnum):
    FAILOVER = "failover"
    """The send went to another provider after this one failed."""
    DECIDED = "decided"
    """An earlier try's outcome stayed unknown; the message was sent again (possibly twice)."""
    RECONCILED = "reconciled"
    """An earlier try's outcome was unknown; the provider said it had the message."""
    BOUNCED = "bounced"
    """The mail server took the e-mail, then reported it undeliverable (its reason)."""
    BOUNCED_LATER = "bounced_later"
    """A bounce said to try later (4.x.x): recorded, the delivery unchanged."""
    BESIDE_BOUNCED = "beside_bounced"
    """An SMS sent at once beside an e-mail to an address that had bounced before (its
    reason): the person's other channel did not wait for the e-mail to bounce again."""


class DeliveryEvent(IdMixin, Base):
    """One decision about one delivery."""

    __tablename__ = "delivery_events"

    delivery_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)


async def add(session: AsyncSession, events: Sequence[tuple[int, str, str]]) -> None:
    """Record ``(delivery id, kind, detail)`` events in the caller's transaction."""
    if events:
        now = utcnow()
        await session.execute(
            insert(DeliveryEvent),
            [{"delivery_id": d, "kind": k, "detail": t[:2000], "at": now} for d, k, t in events],
        )


async def of(session: AsyncSession, delivery_ids: Sequence[int]) -> list[DeliveryEvent]:
    """The events of these deliveries, oldest first."""
    if not delivery_ids:
        return []
    rows = await session.scalars(
        select(DeliveryEvent)
        .where(DeliveryEvent.delivery_id.in_(list(delivery_ids)))
        .order_by(DeliveryEvent.id)
    )
    return list(rows.all())
