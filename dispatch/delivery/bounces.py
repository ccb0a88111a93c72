"""A bounce fails an e-mail the mail server had taken: the one move backwards from
``delivered`` that the outbox knows, because SMTP's acceptance was never the last word. The
person's other channel is then tried, as for any permanent failure."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelKind
from dispatch.db.base import utcnow
from dispatch.delivery import fallback, history
from dispatch.delivery.history import EventKind
from dispatch.delivery.models import Delivery, DeliveryState
from dispatch.delivery.sources import JOB_COLUMNS, Sources, job_of

TAKEN = (DeliveryState.DELIVERED, DeliveryState.SENT)
"""States of an e-mail the server took; only these can bounce (a retry, a failure, a send
under way are left alone)."""


async def fail_bounced(
    session: AsyncSession, sources: Sources, *, delivery_id: int, reason: str
) -> list[int] | None:
    """Fail the e-mail with the bounce's reason and write its fallback; the fallback ids to
    enqueue once committed, or None when the delivery was not a taken e-mail."""
    row = (
        await session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.channel == ChannelKind.EMAIL,
                Delivery.state.in_(list(TAKEN)),
            )
            .values(
                state=DeliveryState.FAILED,
                failed_at=utcnow(),
                last_error=f"bounced: {reason}",
            )
            .returning(
                *JOB_COLUMNS,
            )
        )
    ).first()
    if row is None:
        return None
    await history.add(session, [(delivery_id, EventKind.BOUNCED, reason)])
    job = job_of(
        row,
    )
    return await fallback.fall_back(session, sources, [job])
