"""A real ``dispatch serve`` on the embedded defaults, and Debian's Chromium driven by Playwright.

Chromium must be ``/usr/bin/chromium`` (Debian's ``chromium`` package; ``.ci/run`` installs it):
Playwright's own browser downloads do not work here. Without it the tests skip, and under
``CI=true`` they fail. Screenshots and the downloaded report land in ``test-artifacts/e2e/<test>/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import unavailable
from tests.processes import Process, clean_env, free_port, start_api

CHROMIUM = Path("/usr/bin/chromium")
# As root and on a closed network: no sandbox, and none of Chromium's calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Server:
    base: str
    email: str
    password: str
    process: Process
    factor: dict[str, Any] = field(default_factory=dict)
    """The demo coordinator's authenticator once enrolled: ``secret`` and the last ``step``."""


def next_code(server: Server) -> str:
    """The authenticator's code for the first 30-s step not used yet."""
    return next_factor_code(server.factor)


def next_factor_code(factor: dict[str, Any]) -> str:
    """The code of ``factor`` (``secret``, the last ``step`` used) for the first 30-s step not
    used yet (a step is good once; the service also takes the next step's code, for clocks a
    little ahead)."""
    totp = pyotp.TOTP(factor["secret"])
    while True:
        now = totp.timecode(datetime.now(UTC))
        step = max(now, factor.get("step", -1) + 1)
        if step <= now + 1:
            factor["step"] = step
            return str(totp.generate_otp(step))
        time.sleep(1)


def give_second_factor(page: Page, server: Server) -> None:
    """After the password: enrol the authenticator (the first time: read the key off the page,
    as a person types it into the app, and keep the recovery codes) or type its code."""
    page.wait_for_url(re.compile(r"/login/(enrol|code)$"))
    if page.url.endswith("/login/enrol"):
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        server.factor["secret"] = secret
        page.locator("#code").fill(next_code(server))
        page.locator("form[action='/login/enrol'] button[type=submit]").click()
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        server.factor["recovery"] = page.locator("#recovery-codes code").all_inner_texts()
        page.locator("a.button.primary").click()
        return
    page.locator("#code").fill(next_code(server))
    page.locator("form[action='/login/code'] button[type=submit]").click()


def sign_in(page: Page, server: Server) -> None:
    """Open the dashboard, be sent to the sign-in page, give the password and then the
    authenticator's code (set up the first time)."""
    page.goto(f"{server.base}/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.get_by_label("E-postadresse").fill(server.email)
    page.get_by_label("Passord").fill(server.password)
    page.get_by_role("button", name="Logg inn").click()
    give_second_factor(page, server)
    expect(page).to_have_url(f"{server.base}/")


@dataclass
class Shots:
    """Numbered screenshots of each step, saved as test artifacts."""

    folder: Path
    taken: int = 0

    def __call__(self, page: Page, name: str, *, full_page: bool = True) -> Path:
        self.taken += 1
        path = self.folder / f"{self.taken:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture(scope="session")
def artifacts(repo_root: Path) -> Path:
    """``test-artifacts/e2e/``, where each test keeps its screenshots in a folder of its own."""
    folder = repo_root / "test-artifacts" / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shots(artifacts: Path, request: pytest.FixtureRequest) -> Shots:
    """Screenshots in ``test-artifacts/e2e/<test>/``, emptied for this run of the test only: the
    tests that other pytest-xdist workers run at the same time write beside it, never over it."""
    folder = artifacts / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return Shots(folder)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module. Not for the session: while Playwright's sync API is open
    its event loop runs in this thread, and every asyncio test that an xdist worker runs after
    it would fail ("cannot be called from a running event loop")."""
    if not CHROMIUM.exists():
        unavailable(f"Chromium ({CHROMIUM}, Debian's chromium package)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def load_demo(dispatch_bin: str, env: dict[str, str]) -> tuple[str, str]:
    """``dispatch demo``: the demo data, and the coordinator's address and password it prints."""
    demo = subprocess.run(
        [dispatch_bin, "demo"], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    line = next(x for x in demo.stdout.splitlines() if x.startswith("Demo coordinator:"))
    email = line.split(" as ", 1)[1].split(" ", 1)[0]
    return email, line.rsplit("with the password ", 1)[1].strip()


@pytest.fixture
def server(tmp_path: Path, dispatch_bin: str) -> Iterator[Server]:
    """The Quick start's service: SQLite, workers in the server, every channel a sandbox."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'e2e.sqlite3'}",
        secret_key="e2e-secret-key-for-tests",
        base_url=base,
        log_json="true",
        # Fast drills: the sweeper looks every second.
        sweep_interval_seconds="1",
    )
    email, password = load_demo(dispatch_bin, env)
    process = start_api(dispatch_bin, env, port, tmp_path / "serve.log")
    yield Server(base, email, password, process)
    process.stop()
