"""How messages name a network: ``NIK – Nettverk for integrering og kommunehelse``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.directory.models import Network


async def network_names(session: AsyncSession) -> dict[str, str]:
    """Code → name of every network (there are a handful)."""
    rows = await session.execute(select(Network.code, Network.name))
    return dict(rows.all())


def network_label(code: str, names: dict[str, str]) -> str:
    """``CODE – Name``, or the code alone when the name is unknown."""
    return f"{code} – {names.get(code, '')}".strip(" –")
