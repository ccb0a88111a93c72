"""Delivery states move forward only."""

from __future__ import annotations

import pytest

from dispatch.delivery.models import DeliveryState as S
from dispatch.delivery.outcomes import BACKOFF_CAP_S, backoff
from dispatch.delivery.ports import batches
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
