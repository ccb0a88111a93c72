"""The engine's decisions about an incident's sends, for the report: which sends moved to
another provider, which were sent again without an answer (the person may have two), and which
the provider was found to have."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.delivery.history import DeliveryEvent
from dispatch.delivery.models import Delivery
from dispatch.reports.schemas import SendDecision


async def possible_duplicates(session: AsyncSession, incident_id: int) -> int:
    """Deliveries of the incident marked as possibly sent twice."""
    found = await session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.incident_id == incident_id, Delivery.possible_duplicate.is_(True))
    )
    return int(found or 0)


async def counts(session: AsyncSession, incident_id: int) -> dict[str, int]:
    """How many decisions of each kind the incident's sends needed."""
    rows = await session.execute(
        select(DeliveryEvent.kind, func.count())
        .join(Delivery, Delivery.id == DeliveryEvent.delivery_id)
        .where(Delivery.incident_id == incident_id)
        .group_by(DeliveryEvent.kind)
        .order_by(DeliveryEvent.kind)
    )
    return {kind: int(n) for kind, n in rows.all()}


async def listed(session: AsyncSession, incident_id: int, *, limit: int) -> list[SendDecision]:
    """The first ``limit`` decisions, oldest first, each with its reason."""
    rows = await session.execute(
        select(
            DeliveryEvent.delivery_id,
            Delivery.channel,
            DeliveryEvent.at,
            DeliveryEvent.kind,
            DeliveryEvent.detail,
        )
        .join(Delivery, Delivery.id == DeliveryEvent.delivery_id)
        .where(Delivery.incident_id == incident_id)
        .order_by(DeliveryEvent.id)
        .limit(limit)
    )
    return [SendDecision(d, c, at, k, t) for d, c, at, k, t in rows.all()]
