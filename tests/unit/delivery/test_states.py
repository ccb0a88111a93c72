"""Delivery states move forward only."""

from __future__ import annotations

import pytest

from channels.base import TransientChannelError
from dispatch.delivery.models import DeliveryState as S
from dispatch.delivery.outcomes import BACKOFF_CAP_S, LOOKUP_DELAY_S, Outcome, _retry, backoff
from dispatch.delivery.ports import batches
from dispatch.delivery.sources import Job, SourceKind
from dispatch.delivery.states import can_move, states_before


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (S.QUEUED, S.SENDING, True),
        (S.SENDING, S.SENT, True),
        (S.SENT, S.DELIVERED, True),
        (S.SENDING, S.DELIVERED, True),  # a callback overtaking our own record
        (S.DELIVERED, S.SENT, False),  # a late "sent" never overwrites "delivered"
        (S.DELIVERED, S.DELIVERED, False),  # the same callback twice changes nothing
        (S.FAILED, S.DELIVERED, False),
        (S.UNDELIVERABLE, S.DELIVERED, False),
        (S.SENT, S.UNDELIVERABLE, True),
        (S.SENT, S.QUEUED, False),
    ],
)
def test_can_move(current: S, new: S, allowed: bool) -> None:
    assert can_move(current, new) is allowed


def test_states_before_delivered_excludes_final_states() -> None:
    assert set(states_before(S.DELIVERED)) == {"queued", "sending", "sent"}
    assert set(states_before(S.SENT)) == {"queued", "sending"}


def test_batches_keep_order_and_size() -> None:
    ids = list(range(1, 121))
    split = batches(ids, 50)
    assert [len(b) for b in split] == [50, 50, 20]
    assert [i for b in split for i in b] == ids


def test_backoff_grows_with_jitter_under_a_cap() -> None:
    first = [backoff(1) for _ in range(200)]
    later = [backoff(6) for _ in range(200)]
    assert all(1.0 <= d <= 2.0 for d in first)
    assert all(32.0 <= d <= 64.0 for d in later)
    assert len(set(first)) > 100  # jittered, so retries do not stampede together
    assert all(d <= BACKOFF_CAP_S for d in (backoff(30) for _ in range(50)))
    assert backoff(1, retry_after=30) == 30


def _first_try(error: TransientChannelError) -> Outcome:
    job = Job(1, SourceKind.INCIDENT, 1, "sms", "+4741000100", "nb", attempts=1, priority=0)
    return Outcome(job, transient=error)


def test_a_timed_out_try_is_looked_up_only_after_the_provider_could_have_taken_it() -> None:
    # A provider still holding a request we gave up on may take it seconds later: a look-up
    # a second after the timeout finds nothing and sends a second copy.
    timed_out = TransientChannelError("Twilio did not answer in time", uncertain=True)
    refused = TransientChannelError("Twilio could not be reached")
    uncertain = [_retry(_first_try(timed_out)) for _ in range(50)]
    certain = [_retry(_first_try(refused)) for _ in range(50)]
    assert all(r is not None and r.delay_s >= LOOKUP_DELAY_S for r in uncertain)
    assert all(r is not None and r.delay_s <= 2.0 for r in certain)
