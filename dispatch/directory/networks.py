"""The three networks: listing them, their codes, and each network's Teams webhook."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.directory import validation
from dispatch.directory.models import Network
from dispatch.errors import InvalidInputError, NotFoundError


async def list_networks(session: AsyncSession) -> Sequence[Network]:
    """Every network, in a fixed order."""
    return (await session.scalars(select(Network).order_by(Network.id))).all()


async def network_codes(session: AsyncSession) -> dict[str, int]:
    """Network id by code."""
    return {n.code: n.id for n in await list_networks(session)}


async def update_network(
    session: AsyncSession, *, code: str, teams_webhook_url: str | None, actor: Actor
) -> Network:
    """Set or clear a network's Teams webhook."""
    network = await session.scalar(select(Network).where(Network.code == code.upper()))
    if network is None:
        raise NotFoundError(f"There is no network '{code}'; the networks are NIK, NONEMI and NIFS.")
    url = None
    if teams_webhook_url is not None and teams_webhook_url.strip():
        url = _clean(validation.webhook_url, teams_webhook_url)
    if network.teams_webhook_url != url:
        network.teams_webhook_url = url
        record(
            session,
            actor=actor,
            action="network.updated",
            entity_type="network",
            entity_id=network.code,
            details={"fields": ["teams_webhook_url"]},
        )
    await session.flush()
    return network


async def network_id_of(session: AsyncSession, code: str) -> int:
    """The id of the network with this code (any case), or an error that names the networks."""
    codes = await network_codes(session)
    network_id = codes.get(code.strip().upper())
    if network_id is None:
        raise InvalidInputError(f"Unknown network '{code}'; the networks are {', '.join(codes)}.")
    return network_id


def _clean(check: Any, raw: Any, **kwargs: Any) -> Any:
    try:
        return check(raw, **kwargs)
    except validation.InvalidValue as exc:
        raise InvalidInputError.from_errors([str(exc)]) from exc
