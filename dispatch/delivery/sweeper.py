"""Finding deliveries the broker lost: the database is the source of truth.

A queue flushed by a Redis restart, or a worker killed mid-batch, leaves rows ``queued`` that
nobody will process, or ``sending`` that nobody will finish (their lease, which a live worker
renews, ran out). The sweeper hands them back to the
queue. Several sweepers may run at once: each row is taken by one conditional UPDATE.

A row found in ``sending`` may already have reached the provider before its worker died; it is
marked ``uncertain_since``, and the next try asks a provider that can say (Twilio) before
sending again. Where the provider cannot say (SMTP, Teams) a second copy is the residual window
for a duplicate (see docs/decisions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.db.base import utcnow
from dispatch.delivery import events
from dispatch.delivery.models import Delivery, DeliveryState

log = structlog.get_logger("dispatch.sweeper")


@dataclass(frozen=True, slots=True)
class SweepPolicy:
    """How long a row may sit before it is considered lost."""

    requeue_after_s: float = 60.0
    """A ``queued`` row handed to the broker this long ago and still queued is handed again."""
    sending_timeout_s: float = 120.0
    """A ``sending`` row whose lease is this old belonged to a worker that died (a live one
    renews its rows' leases every quarter of this)."""


async def sweep(session: AsyncSession, policy: SweepPolicy) -> list[int]:
    """Reset abandoned ``sending`` rows, and return due ``queued`` rows to re-enqueue."""
    now = utcnow()
    await session.execute(
        update(Delivery)
        .where(
            Delivery.state == DeliveryState.SENDING,
            func.coalesce(Delivery.lease_at, Delivery.sending_at).is_(None)
            | (
                func.coalesce(Delivery.lease_at, Delivery.sending_at)
                < now - timedelta(seconds=policy.sending_timeout_s)
            ),
        )
        .values(
            state=DeliveryState.QUEUED,
            enqueued_at=None,
            last_error="worker stopped mid-send",
            # It may have reached the provider: the next try asks before sending again.
            uncertain_since=func.coalesce(Delivery.uncertain_since, Delivery.sending_at, now),
        )
    )
    stale = now - timedelta(seconds=policy.requeue_after_s)
    rows = (
        await session.execute(
            update(Delivery)
            .where(
                Delivery.state == DeliveryState.QUEUED,
                (Delivery.enqueued_at.is_(None)) | (Delivery.enqueued_at < stale),
                (Delivery.not_before.is_(None)) | (Delivery.not_before <= now),
            )
            .values(enqueued_at=now)
            .returning(Delivery.id, Delivery.priority)
        )
    ).all()
    applied = await events.apply_pending(session)
    if applied:
        log.info("pending_status_applied", count=applied)
    # Main contacts first, as at declaration.
    return [row.id for row in sorted(rows, key=lambda r: (r.priority, r.id))]
