"""What the HTTP controllers share: the signed-in request, the ``Idempotency-Key`` header, and
the enqueuer the app hands delivery ids to."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.params import HeaderParameter

from channels.registry import ChannelRegistry
from dispatch.delivery.ports import Enqueuer
from dispatch.security.service import Principal

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


def channels_of(request: Request[Any, Any, State]) -> ChannelRegistry:
    """The app's channel adapters."""
    channels: ChannelRegistry = request.app.state[CHANNELS_STATE_KEY]
    return channels
