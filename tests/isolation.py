"""What each pytest-xdist worker has of its own when ``make test`` runs the suite in parallel.

Ports are ephemeral (``tests.processes.free_port``, the fakes bind port 0), files live under
``tmp_path`` and each test's screenshots in a folder of its own; each worker's session creates
its own PostgreSQL database (``postgres_url``). What is left is Redis: its databases are
numbered, and the ``redis_url`` fixture empties its database before and after a test, so each
worker takes a database of its own, counted on from the one ``DISPATCH_TEST_REDIS_URL`` names:
``gw0`` the next one, ``gw1`` the one after, and so on. Dramatiq's queues, the SMS slots, the
rate-limit counts and the providers' health counts all live in that database, so nothing of one
worker's reaches another's. A run without workers keeps the named database.

The benchmarks use database 14 (``DISPATCH_BENCH_REDIS_URL``); 14 and 15 stay theirs.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.connection import parse_url

RESERVED_DATABASES = frozenset({14, 15})
"""Redis databases no test worker takes: the benchmarks' (``tests/bench/common.py``)."""
DATABASES = 16
"""How many databases a Redis server has unless configured otherwise."""

_WORKER = re.compile(r"gw(\d+)")


def worker_number(worker: str | None) -> int | None:
    """``gw3`` → 3; ``None``, ``""`` or ``master`` (no xdist worker) → None."""
    if not worker or worker == "master":
        return None
    found = _WORKER.fullmatch(worker)
    if found is None:
        raise ValueError(f"{worker!r} is not a pytest-xdist worker id (gw0, gw1, …)")
    return int(found.group(1))


def worker_redis_url(url: str, worker: str | None) -> str:
    """The Redis URL for an xdist ``worker``: ``url``'s database plus the worker's number plus
    one; ``url`` itself outside xdist. Refuses a database the benchmarks keep or Redis lacks."""
    number = worker_number(worker)
    if number is None:
        return url
    base = int(parse_url(url).get("db", 0))
    database = base + number + 1
    if database in RESERVED_DATABASES or database >= DATABASES:
        raise ValueError(
            f"xdist worker {worker} would use Redis database {database} (counted on from "
            f"database {base} of DISPATCH_TEST_REDIS_URL), but databases 14 and 15 are the "
            f"benchmarks' and Redis has {DATABASES}: run fewer workers (TEST_WORKERS) or name "
            "a lower database"
        )
    # A ``db`` in the query string would win over the path (redis-py reads it first).
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "db"])
    if parts.scheme == "unix":
        query = urlencode([*parse_qsl(query), ("db", str(database))])
        # urlunsplit would drop the ``//`` of a URL without a host.
        return f"unix://{parts.netloc}{parts.path}?{query}"
    return urlunsplit(parts._replace(path=f"/{database}", query=query))
