"""A worker told to stop stops: its Dramatiq workers and its sweeper shut down cleanly, even
when SIGTERM reaches every process of the group (as from systemd), not only the main one."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.processes import free_port, run, stack_env, start_worker, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_sigterm_to_the_process_group_shuts_the_worker_down_cleanly(
    dispatch_bin: str, clean_postgres: str, redis_url: str, tmp_path: Path
) -> None:
    twilio = SimpleNamespace(account_sid="AC" + "0" * 32, auth_token="x", base_url="http://x")
    env = stack_env(
        database_url=clean_postgres,
        redis_url=redis_url,
        port=free_port(),
        smtp_port=free_port(),
        twilio=twilio,
        sweep_interval_seconds="1",
    )
    run(dispatch_bin, env, "db", "upgrade")
    log = tmp_path / "worker.log"
    worker = start_worker(dispatch_bin, env, log)
    wait_until(lambda: "sweeper_started" in log.read_text(), timeout=30, what="worker ready")
    # Let it settle into its idle loop: a signal that arrives while it is still starting up is
    # folded into the next one by Python, which would hide the double delivery.
    time.sleep(3)
    assert worker.stop(), "the worker had to be killed: " + log.read_text()[-2000:]
    text = log.read_text()
    assert "Worker has been shut down." in text
    assert "Killing worker process" not in text
    assert worker.popen.returncode == 0
