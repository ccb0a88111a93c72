"""``make run`` (``dispatch run``) does not hijack itself: a second one while the first serves
changes nothing (the port and a lock on the SQLite database are checked before the demo
coordinator's password is reset or a worker starts), another port is one variable away, and
the sign-in line is the last thing start-up prints."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import next_factor_code
from tests.processes import Process, clean_env, free_port, wait_until

SIGN_IN = re.compile(r"^Demo coordinator: sign in at (\S+)/login as (\S+) with the password (\S+)$")


def output(process: Process) -> list[str]:
    return process.log.read_text(encoding="utf-8", errors="replace").splitlines()


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'var' / 'dispatch.sqlite3'}"


@pytest.fixture
def first(tmp_path: Path, dispatch_bin: str, database: str) -> Iterator[tuple[Process, int]]:
    port = free_port()
    env = clean_env(database_url=database, secret_key="make-run-test-secret")
    process = Process([dispatch_bin, "run", "--port", str(port)], env, tmp_path / "first.log")
    wait_until(
        lambda: any(SIGN_IN.match(line) for line in output(process)),
        timeout=90,
        what="the sign-in line",
    )
    yield process, port
    process.stop()


def sign_in(base: str, email: str, password: str, factor: dict[str, Any]) -> httpx.Client:
    """A signed-in client: the password, then the authenticator (set up the first time, its
    key read off the page into ``factor``). The cookies are ``Secure``, which a browser sends
    to 127.0.0.1 and httpx does not: they are sent by hand."""
    answer = httpx.post(f"{base}/login", data={"email": email, "password": password}, timeout=10)
    assert answer.status_code == 303, answer.text
    cookies = dict(answer.cookies.items())

    def header() -> dict[str, str]:
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}

    step = "/login/code"
    if "secret" not in factor:
        step = "/login/enrol"
        enrol = httpx.get(f"{base}{step}", headers=header(), timeout=10)
        found = re.search(r'id="totp-secret">([^<]+)<', enrol.text)
        assert found is not None, enrol.text
        factor["secret"] = found.group(1).replace(" ", "")
    done = httpx.post(
        f"{base}{step}", data={"code": next_factor_code(factor)}, headers=header(), timeout=10
    )
    assert done.status_code in (200, 303), done.text
    cookies.update(done.cookies.items())
    return httpx.Client(base_url=base, timeout=10, headers=header())


def test_a_second_run_changes_nothing_and_the_sign_in_line_comes_last(
    first: tuple[Process, int], tmp_path: Path, dispatch_bin: str, database: str
) -> None:
    process, port = first
    time.sleep(2)  # anything start-up still had to say would be printed by now
    lines = output(process)
    # The sign-in line is the last one start-up printed, with no catalog warning anywhere.
    assert SIGN_IN.match(lines[-1]), lines[-5:]
    assert not [line for line in lines if "left out of" in line or "plural" in line]
    base, email, password = SIGN_IN.match(lines[-1]).groups()  # type: ignore[union-attr]
    assert base == f"http://127.0.0.1:{port}"  # links follow the port chosen
    factor: dict[str, Any] = {}
    session = sign_in(base, email, password, factor)
    assert session.get("/").status_code == 200

    # Given the first one serving, a second on the same port is refused before it touches
    # anything; so is one on another port with the same database.
    env = clean_env(database_url=database, secret_key="make-run-test-secret")
    same_port = subprocess.run(
        [dispatch_bin, "run", "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert same_port.returncode != 0
    assert f"Port {port} on 127.0.0.1 is in use" in same_port.stderr
    assert f"PORT={port + 1} make run" in same_port.stderr
    assert "Demo coordinator" not in same_port.stdout
    other_port = subprocess.run(
        [dispatch_bin, "run", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other_port.returncode != 0
    assert "Another dispatch process is using" in other_port.stderr
    demo = subprocess.run(
        [dispatch_bin, "demo"], env=env, capture_output=True, text=True, timeout=60
    )
    assert demo.returncode != 0
    assert "Another dispatch process is using" in demo.stderr

    # Then the coordinator is still signed in, and the password printed still works.
    assert session.get("/").status_code == 200
    assert sign_in(base, email, password, factor).get("/").status_code == 200
    assert process.alive()


def test_make_run_takes_the_port_from_port_and_help_lists_every_target(
    repo_root: Path,
) -> None:
    planned = subprocess.run(
        ["make", "-n", "run", "PORT=8001"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "dispatch run --host 127.0.0.1 --port 8001" in planned.stdout
    listed = subprocess.run(
        ["make", "help"], cwd=repo_root, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    listed = re.sub(r"\x1b\[[0-9;]*m", " ", listed)  # the bold names' escapes
    declared = re.findall(
        r"^([a-zA-Z0-9_-]+):.*## ", (repo_root / "Makefile").read_text(), flags=re.MULTILINE
    )
    assert {"i18n-extract", "i18n-update", "i18n-compile", "i18n-check", "i18n-status"} <= set(
        declared
    )
    for target in declared:
        assert re.search(rf"\b{re.escape(target)}\b", listed), f"make help leaves out {target}"
