"""Recording what became of each send: accepted, to be retried, or failed for good.

A state only moves forward, and only from ``sending``: a row another process already moved on
(a status callback that came first, the sweeper) is left as it is.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import PermanentChannelError, Receipt, TransientChannelError
from dispatch.db.base import utcnow
from dispatch.delivery import events, history
from dispatch.delivery.models import Delivery, DeliveryState
from dispatch.delivery.sources import Job

MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 300.0
RATE_LIMITED_DELAY_S = 1.0
LOOKUP_DELAY_S = 10.0
"""Before asking a provider about an uncertain try (as long again as our send timeout), and
before asking again after a failed look-up: 10 s, then 20, 40 …"""


@dataclass(slots=True)
class BatchResult:
    """What happened to a batch, for logs and tests."""

    claimed: int = 0
    sent: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    fallbacks: list[int] = field(default_factory=list)
    retry_ids: list[int] = field(default_factory=list)
    retry_delay_s: float = 0.0


@dataclass(slots=True)
class Outcome:
    """One job's send: a receipt, a transient or permanent error, or no turn under the limit."""

    job: Job
    receipt: Receipt | None = None
    transient: TransientChannelError | None = None
    permanent: PermanentChannelError | None = None
    rate_limited: bool = False
    provider: str | None = None
    """The provider that was asked (the one that may have the message)."""
    lookup_failed: str | None = None
    """Asking the provider about an earlier, uncertain try failed, for this reason."""
    possible_duplicate: bool = False
    """Sent again without knowing whether the earlier try got through."""
    events: list[tuple[str, str]] = field(default_factory=list)
    """Decisions for the delivery's history: ``(kind, detail)``."""


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next try: exponential with full jitter, at least ``retry_after``."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))
    return max(retry_after or 0.0, random.uniform(ceiling / 2, ceiling))  # noqa: S311


@dataclass(frozen=True, slots=True)
class _Retry:
    delay_s: float
    reason: str
    attempts: int
    """The row's attempt count from now on."""


def _retry(o: Outcome) -> _Retry | None:
    """When and why to try an outcome's delivery again; None when it has failed for good.

    Our limiter's refusal and the provider's 429 only say "later": no back-off, and not an
    attempt, so a long wait under a rate limit never fails a message."""
    job = o.job
    if o.lookup_failed is not None:
        asked = o.provider or "the provider"
        return _Retry(
            LOOKUP_DELAY_S * 2**job.lookups,
            f"could not ask {asked} whether it took the earlier try: {o.lookup_failed}",
            job.attempts - 1,
        )
    if o.rate_limited:
        return _Retry(
            RATE_LIMITED_DELAY_S, "waiting for the provider's rate limit", job.attempts - 1
        )
    if o.transient is None:
        return None
    if o.transient.throttled:
        delay = max(RATE_LIMITED_DELAY_S, o.transient.retry_after or 0.0)
        return _Retry(delay, o.transient.reason, job.attempts - 1)
    if job.attempts >= MAX_ATTEMPTS:
        return None
    delay = backoff(job.attempts, o.transient.retry_after)
    if o.transient.uncertain:
        # A provider still holding a request we gave up on may take it seconds later: asking
        # at once would find nothing and send a second copy.
        delay = max(delay, LOOKUP_DELAY_S)
    return _Retry(delay, o.transient.reason, job.attempts)


async def record(
    session: AsyncSession, outcomes: Sequence[Outcome], result: BatchResult
) -> list[Job]:
    """Write the outcomes; returns the jobs that failed for good (for their fallbacks)."""
    now = utcnow()
    table = cast(Table, Delivery.__table__)
    by_id = update(table).where(
        table.c.id == bindparam("b_id"), table.c.state == DeliveryState.SENDING
    )
    done: list[dict[str, Any]] = []
    retry: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    failed_jobs: list[Job] = []
    longest = 0.0
    for o in outcomes:
        job = o.job
        if o.receipt is not None:
            delivered = o.receipt.delivered
            done.append(
                {
                    "b_id": job.id,
                    "state": DeliveryState.DELIVERED if delivered else DeliveryState.SENT,
                    "provider": o.provider,
                    "provider_id": o.receipt.provider_id,
                    "possible_duplicate": o.possible_duplicate,
                    "sent_at": now,
                    "delivered_at": now if delivered else None,
                    "last_error": None,
                }
            )
            result.delivered += delivered
            result.sent += not delivered
        elif (again := _retry(o)) is not None:
            longest = max(longest, again.delay_s)
            uncertain = (o.transient is not None and o.transient.uncertain) or (
                o.lookup_failed is not None
            )
            retry.append(
                {
                    "b_id": job.id,
                    "state": DeliveryState.QUEUED,
                    "not_before": now + timedelta(seconds=again.delay_s),
                    "enqueued_at": now,
                    "last_error": again.reason,
                    "attempts": again.attempts,
                    "uncertain_since": job.uncertain_since
                    or (job.sending_at or now if uncertain else None),
                    # An uncertain try is looked up where it went; otherwise keep what was.
                    "provider": o.provider if uncertain else job.provider,
                    "lookups": job.lookups + (o.lookup_failed is not None),
                }
            )
            result.retry_ids.append(job.id)
        else:
            error = o.permanent or o.transient
            assert error is not None
            reason = error.reason
            if o.transient is not None:
                reason = f"gave up after {job.attempts} attempts: {reason}"
            failed.append(
                {
                    "b_id": job.id,
                    "state": DeliveryState.FAILED,
                    "failed_at": now,
                    "last_error": reason,
                }
            )
            failed_jobs.append(job)
    for rows in (done, retry, failed):
        if rows:
            keys = [k for k in rows[0] if k != "b_id"]
            await session.execute(
                by_id.values({k: bindparam(k) for k in keys}),
                rows,
                execution_options={"synchronize_session": False},
            )
    await history.add(
        session, [(o.job.id, kind, detail) for o in outcomes for kind, detail in o.events]
    )
    result.retried += len(retry)
    result.failed += len(failed)
    result.retry_delay_s = max(result.retry_delay_s, longest)
    if done:
        await events.apply_pending(session, [r["provider_id"] for r in done])
    return failed_jobs
