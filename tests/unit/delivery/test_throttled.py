"""A provider's 429 only says "later": the send takes a new turn where it is, keeping its place,
and only after a few such answers does its row go back to the queue, without losing a try."""

from __future__ import annotations

import asyncio

import pytest

from channels.base import ChannelKind, OutgoingMessage, Receipt, TransientChannelError
from dispatch.delivery import outcomes
from dispatch.delivery.outcomes import Outcome
from dispatch.delivery.ports import NoRateLimit
from dispatch.delivery.sending import THROTTLED_RETRIES_IN_PLACE
from dispatch.delivery.sending import send as _send
from dispatch.delivery.sources import Job
from tests.unit.delivery.test_reconcile import engine, job


class SlowingSms:
    """A stand-in SMS provider that answers 429 ``refusals`` times, then takes the message."""

    kind = ChannelKind.SMS
    name = "slowing"

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.tries = 0

    async def send(self, message: OutgoingMessage) -> Receipt:
        self.tries += 1
        if self.tries <= self.refusals:
            raise TransientChannelError("slow down", code="20429", retry_after=0.01, throttled=True)
        return Receipt(provider_id="SMok", delivered=False)

    async def close(self) -> None:
        return None


class CountingLimit(NoRateLimit):
    def __init__(self) -> None:
        self.turns = 0

    async def acquire(self, key: str, priority: int = 1, cost: int = 1) -> bool:
        self.turns += 1
        return True


async def _send_one(provider: SlowingSms, limiter: CountingLimit, the_job: Job) -> Outcome:
    return await _send(the_job, engine(provider, limiter), asyncio.Semaphore(1))


async def test_a_send_answered_429_takes_a_new_turn_and_gets_through() -> None:
    provider, limiter = SlowingSms(refusals=2), CountingLimit()
    outcome = await _send_one(provider, limiter, job(None))
    assert outcome.receipt is not None
    assert outcome.receipt.provider_id == "SMok"
    assert provider.tries == 3
    assert limiter.turns == 3  # every try waited for its own turn under the rate limit


async def test_a_send_refused_again_and_again_goes_back_to_the_queue() -> None:
    provider, limiter = SlowingSms(refusals=100), CountingLimit()
    outcome = await _send_one(provider, limiter, job(None))
    assert outcome.transient is not None
    assert outcome.transient.throttled
    assert provider.tries == THROTTLED_RETRIES_IN_PLACE + 1


@pytest.mark.parametrize("attempts", [1, outcomes.MAX_ATTEMPTS])
def test_a_429_is_not_counted_as_a_try(attempts: int) -> None:
    the_job = job(None)
    the_job.attempts = attempts
    refused = TransientChannelError("slow down", code="20429", retry_after=2, throttled=True)
    failed = TransientChannelError("Twilio had an internal error", code="20500")
    throttled = outcomes._retry(Outcome(the_job, transient=refused))
    failed_try = outcomes._retry(Outcome(the_job, transient=failed))
    # A 429 goes back to the queue even after the last real try, which it does not count,
    assert throttled is not None
    assert throttled.attempts == attempts - 1
    assert throttled.delay_s == 2
    # while an error from the provider counts, and fails the row after the last try.
    if attempts == outcomes.MAX_ATTEMPTS:
        assert failed_try is None
    else:
        assert failed_try is not None
        assert failed_try.attempts == attempts
