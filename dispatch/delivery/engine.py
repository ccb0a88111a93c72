"""The outbox engine: claim a batch, send it, record every outcome — for any kind of message.

The engine knows no message kind. Each claimed row names its sender (``source_kind``); the
sender registered for that kind loads and renders it (``dispatch.delivery.sources``). The
session is closed while providers are called, so a slow provider never holds a database
connection.

Every path ends in a recorded state: ``sent``/``delivered`` with the provider's id, ``queued``
again with a time for the retry (transient errors), or ``failed`` with the reason (permanent
errors, or too many attempts), after which the sender names the recipient's other channel.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import cast

import structlog
from sqlalchemy import Table, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelKind, PermanentChannelError, TransientChannelError
from dispatch.db.base import utcnow
from dispatch.delivery import fallback, sending
from dispatch.delivery.models import Delivery, DeliveryState
from dispatch.delivery.outcomes import BatchResult, Outcome, record
from dispatch.delivery.parts import Engine
from dispatch.delivery.sources import JOB_COLUMNS, Job, job_of

log = structlog.get_logger("dispatch.delivery")

SEND_CONCURRENCY = 32


async def claim(session: AsyncSession, ids: Sequence[int]) -> list[Job]:
    """Move due ``queued`` rows to ``sending``; a row another worker claimed is skipped."""
    now = utcnow()
    rows = (
        await session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(list(ids)),
                Delivery.state == DeliveryState.QUEUED,
                (Delivery.not_before.is_(None)) | (Delivery.not_before <= now),
            )
            .values(
                state=DeliveryState.SENDING,
                sending_at=now,
                lease_at=now,
                attempts=Delivery.attempts + 1,
            )
            .returning(
                *JOB_COLUMNS,
                Delivery.uncertain_since,
                Delivery.lookups,
            )
        )
    ).all()
    return [
        job_of(
            r,
            sending_at=now,
            uncertain_since=r.uncertain_since,
            lookups=r.lookups,
        )
        for r in rows
    ]


async def _load(
    session: AsyncSession, engine: Engine, jobs: list[Job]
) -> tuple[list[Job], list[Outcome]]:
    """Each job's payload from its sender; a job whose message is gone, or whose address is
    suppressed, becomes a permanent failure without a send."""
    by_kind: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        by_kind[job.source_kind].append(job)
    ready: list[Job] = []
    refused: list[Outcome] = []
    for kind, group in by_kind.items():
        if kind not in engine.sources:
            refused += [
                _refused(j, f"nothing here can send messages of the kind {kind!r}") for j in group
            ]
            continue
        payloads = await engine.sources.get(kind).load(session, group)
        for job in group:
            if job.id in payloads:
                job.payload = payloads[job.id]
                ready.append(job)
            else:
                refused.append(_refused(job, "the message this delivery belongs to is gone"))
    by_channel: dict[str, list[str]] = defaultdict(list)
    for job in ready:
        by_channel[job.channel].append(job.address)
    stopped: dict[str, Mapping[str, str]] = {
        channel: await engine.suppressions.suppressed(session, channel, addresses)
        for channel, addresses in by_channel.items()
    }
    sendable = []
    for job in ready:
        reason = stopped[job.channel].get(job.address)
        if reason is None:
            sendable.append(job)
        else:
            refused.append(_refused(job, reason))
    await _assign_providers(session, engine, sendable)
    return sendable, refused


async def _assign_providers(session: AsyncSession, engine: Engine, jobs: Sequence[Job]) -> None:
    """Choose each new SMS's provider now and record it before anything is sent: should the
    worker die mid-send, the try is looked up where it went."""
    router = engine.router
    fresh = [j for j in jobs if j.channel == ChannelKind.SMS and j.uncertain_since is None]
    if router is None or not fresh:
        return
    await router.refresh()
    rows = []
    for job in fresh:
        job.provider = router.choose()
        rows.append({"b_id": job.id, "provider": job.provider})
    table = cast(Table, Delivery.__table__)
    await session.execute(
        update(table).where(table.c.id == bindparam("b_id")).values(provider=bindparam("provider")),
        rows,
        execution_options={"synchronize_session": False},
    )


def _refused(job: Job, reason: str) -> Outcome:
    return Outcome(job, permanent=PermanentChannelError(reason))


async def _keep_lease(engine: Engine, in_flight: set[int]) -> None:
    """Renew the lease of the rows still being sent, every ``engine.lease_s``, until cancelled:
    a batch slowed by timeouts, failovers and rate limits is not mistaken for a dead worker's
    (its rows taken back and sent a second time while the first try is still under way)."""
    while True:
        await asyncio.sleep(engine.lease_s)
        if not in_flight:
            continue
        try:
            async with engine.sessionmaker() as session, session.begin():
                await session.execute(
                    update(Delivery)
                    .where(
                        Delivery.id.in_(list(in_flight)),
                        Delivery.state == DeliveryState.SENDING,
                    )
                    .values(lease_at=utcnow())
                )
        except Exception:
            log.warning("lease_renewal_failed", rows=len(in_flight), exc_info=True)


async def process_batch(ids: Sequence[int], engine: Engine) -> BatchResult:
    """Claim, send and record one batch; re-enqueue retries and fallbacks."""
    async with engine.sessionmaker() as session, session.begin():
        jobs, refused = await _load(session, engine, await claim(session, ids))
    result = BatchResult(claimed=len(jobs) + len(refused))
    if not result.claimed:
        return result
    # The session is closed here on purpose: provider calls can take seconds. Outcomes are
    # recorded as they arrive, a few at a time, so a worker that dies loses at most the few
    # sends whose answer came in the last milliseconds (the residual window for a duplicate).
    gate = asyncio.Semaphore(SEND_CONCURRENCY)
    finished: asyncio.Queue[Outcome] = asyncio.Queue()
    for outcome in refused:
        finished.put_nowait(outcome)

    in_flight = {job.id for job in jobs}

    async def send_one(job: Job) -> None:
        try:
            outcome = await sending.send(job, engine, gate)
        except Exception as exc:
            log.exception("adapter_error", delivery_id=job.id, channel=job.channel)
            # The provider may have taken the message before the error: uncertain, so it is
            # looked up (or decided) before any resend, never simply sent again.
            outcome = Outcome(
                job,
                transient=TransientChannelError(
                    f"internal error: {type(exc).__name__}", uncertain=True
                ),
            )
        in_flight.discard(job.id)
        await finished.put(outcome)

    async def record_as_they_come() -> None:
        remaining = result.claimed
        while remaining:
            outcomes = [await finished.get()]
            while not finished.empty():
                outcomes.append(finished.get_nowait())
            remaining -= len(outcomes)
            async with engine.sessionmaker() as session, session.begin():
                failed = await record(session, outcomes, result)
                if failed:
                    result.fallbacks += await fallback.fall_back(session, engine.sources, failed)

    lease = asyncio.create_task(_keep_lease(engine, in_flight))
    try:
        await asyncio.gather(record_as_they_come(), *(send_one(j) for j in jobs))
    finally:
        lease.cancel()
    if result.retry_ids:
        engine.enqueuer.enqueue(result.retry_ids, delay_ms=int(result.retry_delay_s * 1000))
    if result.fallbacks:
        engine.enqueuer.enqueue(result.fallbacks)
    log.info(
        "batch_done",
        claimed=result.claimed,
        sent=result.sent,
        delivered=result.delivered,
        retried=result.retried,
        failed=result.failed,
        fallbacks=len(result.fallbacks),
    )
    return result
