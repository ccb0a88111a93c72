"""``dispatch serve`` with several processes keeps them through a stretch where one cannot
answer its supervisor: uvicorn replaced a process that did not answer its ping within 5 s, and
then each replacement too, before it had finished importing on a busy machine (the benchmark's
acknowledgements saw an API process replaced every 6 s, one of two processes short for good)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.fakes.smtp import SmtpSink
from tests.fakes.twilio import FakeTwilio
from tests.processes import free_port, stack_env, start_api

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(300)]

UNANSWERING_S = 8.0
"""Longer than uvicorn's default ping timeout (5 s), far shorter than ours."""


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid), "-f", "spawn_main"], capture_output=True)
    return sorted(int(p) for p in found.stdout.split())


def test_a_process_that_cannot_answer_for_a_while_is_kept(
    dispatch_bin: str,
    clean_postgres: str,
    redis_url: str,
    fake_twilio: FakeTwilio,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    port = free_port()
    env = stack_env(
        database_url=clean_postgres,
        redis_url=redis_url,
        port=port,
        smtp_port=smtp_sink.port,
        twilio=fake_twilio,
        api_processes="2",
    )
    api = start_api(dispatch_bin, env, port, tmp_path / "api.log")
    try:
        # Given the API's two processes, both started,
        deadline = time.monotonic() + 30
        while len(before := _children(api.popen.pid)) < 2:
            assert time.monotonic() < deadline, before
            time.sleep(0.2)
        # when one of them cannot run for longer than uvicorn's default ping timeout (as on two
        # cores under full load; here it is stopped),
        os.kill(before[0], signal.SIGSTOP)
        try:
            stopped_until = time.monotonic() + UNANSWERING_S
            while time.monotonic() < stopped_until:
                # the other goes on answering,
                assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=60).status_code == 200
                time.sleep(0.5)
        finally:
            with contextlib.suppress(ProcessLookupError):  # killed by the supervisor
                os.kill(before[0], signal.SIGCONT)
        time.sleep(1.0)
        # then both are still the API's processes: none was killed and replaced.
        assert _children(api.popen.pid) == before, api.log.read_text()[-2000:]
    finally:
        api.stop()
