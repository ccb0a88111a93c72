"""What the workers count of their own sends: the provider's answer time and each outcome.

``prometheus_client`` is imported when first needed: a worker process must set
``PROMETHEUS_MULTIPROC_DIR`` before that import, so that its processes share one set of files
(``dispatch.metrics`` serves the API's side).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

PROVIDER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@lru_cache(maxsize=1)
def _send_metrics() -> tuple[Any, Any]:
    import prometheus_client as prom

    latency = prom.Histogram(
        "dispatch_provider_seconds",
        "How long the provider took to answer a send, by channel.",
        ["channel"],
        buckets=PROVIDER_BUCKETS,
    )
    outcomes = prom.Counter(
        "dispatch_sends_total",
        "Sends by channel and outcome (accepted, retry, failed, reconciled, lookup_failed).",
        ["channel", "outcome"],
    )
    return latency, outcomes


def observe_send(channel: str, seconds: float | None, outcome: str) -> None:
    """Count one send; ``seconds`` is the provider's answer time when it answered."""
    latency, outcomes = _send_metrics()
    if seconds is not None:
        latency.labels(channel).observe(seconds)
    outcomes.labels(channel, outcome).inc()
