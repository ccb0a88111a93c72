"""``dispatch worker``: Dramatiq's own CLI on ``workers.main``, with processes and threads."""

from __future__ import annotations

import dramatiq.cli

from workers.broker import DELIVERY_QUEUE


def run_worker(*, processes: int, threads: int) -> int:
    """Run worker processes until stopped; returns Dramatiq's exit code."""
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
