"""The broker: Redis in production, Dramatiq's in-memory broker in the embedded mode."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from dispatch.delivery.ports import batches

DELIVERY_QUEUE = "deliveries"
DELIVER_BATCH = "deliver_batch"


def build_broker(broker_url: str) -> dramatiq.Broker:
    """A broker for ``embedded`` or a ``redis://`` URL, with async actors enabled."""
    broker: dramatiq.Broker
    if broker_url == "embedded":
        broker = StubBroker()
        broker.emit_after("process_boot")
    else:
        broker = RedisBroker(url=broker_url)
    broker.add_middleware(AsyncIO())
    return broker


def metrics_environment(*, host: str, port: int) -> None:
    """Where Dramatiq's Prometheus middleware serves and keeps its files. Dramatiq reads these
    when its module is imported, and prometheus_client when first imported, in each process:
    ``dispatch worker`` sets them before the CLI starts its processes, which inherit them."""
    directory = os.environ.setdefault(
        "dramatiq_prom_db", os.path.join(tempfile.gettempdir(), f"dispatch-metrics-{port}")
    )
    os.environ["dramatiq_prom_host"] = host  # noqa: SIM112 - Dramatiq's lower-case names
    os.environ["dramatiq_prom_port"] = str(port)  # noqa: SIM112
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory


def enable_metrics(broker: dramatiq.Broker, *, host: str, port: int) -> None:
    """Dramatiq's Prometheus middleware: an exposition server on ``host:port``, forked by the
    worker CLI, serving what every worker process writes to one shared directory (Dramatiq's
    metrics, and ``dispatch.metrics``' send times and outcomes)."""
    metrics_environment(host=host, port=port)
    from dramatiq.middleware.prometheus import Prometheus

    broker.add_middleware(Prometheus())


class DramatiqEnqueuer:
    """The core's ``Enqueuer`` port: delivery ids to the ``deliveries`` queue in batches."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker
        broker.declare_queue(DELIVERY_QUEUE)

    def enqueue(self, delivery_ids: Sequence[int], *, delay_ms: int = 0) -> None:
        for batch in batches(delivery_ids):
            message: dramatiq.Message[Any] = dramatiq.Message(
                queue_name=DELIVERY_QUEUE,
                actor_name=DELIVER_BATCH,
                args=(batch,),
                kwargs={},
                options={},
            )
            self.broker.enqueue(message, delay=delay_ms or None)
