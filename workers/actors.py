"""The actors. They take ids, never objects, and are idempotent: a row already sent is skipped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import dramatiq
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.escalation import run_due
from dispatch.campaigns import service as campaigns
from dispatch.delivery import fallback
from dispatch.delivery.engine import process_batch
from dispatch.delivery.sweeper import SweepPolicy, sweep
from dispatch.exercises import service as exercises
from dispatch.meetings import service as meetings
from dispatch.privacy.retention import apply_retention
from dispatch.settings import Settings
from workers.broker import DELIVER_BATCH, DELIVERY_QUEUE
from workers.runtime import Runtime, build_runtime

log = structlog.get_logger("workers")


class Actors:
    """The actors declared on one broker, with the process's lazily built runtime."""

    def __init__(self, broker: dramatiq.Broker, settings: Settings) -> None:
        self.broker = broker
        self.settings = settings
        self._runtime: Runtime | None = None
        self._lock = asyncio.Lock()
        self.deliver_batch = dramatiq.actor(
            actor_name=DELIVER_BATCH,
            queue_name=DELIVERY_QUEUE,
            broker=broker,
            # A batch that fails as a whole (database down) is retried with back-off; rows
            # already sent are skipped on the retry.
            max_retries=20,
            min_backoff=1_000,
            max_backoff=60_000,
            time_limit=300_000,
        )(self._deliver_batch)

    async def runtime(self) -> Runtime:
        if self._runtime is None:
            async with self._lock:
                if self._runtime is None:
                    self._runtime = build_runtime(self.settings, self.broker)
        return self._runtime

    @property
    def built_runtime(self) -> Runtime | None:
        """The runtime if this process has built it (it is built by the first batch)."""
        return self._runtime

    async def _deliver_batch(self, delivery_ids: list[int]) -> None:
        rt = await self.runtime()
        await process_batch(delivery_ids, rt.engine)

    async def sweep_once(self) -> int:
        """Re-enqueue what the broker lost, and run what has come due (escalation steps, list
        reviews, scheduled exercises, meeting reminders, retention); returns how many ids were
        handed to the queue.

        Each step has its own transaction, and one that fails is logged and left for the next
        sweep without holding up the others: its rows keep their state, so nothing is lost.
        """
        rt = await self.runtime()
        policy = SweepPolicy(
            requeue_after_s=self.settings.requeue_after_seconds,
            sending_timeout_s=self.settings.sending_timeout_seconds,
        )
        steps: dict[str, Callable[[AsyncSession], Awaitable[list[int]]]] = {
            "requeue": lambda session: sweep(session, policy),
            "report_fallbacks": lambda session: fallback.after_reports(session, rt.engine.sources),
            "escalation": run_due,
            "campaigns": campaigns.run_due,
            "exercises": exercises.run_due,
            "meetings": meetings.run_due,
            "retention": self._retention,
        }
        ids: list[int] = []
        if rt.engine.router is not None:
            try:
                # Judge the providers also when nothing is being sent: a down one recovers.
                await rt.engine.router.refresh(force=True)
            except Exception:
                log.warning("sweep_step_failed", step="providers", exc_info=True)
        for name, step in steps.items():
            try:
                async with rt.sessionmaker() as session, session.begin():
                    ids += await step(session)
            except Exception:
                log.warning("sweep_step_failed", step=name, exc_info=True)
        if ids:
            log.info("sweeper_requeued", count=len(ids))
            rt.enqueuer.enqueue(ids)
        return len(ids)

    async def _retention(self, session: AsyncSession) -> list[int]:
        changed = await apply_retention(session, days=self.settings.retention_days)
        if changed:
            log.info("retention_anonymised", recipients=changed)
        return []

    async def sweep_forever(self, stopped: Callable[[], bool]) -> None:
        """Sweep every ``sweep_interval_seconds`` until ``stopped()``."""
        log.info("sweeper_started", interval_s=self.settings.sweep_interval_seconds)
        while not stopped():
            try:
                await self.sweep_once()
            except Exception:
                log.warning("sweep_failed", exc_info=True)
            await asyncio.sleep(self.settings.sweep_interval_seconds)

    async def close(self) -> None:
        if self._runtime is not None:
            await self._runtime.close()
            self._runtime = None
