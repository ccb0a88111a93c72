"""The three networks: listing them, their codes, and each network's Teams webhook (and a test
card to see it work)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import Channel, ChannelError, ChannelKind, OutgoingMessage
from dispatch.audit.service import Actor, record
from dispatch.directory import validation
from dispatch.directory.models import Network
from dispatch.errors import InvalidInputError, NotFoundError
from translations.strings.marking import N_
from translations.text import Text


async def list_networks(session: AsyncSession) -> Sequence[Network]:
    """Every network, in a fixed order."""
    return (await session.scalars(select(Network).order_by(Network.id))).all()


async def network_codes(session: AsyncSession) -> dict[str, int]:
    """Network id by code."""
    return {n.code: n.id for n in await list_networks(session)}


async def update_network(
    session: AsyncSession,
    *,
    code: str,
    teams_webhook_url: str | None,
    actor: Actor,
    allow_loopback_webhooks: bool = False,
) -> Network:
    """Set or clear a network's Teams webhook."""
    network = await session.scalar(select(Network).where(Network.code == code.upper()))
    if network is None:
        raise NotFoundError(
            Text(
                N_("There is no network '%(code)s'; the networks are NIK, NONEMI and NIFS."),
                code=code,
            )
        )
    url = None
    if teams_webhook_url is not None and teams_webhook_url.strip():
        url = _clean(
            validation.webhook_url, teams_webhook_url, allow_loopback=allow_loopback_webhooks
        )
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
        raise InvalidInputError(
            Text(
                N_("Unknown network '%(code)s'; the networks are %(known)s."),
                code=code,
                known=", ".join(codes),
            )
        )
    return network_id


def _clean(check: Any, raw: Any, **kwargs: Any) -> Any:
    try:
        return check(raw, **kwargs)
    except validation.InvalidValue as exc:
        raise InvalidInputError.from_errors([exc.reason]) from exc


class TestCard(msgspec.Struct):
    """What happened to a test card posted to a network's Teams channel."""

    network: str
    accepted: bool
    """Whether the Workflows webhook took the post (202): the flow has it, which is not yet
    the card in the channel; someone in the channel confirms that."""
    detail: str
    reason: str = ""
    """Why Teams did not take it, as the channel said (empty when it did)."""


TEST_CARD_TITLE = "Test card from Beredskapsvarsling / Testkort fra Beredskapsvarsling"
TEST_CARD_TEXT = (
    "If you can read this in the network's Teams channel, its webhook works; tell the "
    "coordinator. / Ser du dette i nettverkets Teams-kanal, virker webhooken; si fra til "
    "koordinatoren."
)


async def send_test_card(
    session: AsyncSession, *, code: str, teams: Channel, actor: Actor
) -> TestCard:
    """Post a test card to the network's Teams channel now, and say what Teams answered."""
    network = await session.scalar(select(Network).where(Network.code == code.upper()))
    if network is None:
        raise NotFoundError(
            Text(
                N_("There is no network '%(code)s'; the networks are NIK, NONEMI and NIFS."),
                code=code,
            )
        )
    if not network.teams_webhook_url:
        raise InvalidInputError(
            Text(
                N_("%(code)s has no Teams webhook yet: set one before sending a test card."),
                field="teams_webhook_url",
                code=network.code,
            )
        )
    message = OutgoingMessage(
        channel=ChannelKind.TEAMS,
        to=network.teams_webhook_url,
        text=TEST_CARD_TEXT,
        subject=TEST_CARD_TITLE,
        language="nb",
        reference=f"test-card:{network.code}",
    )
    try:
        receipt = await teams.send(message)
    except ChannelError as exc:
        accepted, reason = False, exc.reason
        detail = f"Teams did not take the test card: {exc.reason}."
    else:
        accepted, reason = True, ""
        detail = (
            f"Teams accepted the test card ({receipt.provider_id}). Accepted means the flow "
            "took it; check that it arrived in the channel."
        )
    record(
        session,
        actor=actor,
        action="network.test_card",
        entity_type="network",
        entity_id=network.code,
        details={"accepted": accepted},
    )
    return TestCard(network=network.code, accepted=accepted, detail=detail, reason=reason)
