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
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.base import (
    Channel,
    ChannelKind,
    OutgoingMessage,
    PermanentChannelError,
    Reconciling,
    TransientChannelError,
)
from channels.registry import ChannelRegistry
from dispatch.db.base import utcnow
from dispatch.delivery import outbox
from dispatch.delivery.metrics import observe_send
from dispatch.delivery.models import Delivery, DeliveryState
from dispatch.delivery.outcomes import RATE_LIMITED_DELAY_S, BatchResult, Outcome, record
from dispatch.delivery.ports import Enqueuer, RateLimiter
from dispatch.delivery.sources import Job, NoSuppressions, Sources, Suppressions
from dispatch.security.links import Links

log = structlog.get_logger("dispatch.delivery")

SEND_CONCURRENCY = 32
THROTTLED_RETRIES_IN_PLACE = 3
"""How often a send the provider answered 429 is tried again at once, before its row goes back
to the queue."""
THROTTLED_WAIT_CAP_S = 5.0


@dataclass(frozen=True, slots=True)
class Engine:
    """What sending needs, built once per worker process by the composition root."""

    sessionmaker: async_sessionmaker[AsyncSession]
    channels: ChannelRegistry
    sources: Sources
    limiter: RateLimiter
    enqueuer: Enqueuer
    base_url: str
    secret: str
    suppressions: Suppressions = field(default_factory=NoSuppressions)


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
            .values(state=DeliveryState.SENDING, sending_at=now, attempts=Delivery.attempts + 1)
            .returning(
                Delivery.id,
                Delivery.source_kind,
                Delivery.source_id,
                Delivery.channel,
                Delivery.address,
                Delivery.language,
                Delivery.attempts,
                Delivery.priority,
                Delivery.recipient_id,
                Delivery.provider,
                Delivery.uncertain_since,
            )
        )
    ).all()
    return [
        Job(
            id=r.id,
            source_kind=r.source_kind,
            source_id=r.source_id,
            channel=r.channel,
            address=r.address or "",
            language=r.language,
            attempts=r.attempts,
            priority=r.priority,
            recipient_id=r.recipient_id,
            provider=r.provider,
            sending_at=now,
            uncertain_since=r.uncertain_since,
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
    return sendable, refused


def _refused(job: Job, reason: str) -> Outcome:
    return Outcome(job, permanent=PermanentChannelError(reason))


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

    async def send_one(job: Job) -> None:
        try:
            outcome = await _send(job, engine, gate)
        except Exception as exc:
            log.exception("adapter_error", delivery_id=job.id, channel=job.channel)
            outcome = Outcome(
                job, transient=TransientChannelError(f"internal error: {type(exc).__name__}")
            )
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
                    result.fallbacks += await _fallbacks(session, engine, failed)

    await asyncio.gather(record_as_they_come(), *(send_one(j) for j in jobs))
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


async def _fallbacks(session: AsyncSession, engine: Engine, failed: Sequence[Job]) -> list[int]:
    """Ask each failed job's sender for the deliveries to try instead, and queue them."""
    by_kind: dict[str, list[Job]] = defaultdict(list)
    for job in failed:
        if job.source_kind in engine.sources:
            by_kind[job.source_kind].append(job)
    items: list[outbox.OutboxItem] = []
    for kind, group in by_kind.items():
        items += await engine.sources.get(kind).fallbacks(session, group)
    return await outbox.write(session, items)


def _channel_for(job: Job, engine: Engine) -> Channel:
    return engine.channels.get(ChannelKind(job.channel))


async def _send(job: Job, engine: Engine, gate: asyncio.Semaphore) -> Outcome:
    links = Links(engine.base_url.rstrip("/"), engine.secret, job.id)
    message = engine.sources.get(job.source_kind).render(job, links)
    channel = _channel_for(job, engine)
    if job.uncertain_since is not None:
        found = await _reconcile(job, message, engine, channel, gate)
        if found is not None:
            return found
    throttled = 0
    while True:
        if not await engine.limiter.acquire(job.channel, job.priority):
            return Outcome(job, rate_limited=True)
        async with gate:
            started = time.perf_counter()
            try:
                receipt = await channel.send(message)
            except TransientChannelError as exc:
                observe_send(job.channel, time.perf_counter() - started, "retry")
                if not exc.throttled or throttled == THROTTLED_RETRIES_IN_PLACE:
                    return Outcome(job, transient=exc, provider=channel.name)
                retry_after = exc.retry_after or RATE_LIMITED_DELAY_S
            except PermanentChannelError as exc:
                observe_send(job.channel, time.perf_counter() - started, "failed")
                return Outcome(job, permanent=exc, provider=channel.name)
            else:
                observe_send(job.channel, time.perf_counter() - started, "accepted")
                return Outcome(job, receipt=receipt, provider=channel.name)
        # The provider asked us to slow down: wait as it says and take a new turn here, rather
        # than going back to the queue behind everyone else (a main contact would lose its place).
        throttled += 1
        await asyncio.sleep(min(retry_after, THROTTLED_WAIT_CAP_S))


async def _reconcile(
    job: Job,
    message: OutgoingMessage,
    engine: Engine,
    channel: Channel,
    gate: asyncio.Semaphore,
) -> Outcome | None:
    """An earlier try may have got through: ask the provider that had it rather than send a
    second copy. If it cannot say, send: a missing alert is worse than a second one."""
    had = engine.channels.provider(job.provider) if job.provider else None
    asked: Channel = had if had is not None else channel
    if not isinstance(asked, Reconciling):
        return None
    async with gate:
        try:
            found = await asked.find_sent(message, job.uncertain_since or utcnow())
        except TransientChannelError as exc:
            log.warning("reconcile_lookup_failed", delivery_id=job.id, reason=exc.reason)
            observe_send(job.channel, None, "lookup_failed")
            return None
    if found is None:
        return None
    log.info("reconciled_with_provider", delivery_id=job.id, channel=job.channel)
    observe_send(job.channel, None, "reconciled")
    return Outcome(job, receipt=found, provider=asked.name)
