"""Paged lists: ``{"items": […], "total": N, "page": 1, "page_size": 50}``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

MAX_PAGE_SIZE = 500

MAX_PAGE = 1_000_000
"""Far beyond any list here; a larger page would overflow the database's OFFSET."""

PageNumber = Annotated[
    int, QueryParameter(name="page", ge=1, le=MAX_PAGE, description="From 1 to 1,000,000.")
]
PageSize = Annotated[
    int, QueryParameter(name="page_size", ge=1, le=MAX_PAGE_SIZE, description="Up to 500.")
]


class Page(msgspec.Struct, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    page: int
    page_size: int


def offset(page: int, page_size: int) -> int:
    """The row offset of a page (pages count from 1)."""
    return (page - 1) * page_size


async def paginate(
    session: AsyncSession, query: Select[Any], *, page: int, page_size: int
) -> tuple[Sequence[Any], int]:
    """One page of an ordered query, and how many rows the whole query has."""
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await session.scalars(query.limit(page_size).offset(offset(page, page_size)))).all()
    return rows, total or 0
