"""What ``make test``'s parallel run relies on, tried with real pytest runs in child processes:
each pytest-xdist worker takes a Redis database of its own, a test session (an xdist worker, or
the ``alone`` run after the parallel one) never deletes another session's screenshots, and the
browser tests leave no event loop running for the tests a worker runs after them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REDIS_PROBE = """
import os
from pathlib import Path

from tests.conftest import TEST_REDIS_URL


def test_where_this_worker_keeps_its_redis_data():
    out = Path(os.environ["PROBE_OUT"]) / os.environ["PYTEST_XDIST_WORKER"]
    out.write_text(TEST_REDIS_URL)
"""

SCREENSHOT_PROBE = '''
import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def repo_root():
    return Path(os.environ["PROBE_OUT"])


class Page:
    """Stands in for Playwright's page: a screenshot is a file."""

    def screenshot(self, *, path, full_page):
        Path(path).write_bytes(b"png")


def test_declare(shots):
    shots(Page(), "sign-in")
    shots(Page(), "declared")


def test_sign_in_by_keyboard(shots):
    shots(Page(), "sign-in")
'''

BROWSER_PROBE = """
def test_a_browser_test(browser):
    assert browser.is_connected()
"""

AFTER_THE_BROWSER = """
import asyncio


def test_an_asyncio_test_in_the_next_module():
    asyncio.run(asyncio.sleep(0))
"""


def run_probe(
    repo_root: Path, folder: Path, probe: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """pytest on ``probe`` in ``folder``, with the repository importable and nothing of this
    run's own xdist worker or settings."""
    (folder / "test_probe.py").write_text(probe)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DISPATCH_"))}
    env |= {"PYTHONPATH": str(repo_root), "PROBE_OUT": str(folder)}
    # A server nothing listens on: the probes read where their data would go, never touch it.
    env["DISPATCH_TEST_REDIS_URL"] = "redis://127.0.0.1:9/4"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_two_xdist_workers_keep_their_redis_data_in_two_databases(
    repo_root: Path, tmp_path: Path
) -> None:
    # Given two xdist workers that each run the probe (--dist each),
    run_probe(repo_root, tmp_path, REDIS_PROBE, "-n", "2", "--dist", "each", "test_probe.py")
    # each used the database after the named one (4) plus its number, on the same server.
    used = {p.name: p.read_text() for p in tmp_path.glob("gw*")}
    assert used == {"gw0": "redis://127.0.0.1:9/5", "gw1": "redis://127.0.0.1:9/6"}


def test_a_later_session_keeps_the_screenshots_of_an_earlier_one(
    repo_root: Path, tmp_path: Path
) -> None:
    plugin = ("-p", "tests.e2e.conftest")
    shots = tmp_path / "test-artifacts" / "e2e"
    # Given one session (an xdist worker) that ran the declaration test, and a screenshot left
    # by an earlier run of the other browser test,
    run_probe(repo_root, tmp_path, SCREENSHOT_PROBE, *plugin, "test_probe.py::test_declare")
    (shots / "test_sign_in_by_keyboard").mkdir()
    (shots / "test_sign_in_by_keyboard" / "09-stale.png").write_bytes(b"from an earlier run")
    # when another session runs that other test,
    run_probe(
        repo_root, tmp_path, SCREENSHOT_PROBE, *plugin, "test_probe.py::test_sign_in_by_keyboard"
    )
    # then each test's steps are in its own folder, neither overwritten nor deleted by the
    # other's session, and a test's run starts its own folder afresh.
    found = sorted(str(p.relative_to(shots)) for p in shots.rglob("*.png"))
    assert found == [
        "test_declare/01-sign-in.png",
        "test_declare/02-declared.png",
        "test_sign_in_by_keyboard/01-sign-in.png",
    ]


def test_the_browser_tests_leave_no_event_loop_running_for_the_next_test(
    repo_root: Path, tmp_path: Path
) -> None:
    # Given a worker that runs a test with Chromium and then a test of another module that uses
    # asyncio, the second passes: Playwright's loop ended with the browser's module.
    (tmp_path / "test_probe_after.py").write_text(AFTER_THE_BROWSER)
    result = run_probe(repo_root, tmp_path, BROWSER_PROBE, "-p", "tests.e2e.conftest")
    assert "2 passed" in result.stdout
