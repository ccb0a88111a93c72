"""The ports through which the core hands work to the queue, without importing Dramatiq.

The composition root (``dispatch.app``, ``dispatch.cli``, ``workers``) supplies the adapters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

BATCH_SIZE = 50
"""Delivery ids per queue message: one database round trip claims and records a whole batch."""


class Enqueuer(Protocol):
    """Hands delivery ids to the workers."""

    def enqueue(self, delivery_ids: Sequence[int], *, delay_ms: int = 0) -> None:
        """Queue the ids in batches of ``BATCH_SIZE``, in the order given."""
        ...


class RateLimiter(Protocol):
    """Admits at most a provider's rate (``workers.rate_limit`` implements it)."""

    async def acquire(self, key: str, priority: int = 1, cost: int = 1) -> bool:
        """Wait for the next turn to send ``cost`` units (an SMS's segments) under ``key``
        (``sms:<provider>``); False when none comes within this priority's wait. Sends of
        priority 0 take the turns before priority 1."""
        ...


class NoRateLimit:
    """Admits everything (for channels without a provider limit)."""

    async def acquire(self, key: str, priority: int = 1, cost: int = 1) -> bool:
        return True


def batches(ids: Sequence[int], size: int = BATCH_SIZE) -> list[list[int]]:
    """Split ids into lists of at most ``size``, keeping their order."""
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]
