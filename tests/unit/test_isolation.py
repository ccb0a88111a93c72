"""Each pytest-xdist worker gets a Redis database of its own, so one worker's ``flushdb``,
queues and counters never reach another's; the benchmarks' databases stay theirs."""

from __future__ import annotations

import pytest
from redis.connection import parse_url

from tests.isolation import RESERVED_DATABASES, worker_number, worker_redis_url

BASE = "redis://127.0.0.1:6381/0"


def database(url: str) -> int:
    return int(parse_url(url).get("db", 0))


def test_two_workers_get_two_databases_on_the_same_server() -> None:
    gw0, gw1 = worker_redis_url(BASE, "gw0"), worker_redis_url(BASE, "gw1")
    assert (database(gw0), database(gw1)) == (1, 2)
    assert gw0 != gw1
    assert parse_url(gw0)["host"] == parse_url(gw1)["host"] == "127.0.0.1"
    assert parse_url(gw0)["port"] == parse_url(gw1)["port"] == 6381


def test_no_worker_shares_the_database_of_a_serial_run_or_of_another_worker() -> None:
    # The `alone` run after the parallel one has no worker id: it keeps the named database.
    serial = worker_redis_url(BASE, None)
    assert serial == BASE
    assert worker_redis_url(BASE, "master") == BASE
    taken = [database(worker_redis_url(BASE, f"gw{n}")) for n in range(13)]
    assert len(set(taken)) == 13
    assert database(serial) not in taken


def test_workers_count_on_from_the_named_database_and_keep_the_rest_of_the_url() -> None:
    url = worker_redis_url("redis://:secret@redis.local:6390/3?socket_timeout=5", "gw2")
    assert url == "redis://:secret@redis.local:6390/6?socket_timeout=5"
    assert database(worker_redis_url("redis://127.0.0.1:6379", "gw0")) == 1
    # A `db` in the query string would win over the path; it does not survive.
    assert database(worker_redis_url("redis://127.0.0.1:6379/0?db=2", "gw0")) == 3
    assert parse_url(worker_redis_url("unix:///run/redis.sock?db=4", "gw1"))["db"] == 6


@pytest.mark.parametrize(("base", "worker"), [(BASE, "gw13"), ("redis://h:1/10", "gw3")])
def test_a_worker_never_takes_the_benchmarks_databases(base: str, worker: str) -> None:
    with pytest.raises(ValueError, match="databases 14 and 15 are the benchmarks'"):
        worker_redis_url(base, worker)
    assert database(worker_redis_url(BASE, "gw12")) == 13 < min(RESERVED_DATABASES)


def test_only_xdist_worker_ids_are_read() -> None:
    assert worker_number("gw0") == 0
    assert worker_number("gw11") == 11
    assert worker_number("") is None
    with pytest.raises(ValueError, match="not a pytest-xdist worker id"):
        worker_number("worker-1")
