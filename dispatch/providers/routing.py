"""Choosing the SMS provider for each send, and moving traffic away from one that fails.

Every worker process has one ``SmsRouter``. It reads the providers' states from the database
(where every process and the dashboard see them), judges each provider from the counts that
every worker adds (``health``) and from how many of its SMS still wait for a delivery report,
and changes a state with a conditional update, so that of several processes reaching the same
verdict one records it, in the audit log with its reason.

GOV.UK Notify's switching is the anchor (50 errors in 60 s cost 10 points of weight; slow when
15 % of 15 minutes' SMS took over 5 minutes). Here a provider is judged every second on its last
10 seconds, so traffic moves within seconds:

    state      traffic                      when it moves
    active     its weight                   → degraded: ≥ 3 failures and ≥ 20 % of its sends
                                              (10 s), or ≥ 50 % of its SMS without a report
                                            → down: ≥ 5 failures and ≥ 50 % (10 s), or ≥ 80 %
                                              without a report (of ≥ 20 handed over 10–20 s ago)
    degraded   a quarter of its weight      → active: 30 s without a failure and ≥ 5 sends taken
    down       none                         → degraded after 15 s: tried again, gradually
    disabled   none                         only an admin moves it (``PATCH /api/v1/sms/providers``)

When every provider is down, sends still go to the down ones: a try is better than silence.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import structlog
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.providers import ProviderConfig
from dispatch.providers import reasons, service
from dispatch.providers.health import HealthCounters
from dispatch.providers.models import ProviderState

log = structlog.get_logger("dispatch.providers")

REFRESH_S = 1.0
"""How often a process re-reads the states and judges the providers."""
REPORTS_EVERY_S = 5.0
"""How often it counts the SMS still waiting for a report (one query)."""
COOL_OFF_S = 15.0
"""How long a provider stays down before it is tried again."""
CLEAN_S = 30.0
"""How long a degraded provider must go without a failure to be active again."""
DEGRADED_SHARE = 4
"""A degraded provider gets its weight divided by this."""

ReportCounts = Callable[[AsyncSession, Sequence[str]], Awaitable[Mapping[str, tuple[int, int]]]]
"""Per provider: SMS handed over 10 to 20 s ago, and how many of them still have no report."""


@dataclass(frozen=True, slots=True)
class Health:
    """What a provider is judged on."""

    sent_10s: int = 0
    failed_10s: int = 0
    sent_30s: int = 0
    failed_30s: int = 0
    handed: int = 0
    unreported: int = 0
    last_error: str | None = None


def verdict(state: str, since_change_s: float, health: Health) -> tuple[str, str] | None:
    """The state a provider should move to, with the reason; ``None`` to stay."""
    if state == ProviderState.DISABLED:
        return None
    tried = health.sent_10s + health.failed_10s
    share = health.failed_10s / tried if tried else 0.0
    late = health.unreported / health.handed if health.handed >= 20 else 0.0
    failing = reasons.FAILING.format(failed=health.failed_10s, tried=tried) + (
        reasons.LAST_ERROR.format(error=health.last_error) if health.last_error else ""
    )
    silent = reasons.SILENT.format(unreported=health.unreported, handed=health.handed)
    if state != ProviderState.DOWN:
        if late >= 0.8:
            return ProviderState.DOWN, silent
        if health.failed_10s >= 5 and share >= 0.5:
            return ProviderState.DOWN, failing
    if state == ProviderState.ACTIVE:
        if late >= 0.5:
            return ProviderState.DEGRADED, silent
        if health.failed_10s >= 3 and share >= 0.2:
            return ProviderState.DEGRADED, failing
        return None
    if state == ProviderState.DOWN:
        if since_change_s >= COOL_OFF_S:
            return ProviderState.DEGRADED, reasons.RETRIED.format(seconds=f"{COOL_OFF_S:.0f}")
        return None
    # degraded
    if since_change_s >= CLEAN_S and health.failed_30s == 0 and health.sent_30s >= 5 and late < 0.5:
        return ProviderState.ACTIVE, reasons.CLEAN.format(sent=health.sent_30s)
    return None


def effective_weight(state: str, weight: int) -> int:
    """The share of traffic a provider in ``state`` gets."""
    if state == ProviderState.ACTIVE:
        return weight
    if state == ProviderState.DEGRADED:
        return max(1, weight // DEGRADED_SHARE) if weight else 0
    return 0


class SmsRouter:
    """Picks a provider for each SMS and keeps the providers' states up to date."""

    def __init__(
        self,
        configs: Sequence[ProviderConfig],
        *,
        counters: HealthCounters,
        sessionmaker: async_sessionmaker[AsyncSession],
        report_counts: ReportCounts,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.configs = {c.name: c for c in configs}
        self.counters = counters
        self._sessionmaker = sessionmaker
        self._report_counts = report_counts
        self._clock = clock
        self._states: dict[str, service.StateRow] = {}
        self._reports: Mapping[str, tuple[int, int]] = {}
        self._refreshed = -float("inf")
        self._reports_at = -float("inf")

    @property
    def names(self) -> list[str]:
        """The configured providers, in order."""
        return list(self.configs)

    def state_of(self, name: str) -> str:
        """The state last read for ``name``."""
        row = self._states.get(name)
        return row.state if row is not None else ProviderState.ACTIVE

    def weight_of(self, name: str) -> int:
        """The weight in force: an admin's, else the configured one."""
        row = self._states.get(name)
        if row is not None and row.weight is not None:
            return row.weight
        return self.configs[name].weight

    def choose(self, *, exclude: Sequence[str] = ()) -> str | None:
        """A provider for the next send: by weight among the healthy ones; when none is healthy,
        any that is not disabled; ``None`` when every one is disabled or excluded."""
        candidates = [n for n in self.configs if n not in exclude]
        weighted = [(n, effective_weight(self.state_of(n), self.weight_of(n))) for n in candidates]
        usable = [(n, w) for n, w in weighted if w > 0]
        if usable:
            names = [n for n, _ in usable]
            chosen: str = random.choices(names, weights=[w for _, w in usable])[0]  # noqa: S311
            return chosen
        fallback = [n for n in candidates if self.state_of(n) != ProviderState.DISABLED]
        return random.choice(fallback) if fallback else None  # noqa: S311

    async def observe(self, name: str, *, sent: bool, segments: int, error: str | None) -> None:
        """Count one send's outcome at ``name``: taken, or failed with ``error``."""
        counts = {"sent": 1, "segments": segments} if sent else {"failed": 1}
        try:
            await self.counters.add(name, counts, None if sent else error)
        except (RedisError, OSError) as exc:
            # Counting is for judging providers; a send that went through stays sent.
            log.warning("sms_health_count_failed", provider=name, error=type(exc).__name__)

    async def refresh(self, *, force: bool = False) -> None:
        """Re-read the states and judge every provider (at most every ``REFRESH_S``)."""
        now = self._clock()
        if not force and now - self._refreshed < REFRESH_S:
            return
        self._refreshed = now
        async with self._sessionmaker() as session, session.begin():
            self._states = await service.load_states(session, self.configs)
            if force or now - self._reports_at >= REPORTS_EVERY_S:
                self._reports = await self._report_counts(session, self.names)
                self._reports_at = now
        for name in self.names:
            await self._judge(name)

    async def _judge(self, name: str) -> None:
        row = self._states[name]
        ten = await self.counters.window(name, 10)
        thirty = await self.counters.window(name, 30)
        handed, unreported = self._reports.get(name, (0, 0))
        health = Health(
            sent_10s=ten["sent"],
            failed_10s=ten["failed"],
            sent_30s=thirty["sent"],
            failed_30s=thirty["failed"],
            handed=handed,
            unreported=unreported,
            last_error=await self.counters.last_error(name),
        )
        change = verdict(row.state, row.age_s(), health)
        if change is None:
            return
        state, reason = change
        async with self._sessionmaker() as session, session.begin():
            changed = await service.change_state(
                session, name, before=row.state, after=state, reason=reason
            )
            self._states[name] = await service.load_state(session, name)
        if changed:
            log.warning("sms_provider_state", provider=name, state=state, reason=reason)
