"""What the HTTP controllers share: the signed-in request, the ``Idempotency-Key`` header, and
the enqueuer the app hands delivery ids to."""

from __future__ import annotations

from typing import Annotated

from litestar import Request
from litestar.datastructures import State
from litestar.params import HeaderParameter

from dispatch.delivery.ports import Enqueuer
from dispatch.security.service import Principal

ENQUEUER_STATE_KEY = "dispatch_enqueuer"
AuthedRequest = Request[Principal, None, State]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="Repeat the request safely: the same key returns the first result.",
        max_length=200,
    ),
]


def enqueuer_of(request: AuthedRequest) -> Enqueuer:
    enqueuer: Enqueuer = request.app.state[ENQUEUER_STATE_KEY]
    return enqueuer
