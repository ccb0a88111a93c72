"""Starting and stopping the sweeper with a worker, in the worker's own event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
import time
from types import FrameType

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from workers.actors import Actors, log


class SweeperMiddleware(Middleware):
    """Runs ``Actors.sweep_forever`` while the worker runs; closes the runtime once the worker
    threads have finished their batches."""

    def __init__(self, actors: Actors) -> None:
        self.actors = actors
        self.stopping = False
        self.future: concurrent.futures.Future[None] | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        thread = get_event_loop_thread()
        assert thread is not None, "the AsyncIO middleware must come first"
        self.future = asyncio.run_coroutine_threadsafe(
            self.actors.sweep_forever(lambda: self.stopping), thread.loop
        )
        self.future.add_done_callback(self._ended)

    def _ended(self, future: concurrent.futures.Future[None]) -> None:
        # The sweeper only ends at shutdown; ending earlier would leave lost rows unfound.
        if not self.stopping and not future.cancelled() and future.exception() is not None:
            log.error("sweeper_stopped", error=type(future.exception()).__name__)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self.stopping = True
        if self.future is not None:
            self.future.cancel()
        # Sends still waiting for an SMS slot give up now rather than hold the shutdown for up
        # to their wait; their rows go back to the queue for another worker.
        thread = get_event_loop_thread()
        runtime = self.actors.built_runtime
        if thread is not None and runtime is not None:
            thread.loop.call_soon_threadsafe(runtime.limiter.stop)

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # The worker threads have finished their batches: only now close the channels and the
        # engine they used. Dramatiq calls "after" hooks in reverse order, so this runs before
        # the AsyncIO middleware stops the event loop.
        thread = get_event_loop_thread()
        if thread is not None:
            asyncio.run_coroutine_threadsafe(self.actors.close(), thread.loop).result(timeout=10)


DUPLICATE_SIGNAL_WINDOW_S = 2.0


def coalesce_duplicate_sigterm(window_s: float = DUPLICATE_SIGNAL_WINDOW_S) -> bool:
    """Treat a second SIGTERM that arrives right after the first as the same request.

    A process manager that signals the whole process group (``systemd``'s default, ``kill``
    on a group) reaches each worker process twice: directly, and forwarded by Dramatiq's main
    process. Dramatiq reads a second SIGTERM as "kill now" and exits without stopping its
    workers, so the in-process sweeper never hears of the shutdown and the process lingers
    until it is killed. A second signal later than ``window_s`` still kills at once.

    Installed only over Dramatiq's own handler in a worker process; returns whether it was.
    """
    original = signal.getsignal(signal.SIGTERM)
    if not callable(original) or getattr(original, "__name__", "") != "termhandler":
        return False
    first: float | None = None

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal first
        now = time.monotonic()
        if first is not None and now - first < window_s:
            return
        first = first if first is not None else now
        original(signum, frame)

    signal.signal(signal.SIGTERM, handler)
    return True
