"""Workers inside ``dispatch serve`` on the in-memory broker (the embedded default)."""

from __future__ import annotations

import dramatiq

from dispatch.settings import Settings
from workers.actors import Actors
from workers.broker import DramatiqEnqueuer, build_broker
from workers.lifecycle import SweeperMiddleware


class EmbeddedWorkers:
    """Worker threads and the sweeper, started and stopped with the app."""

    def __init__(self, settings: Settings) -> None:
        self.broker = build_broker("embedded")
        self.actors = Actors(self.broker, settings)
        self.broker.add_middleware(SweeperMiddleware(self.actors))
        self.enqueuer = DramatiqEnqueuer(self.broker)
        self.worker = dramatiq.Worker(self.broker, worker_threads=settings.worker_threads)

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop(timeout=10_000)
