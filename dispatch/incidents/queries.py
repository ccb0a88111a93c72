"""Reading incidents: one by id, a page of them, and counts per incident."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement

from dispatch.delivery.history import DeliveryEvent, EventKind
from dispatch.delivery.models import Delivery
from dispatch.errors import NotFoundError
from dispatch.inbound.models import InboundMail
from dispatch.incidents.models import Incident
from dispatch.paging import paginate
from translations.strings.marking import N_
from translations.text import Text


async def get_incident(session: AsyncSession, incident_id: int) -> Incident:
    """One incident, or a 404 that says which."""
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFoundError(Text(N_("There is no incident with id %(id)d."), id=incident_id))
    return incident


async def delivery_counts(
    session: AsyncSession, incident_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Deliveries by state for each incident."""
    rows = await session.execute(
        select(Delivery.incident_id, Delivery.state, func.count())
        .where(Delivery.incident_id.in_(list(incident_ids)))
        .group_by(Delivery.incident_id, Delivery.state)
    )
    out: dict[int, dict[str, int]] = {i: {} for i in incident_ids}
    for incident_id, state, count in rows.all():
        out[incident_id or 0][state] = count
    return out


async def email_counts(
    session: AsyncSession, incident_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """E-mail taken by the server, and deliveries bounced, replied to and answered
    automatically, and the SMS sent at once beside e-mail to addresses that had bounced, for
    each incident (``EmailCounts``' fields)."""
    out: dict[int, dict[str, int]] = {i: {} for i in incident_ids}
    if not incident_ids:
        return out
    accepted = await session.execute(
        select(Delivery.incident_id, func.count())
        .where(
            Delivery.incident_id.in_(list(incident_ids)),
            Delivery.channel == "email",
            Delivery.sent_at.is_not(None),
        )
        .group_by(Delivery.incident_id)
    )
    for incident_id, count in accepted.all():
        out[incident_id or 0]["accepted"] = count
    names = {"bounce": "bounced", "reply": "replied", "auto_reply": "automatic"}
    came_back = await session.execute(
        select(Delivery.incident_id, InboundMail.kind, func.count(func.distinct(Delivery.id)))
        .join(InboundMail, InboundMail.delivery_id == Delivery.id)
        .where(Delivery.incident_id.in_(list(incident_ids)), InboundMail.kind.in_(list(names)))
        .group_by(Delivery.incident_id, InboundMail.kind)
    )
    for incident_id, kind, count in came_back.all():
        out[incident_id or 0][names[kind]] = count
    beside = await session.execute(
        select(Delivery.incident_id, func.count())
        .join(DeliveryEvent, DeliveryEvent.delivery_id == Delivery.id)
        .where(
            Delivery.incident_id.in_(list(incident_ids)),
            DeliveryEvent.kind == EventKind.BESIDE_BOUNCED,
        )
        .group_by(Delivery.incident_id)
    )
    for incident_id, count in beside.all():
        out[incident_id or 0]["sms_beside_bounced"] = count
    return out


async def count_per_incident(
    session: AsyncSession,
    incident_column: InstrumentedAttribute[int],
    incident_ids: Sequence[int],
    *criteria: ColumnElement[bool],
) -> dict[int, int]:
    """Rows per incident (0 where there are none), e.g. recipients or acknowledgements."""
    rows = await session.execute(
        select(incident_column, func.count())
        .where(incident_column.in_(list(incident_ids)), *criteria)
        .group_by(incident_column)
    )
    counts: dict[int, int] = {i: c for i, c in rows.all()}  # noqa: C416 - typed rows
    return {i: counts.get(i, 0) for i in incident_ids}


async def list_incidents(
    session: AsyncSession, *, status: str | None, state: str | None, page: int, page_size: int
) -> tuple[Sequence[Incident], int]:
    """Incidents, newest first; exercises are kept apart with ``status``."""
    query = select(Incident)
    if status:
        query = query.where(Incident.status == status)
    if state:
        query = query.where(Incident.state == state)
    return await paginate(
        session, query.order_by(Incident.id.desc()), page=page, page_size=page_size
    )
