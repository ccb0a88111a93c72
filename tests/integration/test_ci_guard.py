"""CI must never turn green by skipping the PostgreSQL tests: unreachable means failed there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PG_TEST = "tests/integration/test_migrations.py::test_upgrade_from_empty_on_postgresql"
CLOSED = "postgresql+asyncpg://postgres@127.0.0.1:9/test"  # the discard port: nothing listens


def run_pytest(repo_root: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["DISPATCH_TEST_DATABASE_URL"] = CLOSED
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", PG_TEST],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("ci", [False, True])
def test_unreachable_postgres_skips_on_a_laptop_and_fails_in_ci(repo_root: Path, ci: bool) -> None:
    result = run_pytest(repo_root, ci=ci)
    if ci:
        assert result.returncode == 1, result.stdout
        assert "CI=true requires it" in result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert "1 skipped" in result.stdout
