"""Real ``dispatch serve`` and ``dispatch worker`` processes for integration tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until(
    check: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.2
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def clean_env(**settings: str) -> dict[str, str]:
    """The environment without our variables, plus ``settings`` as ``DISPATCH_*``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    env.update({f"DISPATCH_{k.upper()}": v for k, v in settings.items()})
    return env


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.popen = subprocess.Popen(
            args, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group: Dramatiq's CLI forks worker processes."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=15)

    def terminate(self) -> None:
        """SIGTERM the whole group and return at once; ``popen.wait`` for the end."""
        os.killpg(self.popen.pid, signal.SIGTERM)

    def stop(self) -> bool:
        """SIGTERM the whole group, as systemd does; True if it ended by itself within 20 s."""
        graceful = True
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                graceful = False
                self.kill()
        self._out.close()
        return graceful


STARTUP_S = 120.0
"""How long a ``dispatch serve`` may take to answer /health in a test."""


def start_api(dispatch_bin: str, env: dict[str, str], port: int, log: Path) -> Process:
    process = spawn_api(dispatch_bin, env, port, log)
    try:
        wait_healthy(process, port)
    except BaseException:
        process.stop()  # not left running (and taking the cores) after a failed start
        raise
    return process


def spawn_api(dispatch_bin: str, env: dict[str, str], port: int, log: Path) -> Process:
    """``dispatch serve`` on ``port``, not waited for: start several, then ``wait_healthy``."""
    return Process([dispatch_bin, "serve", "--port", str(port)], env, log)


def wait_healthy(process: Process, port: int) -> None:
    """Until the ``dispatch serve`` on ``port`` answers ``/health``; fails if it ended."""
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.alive(), process.log.read_text()[-3000:]
        try:
            return httpx.get(f"{base}/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    # Start-up takes a few seconds; on a CI machine under full load it took over 30.
    wait_until(healthy, timeout=STARTUP_S, what="dispatch serve to answer /health")


def start_worker(dispatch_bin: str, env: dict[str, str], log: Path, *, threads: int = 4) -> Process:
    return Process(
        [dispatch_bin, "worker", "--processes", "1", "--threads", str(threads)], env, log
    )


def run(dispatch_bin: str, env: dict[str, str], *args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [dispatch_bin, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def stack_env(
    *,
    database_url: str,
    redis_url: str,
    port: int,
    smtp_port: int,
    twilio: Any,
    **settings: str,
) -> dict[str, str]:
    """Settings for API and worker processes wired to PostgreSQL, Redis and the fakes."""
    return clean_env(
        database_url=database_url,
        broker_url=redis_url,
        base_url=f"http://127.0.0.1:{port}",
        secret_key="test-stack-secret-of-at-least-32-bytes",
        smtp_host="127.0.0.1",
        smtp_port=str(smtp_port),
        smtp_starttls="false",
        email_from="beredskap@helsedir.example",
        twilio_account_sid=twilio.account_sid,
        twilio_auth_token=twilio.auth_token,
        twilio_from="+4759440000",
        twilio_api_base=twilio.base_url,
        allow_loopback_webhooks="true",
        **settings,
    )


def create_token(dispatch_bin: str, env: dict[str, str], role: str = "coordinator") -> str:
    """A new API token from ``dispatch token create`` (its last line)."""
    out = run(dispatch_bin, env, "token", "create", "--role", role, "--name", "test")
    return out.strip().splitlines()[-1]


def declare_email_exercise(base: str, headers: dict[str, str], title: str) -> dict[str, Any]:
    """An exercise by e-mail only to NIK, declared through a running service's API."""
    declared = httpx.post(
        f"{base}/api/v1/incidents",
        headers=headers,
        json={
            "title": title,
            "networks": ["NIK"],
            "status": "exercise",
            "channels": ["email"],
            "message": {"nb": {"subject": "Øvelse", "body": "Dette er en øvelse."}},
        },
        timeout=30,
    )
    assert declared.status_code == 201, declared.text
    body: dict[str, Any] = declared.json()
    return body
