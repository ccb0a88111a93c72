"""Trying a person's other channel when a delivery fails for good: at send time (the engine), or
when the provider's report says it never arrived (the webhook, and the sweeper for reports that
came before the send was recorded). Each sender names the delivery to try instead; the outbox's
unique key makes asking twice write it once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dispatch.db.base import utcnow
from dispatch.delivery import outbox
from dispatch.delivery.models import Delivery, DeliveryState
from dispatch.delivery.sources import JOB_COLUMNS, Job, Sources, job_of

RECENT = timedelta(hours=1)
"""How far back the sweeper looks for failures reported without a fallback yet."""


async def fall_back(session: AsyncSession, sources: Sources, failed: Sequence[Job]) -> list[int]:
    """Ask each failed job's sender for the deliveries to try instead; queue them."""
    by_kind: dict[str, list[Job]] = defaultdict(list)
    for job in failed:
        if job.source_kind in sources:
            by_kind[job.source_kind].append(job)
    items: list[outbox.OutboxItem] = []
    for kind, group in by_kind.items():
        items += await sources.get(kind).fallbacks(session, group)
    return await outbox.write(session, items)


async def after_reports(
    session: AsyncSession, sources: Sources, provider_ids: Sequence[str] | None = None
) -> list[int]:
    """Fallbacks for deliveries a provider reported as not delivered: those with these provider
    ids, or (``None``) every such delivery of the last hour that has none yet."""
    query = select(
        *JOB_COLUMNS,
    ).where(Delivery.state.in_([DeliveryState.FAILED, DeliveryState.UNDELIVERABLE]))
    if provider_ids is not None:
        if not provider_ids:
            return []
        query = query.where(Delivery.provider_id.in_(list(provider_ids)))
    else:
        instead = aliased(Delivery)
        query = query.where(
            Delivery.failed_at > utcnow() - RECENT,
            Delivery.recipient_id.is_not(None),
            ~exists().where(instead.fallback_of_id == Delivery.id),
        )
    jobs = [
        job_of(
            r,
        )
        for r in (await session.execute(query)).all()
    ]
    return await fall_back(session, sources, jobs)
