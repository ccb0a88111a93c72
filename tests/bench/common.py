"""What the benchmarks share: the servers, a scratch database, peak memory, and profiling."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get(
    "DISPATCH_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# Database 14 of the loopback Redis: the benchmark flushes it, and leaves the tests' alone.
REDIS_URL = os.environ.get("DISPATCH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
DISPATCH = str(ROOT / ".venv" / "bin" / "dispatch")
PROFILES = ROOT / "test-artifacts" / "profiles"


def dsn(url: str) -> str:
    """The libpq form of a SQLAlchemy URL, for asyncpg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def admin(statement: str) -> None:
    conn = await asyncpg.connect(dsn(ADMIN_URL))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one benchmark, dropped afterwards; its URL."""
    name = f"dispatch_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def process_group(pgid: int) -> list[int]:
    """The pids in a process group (Dramatiq's CLI forks its worker processes)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            # pid (comm) state ppid pgrp …; comm may hold spaces, so split after its ')'.
            if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
                pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used so far (0 for one that has gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def named(command: str) -> list[int]:
    """The pids of the processes whose command name is ``command`` (e.g. ``postgres``)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == command:
                    pids.append(int(entry.name))
    return pids


class CpuShares:
    """CPU used by each part of the system over one stretch of a benchmark: where the cores
    went, to say what limits a figure."""

    def __init__(self, **parts: Callable[[], list[int]]) -> None:
        self.parts = parts
        self.started = {name: cpu_seconds(pids()) for name, pids in parts.items()}
        self.wall = time.perf_counter()

    def stop(self) -> dict[str, float]:
        """Each part's CPU seconds, and ``wall_s`` and the machine's ``cores`` for scale."""
        used = {
            f"{name}_cpu_s": round(cpu_seconds(pids()) - self.started[name], 1)
            for name, pids in self.parts.items()
        }
        return {**used, "wall_s": round(time.perf_counter() - self.wall, 1)}


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB; 0 once it has gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    return 0.0


def reset_peak_rss(pid: int) -> None:
    """Reset the process's VmHWM to its current resident size (Linux: 5 to clear_refs)."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


class PeakMemory:
    """Tracks the peak resident memory of every process in some process groups."""

    def __init__(self) -> None:
        self.peaks: dict[str, float] = {}

    def sample(self, **groups: int) -> None:
        """Read each group's processes now (VmHWM only grows, so a late sample suffices while
        they live; sampling during the run also catches processes that end early)."""
        for name, pgid in groups.items():
            for n, pid in enumerate(sorted(process_group(pgid))):
                key = f"{name}[{n}]"
                self.peaks[key] = max(self.peaks.get(key, 0.0), round(peak_rss_mb(pid), 1))

    def reset(self, **groups: int) -> None:
        """Forget the peaks so far: each process's VmHWM starts again from its current size."""
        self.peaks.clear()
        for pgid in groups.values():
            for pid in process_group(pgid):
                reset_peak_rss(pid)

    @property
    def largest(self) -> float:
        return max(self.peaks.values(), default=0.0)


class Profiler:
    """With BENCH_PROFILE=1, py-spy attaches to a process (and its children) for a phase and
    writes a flame graph (``<phase>.svg``) and collapsed stacks (``<phase>.txt``, which
    ``python -m tests.bench.profiles`` summarises) to test-artifacts/profiles/; without it,
    nothing happens."""

    def __init__(self) -> None:
        self.enabled = os.environ.get("BENCH_PROFILE") == "1"
        self._running: list[subprocess.Popen[bytes]] = []

    def attach(self, pid: int, name: str, *, seconds: int) -> None:
        if not self.enabled:
            return
        spy = shutil.which("py-spy", path=str(ROOT / ".venv" / "bin"))
        if spy is None:
            raise RuntimeError("BENCH_PROFILE=1 needs py-spy: run make install")
        PROFILES.mkdir(parents=True, exist_ok=True)
        for form, suffix in (("flamegraph", "svg"), ("raw", "txt")):
            args = ["record", "--pid", str(pid), "--subprocesses", "--rate", "200"]
            args += ["--duration", str(seconds), "--nonblocking", "--format", form]
            self._running.append(
                subprocess.Popen(
                    [spy, *args, "-o", str(PROFILES / f"{name}.{suffix}")],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )

    def wait(self) -> None:
        """Wait for every attached profiler to write its graph."""
        for spy in self._running:
            spy.wait(timeout=120)
        self._running.clear()
