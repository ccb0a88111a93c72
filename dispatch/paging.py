"""Paged lists: ``{"items": […], "total": N, "page": 1, "page_size": 50}``."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

T = TypeVar("T")

MAX_PAGE_SIZE = 500

PageNumber = Annotated[int, QueryParameter(name="page", ge=1, description="From 1.")]
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
