"""CI must never turn green by skipping the PostgreSQL tests: unreachable means failed there, in
a serial run and in ``make test``'s parallel one; and ``make test`` leaves no test out."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

PG_TEST = "tests/integration/test_migrations.py::test_upgrade_from_empty_on_postgresql"
CLOSED = "postgresql+asyncpg://postgres@127.0.0.1:9/test"  # the discard port: nothing listens


def run_pytest(repo_root: Path, *, ci: bool, workers: int = 0) -> subprocess.CompletedProcess[str]:
    # Not this run's CI flag, options (a --basetemp would empty this run's) or xdist worker.
    env = {k: v for k, v in os.environ.items() if k != "CI" and not k.startswith("PYTEST_")}
    env["DISPATCH_TEST_DATABASE_URL"] = CLOSED
    if ci:
        env["CI"] = "true"
    parallel = ["-n", str(workers)] if workers else []
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *parallel, PG_TEST],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("ci", "workers"),
    # In CI also as `make test` runs it: the failure in a worker fails the whole run.
    [(False, 0), (True, 0), (True, 2)],
    ids=["laptop", "ci", "ci-two-workers"],
)
def test_unreachable_postgres_skips_on_a_laptop_and_fails_in_ci(
    repo_root: Path, ci: bool, workers: int
) -> None:
    result = run_pytest(repo_root, ci=ci, workers=workers)
    if ci:
        assert result.returncode == 1, result.stdout
        assert "CI=true requires it" in result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert "1 skipped" in result.stdout


def make_test_recipe(repo_root: Path) -> str:
    """What ``make test TEST_WORKERS=3`` would run, printed by ``make -n`` and not run."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    return subprocess.run(
        ["make", "-n", "test", "TEST_WORKERS=3"],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def pytest_commands(recipe: str) -> list[list[str]]:
    """The arguments of each pytest command line in a printed recipe."""
    commands = []
    for line in recipe.replace("\\\n", "\n").splitlines():
        command = line.strip().split("||")[0].strip()
        words = shlex.split(command) if "pytest" in command else []
        if words and words[0].endswith("/pytest"):
            commands.append(words[1:])
    return commands


def test_make_test_runs_every_test_in_parallel_or_alone_after(repo_root: Path) -> None:
    # The parallel run takes every test but the `alone` ones, in TEST_WORKERS workers; then
    # the `alone` ones run in one process. Neither names paths, keywords or deselections, so
    # together they are the whole suite (testpaths), each test once,
    recipe = make_test_recipe(repo_root)
    parallel, alone = pytest_commands(recipe)
    assert parallel == ["-n", "3", "--dist", "loadgroup", "-m", "not alone"]
    assert alone == ["-m", "alone"]
    # and a failure in the parallel run does not keep the `alone` run from running.
    assert '-m "not alone" || status=$?' in recipe
    assert recipe.rstrip().endswith("exit $status")
