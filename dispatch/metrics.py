"""Prometheus metrics.

The API's ``/metrics`` computes at scrape time what the database and the broker hold
(deliveries by channel and state, acknowledgements, the queue's depth), so every API replica
reports the same numbers and nothing is lost when a process restarts. The workers count what
only they see, the provider's answer time and each send's outcome, and Dramatiq's own
middleware exposes those with its metrics from each worker host (``DISPATCH_WORKER_METRICS_PORT``).

``prometheus_client`` is imported when first needed: a worker process must set
``PROMETHEUS_MULTIPROC_DIR`` before that import, so that its processes share one set of files.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import Acknowledgement
from dispatch.delivery.models import Delivery

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
QUEUE = "deliveries"


async def _broker_depth(broker_url: str) -> dict[str, int]:
    """Messages waiting in Dramatiq's Redis queues (ready, and delayed for a retry)."""
    if not broker_url.startswith("redis"):
        return {}
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(broker_url, socket_timeout=2)
    try:
        ready = await client.llen(f"dramatiq:{QUEUE}")
        delayed = await client.llen(f"dramatiq:{QUEUE}.DQ")
    finally:
        await client.aclose()
    return {QUEUE: int(ready), f"{QUEUE}.DQ": int(delayed)}


async def exposition(session: AsyncSession, *, broker_url: str) -> bytes:
    """The text format for one scrape: the database's and broker's numbers, then this
    process's own registry (process metrics; in the embedded mode, its sends too)."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
    from prometheus_client.registry import Collector

    by_state = (
        await session.execute(
            select(Delivery.channel, Delivery.state, func.count()).group_by(
                Delivery.channel, Delivery.state
            )
        )
    ).all()
    acknowledgements = await session.scalar(select(func.count()).select_from(Acknowledgement))
    depth = await _broker_depth(broker_url)

    class Snapshot(Collector):
        def collect(self) -> Iterator[Any]:
            deliveries = GaugeMetricFamily(
                "dispatch_deliveries",
                "Deliveries in the outbox by channel and state.",
                labels=["channel", "state"],
            )
            for channel, state, count in by_state:
                deliveries.add_metric([str(channel), str(state)], int(count))
            yield deliveries
            yield CounterMetricFamily(
                "dispatch_acknowledgements",
                "Acknowledgements recorded (by link and by SMS).",
                value=int(acknowledgements or 0),
            )
            queued = GaugeMetricFamily(
                "dispatch_queue_depth",
                "Messages waiting in the broker's queues.",
                labels=["queue"],
            )
            for queue, count in depth.items():
                queued.add_metric([queue], count)
            yield queued

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Snapshot())
    return generate_latest(registry) + generate_latest(REGISTRY)
