"""What the HTTP controllers share: the signed-in request, the ``Idempotency-Key`` header, and
the enqueuer the app hands delivery ids to."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Annotated, Any

import structlog
from litestar import Request
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.params import HeaderParameter

from channels.registry import ChannelRegistry
from dispatch.delivery.ports import Enqueuer
from dispatch.security.service import Principal

log = structlog.get_logger("dispatch.requests")

ENQUEUER_STATE_KEY = "dispatch_enqueuer"
CHANNELS_STATE_KEY = "dispatch_channels"
ROUTER_STATE_KEY = "dispatch_inbound_router"
"""The app's channel adapters: the providers' own view of their webhooks, Teams test cards."""
AuthedRequest = Request[Principal, None, State]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="Repeat the request safely: the same key returns the first result.",
        max_length=200,
    ),
]


def enqueuer_of(request: Request[Any, Any, State]) -> Enqueuer:
    """The enqueuer the app hands delivery ids to."""
    enqueuer: Enqueuer = request.app.state[ENQUEUER_STATE_KEY]
    return enqueuer


def enqueue_after_response(request: Request[Any, Any, State], ids: Sequence[int]) -> BackgroundTask:
    """Hand ``ids`` to the queue once the response is sent, off the event loop.

    The rows are committed first, so nothing waits on this: a national alert's 20,000 ids are
    400 queue messages, a Redis round trip each, which held the answer to the coordinator (and
    every other request on this process's event loop) for about 100 ms. Should the queue be
    unreachable, the rows stay ``queued`` and the sweeper hands them over
    (``requeue_after_seconds``), as after a broker restart."""
    enqueuer = enqueuer_of(request)

    async def hand_over() -> None:
        try:
            await asyncio.to_thread(enqueuer.enqueue, list(ids))
        except Exception as exc:
            log.warning("enqueue_failed", deliveries=len(ids), error=type(exc).__name__)

    return BackgroundTask(hand_over)


def channels_of(request: Request[Any, Any, State]) -> ChannelRegistry:
    """The app's channel adapters."""
    channels: ChannelRegistry = request.app.state[CHANNELS_STATE_KEY]
    return channels
