"""Delivery states only move forward: a late ``sent`` never overwrites ``delivered``.

One exception, outside ``can_move``: an e-mail's bounce fails a ``delivered`` e-mail
(``dispatch.delivery.bounces``), since the mail server's acceptance was not the last word.

queued ─▶ sending ─▶ sent ─▶ delivered
   ▲         │         └───▶ undeliverable
   └─────────┤ (transient error: back to queued for a retry)
             └────────────▶ failed
"""

from __future__ import annotations

from dispatch.delivery.models import DeliveryState

S = DeliveryState
FINAL = frozenset({S.DELIVERED, S.FAILED, S.UNDELIVERABLE})
RANK = {S.QUEUED: 0, S.SENDING: 1, S.SENT: 2, S.DELIVERED: 3, S.FAILED: 3, S.UNDELIVERABLE: 3}


def can_move(current: str, new: str) -> bool:
    """Whether a delivery in ``current`` may move to ``new`` (by a callback or an outcome)."""
    now, then = S(current), S(new)
    if now in FINAL:
        return False
    return RANK[then] > RANK[now]


def states_before(new: str) -> list[str]:
    """Every state from which ``new`` is a forward move (for ``UPDATE … WHERE state IN``)."""
    return [s.value for s in S if can_move(s, new)]
