"""Liveness, readiness, and the Prometheus metrics."""

from __future__ import annotations

import time
from typing import Any

from litestar import Request, get
from litestar.response import Response
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text

from dispatch import metrics as prometheus
from dispatch.db.session import DbSession, sessionmaker_from
from dispatch.security.guards import READ
from dispatch.settings import Settings


@get("/health", tags=["health"], summary="Liveness: the process answers", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


async def _broker_answers(broker_url: str) -> str:
    """``ok``, ``embedded`` (in-process, nothing to reach) or why Redis did not answer."""
    if not broker_url.startswith("redis"):
        return "embedded"
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(broker_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:
        return type(exc).__name__
    finally:
        await client.aclose()
    return "ok"


READY_STATE_KEY = "dispatch_ready"
READY_CACHE_SECONDS = 1.0


async def _check(request: Request[Any, Any, Any]) -> dict[str, str]:
    settings: Settings = request.app.state["settings"]
    body = {"status": "ok", "database": "ok"}
    try:
        async with sessionmaker_from(request.app.state)() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        body["database"] = type(exc).__name__
    body["broker"] = await _broker_answers(settings.broker_url)
    return body


@get(
    "/health/ready",
    tags=["health"],
    summary="Readiness: the database and the broker answer",
    description="503 with `Retry-After` and what failed, so a load balancer stops sending here.",
)
async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    # Anyone may ask, so the answer is worked out at most once a second per process: a flood of
    # anonymous requests costs no more database queries or Redis connections than one a second.
    cached: tuple[float, dict[str, str]] | None = request.app.state.get(READY_STATE_KEY)
    now = time.monotonic()
    if cached is None or now - cached[0] >= READY_CACHE_SECONDS:
        cached = (now, await _check(request))
        request.app.state[READY_STATE_KEY] = cached
    body = dict(cached[1])
    if body["database"] != "ok" or body["broker"] not in ("ok", "embedded"):
        body["status"] = "unavailable"
        return Response(
            body, status_code=HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"}
        )
    return Response(body)


@get(
    "/metrics",
    guards=[READ],
    tags=["health"],
    summary="Prometheus metrics (any API token)",
    description=(
        "Deliveries by channel and state, acknowledgements, and the broker's queue depth, read "
        "at each scrape; then this process's own metrics. Workers expose Dramatiq's metrics and "
        "provider answer times on `DISPATCH_WORKER_METRICS_PORT`."
    ),
    media_type=prometheus.CONTENT_TYPE,
)
async def metrics(request: Request[Any, Any, Any], db_session: DbSession) -> Response[bytes]:
    settings: Settings = request.app.state["settings"]
    body = await prometheus.exposition(db_session, broker_url=settings.broker_url)
    return Response(body, media_type=prometheus.CONTENT_TYPE)
