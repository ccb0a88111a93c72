"""The request's database session: opened per request, always closed, committed only explicitly.

Handlers commit before they answer, so a failed commit becomes an error response instead of a
success whose data never landed (the reason we do not commit in a before-send hook).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SESSIONMAKER_STATE_KEY = "dispatch_sessionmaker"
T = TypeVar("T")


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


async def commit_once(
    session: AsyncSession, idempotency_key: str | None, attempt: Callable[[], Awaitable[T]]
) -> T:
    """Run ``attempt`` and commit. If a concurrent request with the same idempotency key won
    the race (the unique key refuses this one), run ``attempt`` again: it now finds the winner's
    row and answers with it, so both callers get the same result and nothing is written twice."""
    try:
        result = await attempt()
        await session.commit()
    except IntegrityError:
        await session.rollback()
        if not idempotency_key:
            raise
        return await attempt()
    return result
