"""The request's database session: opened per request, always closed, committed only explicitly.

Handlers commit before they answer, so a failed commit becomes an error response instead of a
success whose data never landed (the reason we do not commit in a before-send hook).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SESSIONMAKER_STATE_KEY = "dispatch_sessionmaker"


def sessionmaker_from(state: State) -> async_sessionmaker[AsyncSession]:
    """The app's session factory."""
    maker: async_sessionmaker[AsyncSession] = state[SESSIONMAKER_STATE_KEY]
    return maker


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    """A session for one request; anything not committed is rolled back when it closes."""
    async with sessionmaker_from(state)() as session:
        yield session


DbSession = NamedDependency[AsyncSession]
"""Handler parameter type for the request's session."""
