"""``dispatch worker``: Dramatiq's own CLI on ``workers.main``, with processes and threads."""

from __future__ import annotations

import dramatiq.cli

from dispatch.settings import get_settings
from workers.broker import DELIVERY_QUEUE, metrics_environment


def run_worker(*, processes: int, threads: int) -> int:
    """Run worker processes until stopped; returns Dramatiq's exit code."""
    settings = get_settings()
    if settings.worker_metrics_port:
        # Before the CLI forks: its metrics server and the workers inherit where to meet.
        metrics_environment(host=settings.worker_metrics_host, port=settings.worker_metrics_port)
    parser = dramatiq.cli.make_argument_parser()
    args = parser.parse_args(
        [
            "workers.main",
            "--processes",
            str(processes),
            "--threads",
            str(threads),
            "--queues",
            DELIVERY_QUEUE,
        ]
    )
    code: int = dramatiq.cli.main(args)
    return code
