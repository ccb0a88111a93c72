"""One statement, one round trip: a small asyncpg pool for the public hot paths on PostgreSQL.

An acknowledgement through the session cost five round trips: the pool's pre-ping, ``BEGIN``,
the link's row, the insert and ``COMMIT``. Here it is one statement in its own implicit
transaction, and no ping: a connection that died with a PostgreSQL restart is found by the
statement failing to reach the server. The pool then closes its connections and the statement is
sent once more on a new one. That is safe only for statements that may run twice (an insert that
ignores a conflict, a read), which is what this pool is for. A statement that reached the server
and failed there is not retried.

The pool opens no connection until it is first used, so the API starts while the database is
down, as it does with the engine.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

DIRECT_STATE_KEY = "dispatch_direct_pool"
"""Where the app keeps its ``DirectPool`` (absent on SQLite)."""

_LOST = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    # The server's "terminating connection" notice, read as the statement is sent (or as an
    # idle connection's state), and the server shutting down or starting up.
    asyncpg.InternalClientError,
    asyncpg.AdminShutdownError,
    asyncpg.CannotConnectNowError,
    ConnectionError,
    OSError,
)
"""What a statement on a connection the server no longer has raises. The statement did not
run, or ran in a transaction the server rolled back, or (the connection lost after the commit)
ran once: a statement that may run twice is safe to send again in each case."""


def dsn_of(database_url: str) -> str | None:
    """The asyncpg DSN of a PostgreSQL URL; None for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class DirectPool:
    """Idempotent single statements on PostgreSQL, one round trip each."""

    def __init__(self, dsn: str, *, max_size: int) -> None:
        self._dsn = dsn
        self._max_size = max_size
        self._pool: Any = None
        self._opening = asyncio.Lock()

    async def _get(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self._dsn,
                        min_size=0,
                        max_size=self._max_size,
                        max_inactive_connection_lifetime=300,
                    )
        return self._pool

    async def fetchrow(self, statement: str, *args: Any) -> asyncpg.Record | None:
        """Run ``statement`` (which may safely run twice) and return its first row."""
        pool = await self._get()
        try:
            return await pool.fetchrow(statement, *args)
        except _LOST:
            # The server restarted since these connections were opened: drop them all, and
            # send the statement once more on a fresh one.
            self._drop(pool)
            return await (await self._get()).fetchrow(statement, *args)

    def _drop(self, stale: asyncpg.Pool) -> None:
        """Forget ``stale`` and close its connections (unless another request already has)."""
        if self._pool is not stale:
            return
        self._pool = None
        stale.terminate()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
