"""Provider status updates (Twilio callbacks), moving deliveries forward only.

A callback can arrive before the worker has committed the provider id it answers (the provider
is fast, our commit comes after the batch). Such a callback is kept as a pending event and
applied when the id is recorded, or by the sweeper.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import String, Text, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, IdMixin, UTCDateTime, utcnow
from dispatch.delivery.models import Delivery, DeliveryState
from dispatch.delivery.states import RANK, can_move, states_before

PENDING_FOR = timedelta(hours=1)
"""How long a status for an unknown provider id is kept in case the id is recorded late."""


class StatusEvent(IdMixin, Base):
    """A provider's status report, kept until it has been applied."""

    __tablename__ = "status_events"

    provider_id: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)


def _values(state: str, reason: str | None, now: datetime) -> dict[str, object]:
    values: dict[str, object] = {"state": state}
    if state == DeliveryState.SENT:
        values["sent_at"] = now
    elif state == DeliveryState.DELIVERED:
        values["delivered_at"] = now
    else:
        values["failed_at"] = now
        values["last_error"] = reason
    return values


async def apply_status(
    session: AsyncSession, *, provider_id: str, state: str, reason: str | None
) -> str:
    """Apply one status: ``applied``, ``ignored`` (not forward) or ``pending`` (id unknown yet)."""
    now = utcnow()
    statement = (
        update(Delivery)
        .where(Delivery.provider_id == provider_id, Delivery.state.in_(states_before(state)))
        .values(**_values(state, reason, now))
    )
    if (await session.execute(statement)).rowcount:  # type: ignore[attr-defined]
        return "applied"
    current = await session.scalar(
        select(Delivery.state).where(Delivery.provider_id == provider_id)
    )
    if current is None:
        session.add(
            StatusEvent(provider_id=provider_id, state=state, reason=reason, received_at=now)
        )
        return "pending"
    # The worker's record of this id may have committed between the UPDATE and the SELECT:
    # the row exists now, so try once more before calling the update stale.
    if can_move(current, state) and (await session.execute(statement)).rowcount:  # type: ignore[attr-defined]
        return "applied"
    return "ignored"


async def apply_pending(session: AsyncSession, provider_ids: Sequence[str] | None = None) -> int:
    """Apply kept events whose provider id is now recorded; ``None`` means all of them.

    Events for an id that never appears (a send whose worker died before recording it) are
    dropped after ``PENDING_FOR``, so the sweeper's look-up does not grow without end.
    """
    now = utcnow()
    query = (
        select(StatusEvent)
        .join(Delivery, Delivery.provider_id == StatusEvent.provider_id)
        .where(StatusEvent.applied_at.is_(None))
    )
    if provider_ids is not None:
        if not provider_ids:
            return 0
        query = query.where(StatusEvent.provider_id.in_(list(provider_ids)))
    events = (await session.scalars(query)).unique().all()
    for event in sorted(events, key=lambda e: (RANK[DeliveryState(e.state)], e.id)):
        await session.execute(
            update(Delivery)
            .where(
                Delivery.provider_id == event.provider_id,
                Delivery.state.in_(states_before(event.state)),
            )
            .values(**_values(event.state, event.reason, now))
        )
        event.applied_at = now
    if provider_ids is None:
        await session.execute(
            delete(StatusEvent).where(
                StatusEvent.applied_at.is_(None), StatusEvent.received_at < now - PENDING_FOR
            )
        )
    return len(events)


REPORT_GRACE = timedelta(seconds=10)
"""How long after it was handed over an SMS may go without a report before it counts as late
(Twilio's and LINK's reports come within seconds; a carrier's final word may take longer, so
a provider is judged on the share of its SMS that are late, not on one)."""
REPORT_WINDOW = timedelta(seconds=20)
"""Reports are looked for among the SMS handed over 10 to 20 s ago: the newest that should
have one, so reports that stop are noticed within seconds, not diluted by older ones."""


async def unreported(session: AsyncSession, providers: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Per provider: SMS it took 10 to 20 s ago, and how many of them have no final report yet
    (the router's sign that reports stopped coming or come late)."""
    if not providers:
        return {}
    now = utcnow()
    rows = await session.execute(
        select(
            Delivery.provider,
            func.count(),
            func.count().filter(Delivery.state == DeliveryState.SENT),
        )
        .where(
            Delivery.provider.in_(list(providers)),
            Delivery.channel == "sms",
            Delivery.sent_at.between(now - REPORT_WINDOW, now - REPORT_GRACE),
        )
        .group_by(Delivery.provider)
    )
    return {str(p): (int(handed), int(late)) for p, handed, late in rows.all()}
