"""Behind a proxy: ``dispatch serve`` believes ``X-Forwarded-For`` only from
``DISPATCH_TRUSTED_PROXIES``, over a real socket.

Loopback is a whole /8 on Linux, so one machine plays both parts: the Ingress connects from
127.0.0.2 (trusted), and a client that reaches the server directly connects from 127.0.0.1 (not
trusted) and sends the header itself, hoping to be counted as someone else.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dispatch.security.links import make_token
from tests.processes import Process, create_token, declare_email_exercise, free_port, start_api

SECRET = "proxy-test-secret-of-at-least-32-bytes!"
INGRESS = "127.0.0.2"
DIRECT = "127.0.0.1"


@pytest.fixture
def served(dispatch_bin: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    env["DISPATCH_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'proxy.sqlite3'}"
    env["DISPATCH_SECRET_KEY"] = SECRET
    env["DISPATCH_TRUSTED_PROXIES"] = f"{INGRESS}/32, 10.0.0.0/8"
    demo = subprocess.run([dispatch_bin, "demo"], env=env, capture_output=True, timeout=60)
    assert demo.returncode == 0, demo.stderr
    port = free_port()
    process: Process = start_api(dispatch_bin, env, port, tmp_path / "serve.log")
    try:
        yield f"http://127.0.0.1:{port}", env
    finally:
        process.stop()


def from_address(local: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=local), timeout=10)


def test_forwarded_addresses_count_apart_only_through_the_trusted_proxy(
    served: tuple[str, dict[str, str]],
) -> None:
    base, _ = served
    with from_address(INGRESS) as ingress, from_address(DIRECT) as direct:
        # Given one member behind the Ingress guessing links twenty-one times,
        statuses = [
            ingress.get(f"{base}/confirm/{n}.wrong", headers={"X-Forwarded-For": "198.51.100.1"})
            for n in range(21)
        ]
        assert [r.status_code for r in statuses] == [404] * 20 + [429]
        # another member behind the same Ingress is counted apart and still answered.
        other = ingress.get(f"{base}/confirm/1.wrong", headers={"X-Forwarded-For": "198.51.100.2"})
        assert other.status_code == 404
        # A client reaching the server directly cannot pose as a new address on every request:
        # its own header is not believed, and its twenty-first wrong link is refused.
        spoofed = [
            direct.get(f"{base}/confirm/{n}.wrong", headers={"X-Forwarded-For": f"192.0.2.{n}"})
            for n in range(21)
        ]
        assert [r.status_code for r in spoofed] == [404] * 20 + [429]


def test_a_genuine_link_opens_after_others_guessed_from_the_same_address(
    served: tuple[str, dict[str, str]], dispatch_bin: str
) -> None:
    base, env = served
    headers = {"Authorization": f"Bearer {create_token(dispatch_bin, env)}"}
    declare_email_exercise(base, headers, "Øvelse")
    database = env["DISPATCH_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(database) as db:
        (delivery_id,) = db.execute(
            "SELECT min(id) FROM deliveries WHERE recipient_id IS NOT NULL"
        ).fetchone()
    genuine = f"{base}/ack/{make_token(SECRET, delivery_id)}"
    with from_address(INGRESS) as ingress:
        # Given someone behind the Ingress forging ack links until they are refused,
        forged = [ingress.get(f"{base}/ack/{n}.forged") for n in range(21)]
        assert forged[-1].status_code == 429
        # the member's real link, through the same Ingress and with no header of its own
        # (everyone is then the Ingress), still opens and acknowledges.
        assert ingress.get(genuine).status_code == 200
        done = ingress.post(genuine, data={})
        assert done.status_code == 200
        assert "Too many" not in done.text
