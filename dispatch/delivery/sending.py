"""Handing one rendered message to a provider: its turn under the provider's rate, the
provider's "slow down" taken in place, SMS routed among providers and moved off one that fails,
and an earlier try with an unknown outcome settled before anything is sent again.

An uncertain try (its worker died, or the provider's answer was lost) is settled first: a
provider that can be asked (Twilio) is asked; a failed look-up sends the row back to the queue
to ask again after 10, 20, 40 and 80 s (``MAX_LOOKUPS``, about two and a half minutes). Past
that, or where the
provider cannot be asked (SMTP, Teams, LINK Mobility), the send is *decided*: for an alert a
possible duplicate is better than a silent miss, so it is sent again — through another provider
when there is one — marked ``possible_duplicate``, with the reason in the delivery's history.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from functools import lru_cache

import structlog

from channels.base import (
    Channel,
    ChannelKind,
    OutgoingMessage,
    PermanentChannelError,
    Reconciling,
    TransientChannelError,
)
from channels.sms_encoding import analyse
from dispatch.db.base import utcnow
from dispatch.delivery.history import EventKind
from dispatch.delivery.metrics import observe_send
from dispatch.delivery.outcomes import RATE_LIMITED_DELAY_S, Outcome
from dispatch.delivery.parts import Engine
from dispatch.delivery.sources import Job
from dispatch.providers.models import ProviderState
from dispatch.security.links import Links

log = structlog.get_logger("dispatch.delivery")

THROTTLED_RETRIES_IN_PLACE = 3
"""How often a send the provider answered 429 is tried again at once, before it goes elsewhere
or back to the queue."""
THROTTLED_WAIT_CAP_S = 5.0
MAX_LOOKUPS = 4
"""Failed look-ups of an uncertain try before its send is decided."""


@lru_cache(maxsize=4096)
def segments(text: str) -> int:
    """SMS segments ``text`` takes (what providers count their capacity in)."""
    return analyse(text).segments


async def send(job: Job, engine: Engine, gate: asyncio.Semaphore) -> Outcome:
    """Render ``job`` and hand it over; an outcome for every path."""
    links = Links(engine.base_url.rstrip("/"), engine.secret, job.id)
    message = engine.sources.get(job.source_kind).render(job, links)
    if job.channel == ChannelKind.EMAIL and engine.inbound_mail_domain:
        message = with_return_addresses(message, links, engine.inbound_mail_domain)
    if job.channel == ChannelKind.SMS and engine.router is not None:
        return await _send_sms(job, message, engine, gate)
    channel = engine.channels.get(ChannelKind(job.channel))
    decided = None
    if job.uncertain_since is not None:
        settled = await _settle(job, message, channel, gate)
        if isinstance(settled, Outcome):
            return settled
        decided = settled
    outcome = await _hand_over(job, message, channel, job.channel, 1, engine, gate)
    return _with_decision(outcome, decided)


def with_return_addresses(message: OutgoingMessage, links: Links, domain: str) -> OutgoingMessage:
    """The e-mail with its own Return-Path (bounces) and Reply-To (replies) at ``domain``, so
    whatever comes back names this delivery (VERP). Every kind of e-mail gets them here, in one
    place, whoever rendered it."""
    return dataclasses.replace(
        message,
        return_path=links.address("bounce", domain),
        reply_to=links.address("reply", domain),
    )


async def _send_sms(
    job: Job, message: OutgoingMessage, engine: Engine, gate: asyncio.Semaphore
) -> Outcome:
    router = engine.router
    assert router is not None
    await router.refresh()
    cost = segments(message.text)
    decided = None
    avoid: list[str] = []
    if job.uncertain_since is not None:
        had = engine.channels.provider(job.provider) if job.provider else None
        settled = await _settle(job, message, had, gate)
        if isinstance(settled, Outcome):
            return settled
        decided = settled
        if decided is not None and job.provider:
            avoid.append(job.provider)  # the one that may have it: another takes the resend
    first = job.provider if job.uncertain_since is None else None
    if first is not None and router.state_of(first) in (ProviderState.DOWN, ProviderState.DISABLED):
        first = None
    tried: list[str] = []
    events: list[tuple[str, str]] = []
    while True:
        name = first or router.choose(exclude=[*avoid, *tried]) or router.choose(exclude=tried)
        first = None
        channel = engine.channels.provider(name) if name else None
        if name is None or channel is None:
            reason = "no SMS provider can take it: every one is disabled"
            outcome = Outcome(job, transient=TransientChannelError(reason))
            break
        outcome = await _hand_over(job, message, channel, f"sms:{name}", cost, engine, gate)
        failure = outcome.transient
        if outcome.receipt is not None or failure is not None:
            await router.observe(
                name,
                sent=outcome.receipt is not None,
                segments=cost,
                error=failure.reason if failure else None,
            )
        elsewhere = (failure is not None and not failure.uncertain) or outcome.rate_limited
        tried.append(name)
        following = router.choose(exclude=[*avoid, *tried]) if elsewhere else None
        if following is None:
            break
        why = failure.reason if failure is not None else "no turn under its rate in time"
        events.append((EventKind.FAILOVER, f"{name}: {why}; sent through {following} instead"))
        first = following
    outcome.events = events + outcome.events
    return _with_decision(outcome, decided)


def _with_decision(outcome: Outcome, decided: str | None) -> Outcome:
    """Mark a decided send: a possible duplicate once a provider took it."""
    if decided is not None:
        outcome.events.insert(0, (EventKind.DECIDED, decided))
        outcome.possible_duplicate = outcome.receipt is not None
    return outcome


async def _hand_over(
    job: Job,
    message: OutgoingMessage,
    channel: Channel,
    key: str,
    cost: int,
    engine: Engine,
    gate: asyncio.Semaphore,
) -> Outcome:
    """One provider's try: a turn under its rate, and its "slow down" taken in place."""
    throttled = 0
    while True:
        if not await engine.limiter.acquire(key, job.priority, cost):
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


async def _settle(
    job: Job, message: OutgoingMessage, had: Channel | None, gate: asyncio.Semaphore
) -> Outcome | str | None:
    """An earlier try may have got through. The outcome when the provider says it has the
    message, or when asking failed and may be tried again; ``None`` when it says it does not
    (send, no duplicate); else the reason the send is decided without knowing."""
    since = job.uncertain_since or utcnow()
    if had is None:
        return "no provider is known to have had the earlier try"
    name = had.name
    if not isinstance(had, Reconciling):
        return f"{name} cannot be asked whether it took the earlier try"
    if job.lookups >= MAX_LOOKUPS:
        return f"{name} could not be asked whether it took the earlier try ({job.lookups} times)"
    async with gate:
        try:
            found = await had.find_sent(message, since)
        except TransientChannelError as exc:
            log.warning("reconcile_lookup_failed", delivery_id=job.id, reason=exc.reason)
            observe_send(job.channel, None, "lookup_failed")
            return Outcome(job, lookup_failed=exc.reason, provider=job.provider)
    if found is None:
        return None
    log.info("reconciled_with_provider", delivery_id=job.id, channel=job.channel)
    observe_send(job.channel, None, "reconciled")
    return Outcome(
        job,
        receipt=found,
        provider=had.name,
        events=[(EventKind.RECONCILED, f"{name} had the earlier try; nothing sent again")],
    )
