"""The broker: Redis in production, Dramatiq's in-memory broker in the embedded mode."""

from __future__ import annotations

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
