"""The one-statement pool of the public hot paths: after the server drops its connections (as a
PostgreSQL restart does), the next statement still succeeds, sent once more on a new connection;
a statement the server refused is not sent again."""

from __future__ import annotations

import asyncpg
import pytest

from dispatch.db.direct import DirectPool, dsn_of

pytestmark = pytest.mark.postgres


async def test_a_statement_after_the_server_dropped_the_connections_still_succeeds(
    postgres_url: str,
) -> None:
    dsn = dsn_of(postgres_url)
    assert dsn is not None
    pool = DirectPool(dsn, max_size=2)
    admin = await asyncpg.connect(dsn)
    try:
        first = await pool.fetchrow("SELECT pg_backend_pid() AS pid")
        assert first is not None
        # Given the server ended the pool's connection (a restart ends them all),
        await admin.execute("SELECT pg_terminate_backend($1)", first["pid"])
        # the next statement is answered, from another connection.
        again = await pool.fetchrow("SELECT pg_backend_pid() AS pid")
        assert again is not None
        assert again["pid"] != first["pid"]
    finally:
        await admin.close()
        await pool.close()


async def test_a_statement_the_server_refused_is_not_sent_again(postgres_url: str) -> None:
    dsn = dsn_of(postgres_url)
    assert dsn is not None
    pool = DirectPool(dsn, max_size=1)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute("DROP SEQUENCE IF EXISTS direct_pool_tries")
        await admin.execute("CREATE SEQUENCE direct_pool_tries")
        with pytest.raises(asyncpg.DivisionByZeroError):
            await pool.fetchrow("SELECT nextval('direct_pool_tries') / 0")
        # A sequence does not roll back: it counts how often the statement ran.
        tries = await admin.fetchval("SELECT last_value FROM direct_pool_tries")
        assert tries == 1
        assert await pool.fetchrow("SELECT 1 AS one") is not None
    finally:
        await admin.execute("DROP SEQUENCE IF EXISTS direct_pool_tries")
        await admin.close()
        await pool.close()


def test_only_postgresql_has_a_direct_pool() -> None:
    assert dsn_of("sqlite+aiosqlite:///x.sqlite3") is None
    assert dsn_of("postgresql+asyncpg://u:p@h:5432/d") == "postgresql://u:p@h:5432/d"
