"""What every campaign shares (list review, newsletter, meeting): choosing networks,
idempotency, claiming a reminder, and counting a campaign's deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.campaigns.models import Campaign, CampaignTarget
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.directory.models import Network
from dispatch.errors import NotFoundError
from translations.strings.marking import N_
from translations.text import Text

CAMPAIGN_SOURCES = (SourceKind.LIST_REVIEW, SourceKind.NEWSLETTER, SourceKind.MEETING)
"""The outbox's source kinds whose ``source_id`` is a campaign target."""


async def known_networks(session: AsyncSession) -> list[str]:
    """The network codes, in the directory's order."""
    return list((await session.scalars(select(Network.code).order_by(Network.id))).all())


def chosen_networks(given: Sequence[str], known: Sequence[str]) -> tuple[list[str], list[str]]:
    """The networks a request names, in the directory's order, and what is wrong with them
    (none named, or a code we do not know). Shared by every campaign kind."""
    chosen = {n.strip().upper() for n in given}
    names = ", ".join(known)
    errors: list[str] = (
        []
        if chosen
        else [Text(N_("choose at least one network: %(known)s"), field="networks", known=names)]
    )
    errors += [
        Text(
            N_("unknown network '%(code)s'; the networks are %(known)s"),
            field="networks",
            code=n,
            known=names,
        )
        for n in sorted(chosen - set(known))
    ]
    return [n for n in known if n in chosen], errors


async def find_by_idempotency_key(session: AsyncSession, key: str) -> Campaign | None:
    return await session.scalar(select(Campaign).where(Campaign.idempotency_key == key))


async def claim_reminder(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """Mark the campaign reminded; True for the one sweeper of several whose update took."""
    claimed = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFoundError(Text(N_("There is no campaign with id %(id)d."), id=campaign_id))
    return campaign


async def deliveries_by_state(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """How many of a campaign's deliveries (all phases) are in each state."""
    return (await deliveries_by_campaign(session, [campaign_id])).get(campaign_id, {})


async def deliveries_by_campaign(
    session: AsyncSession, campaign_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """``deliveries_by_state`` for many campaigns in one query (a page of a list)."""
    rows = await session.execute(
        select(CampaignTarget.campaign_id, Delivery.state, func.count())
        .join(CampaignTarget, CampaignTarget.id == Delivery.source_id)
        .where(
            Delivery.source_kind.in_(CAMPAIGN_SOURCES),
            CampaignTarget.campaign_id.in_(list(campaign_ids)),
        )
        .group_by(CampaignTarget.campaign_id, Delivery.state)
    )
    found: dict[int, dict[str, int]] = {}
    for campaign_id, state, count in rows.all():
        found.setdefault(int(campaign_id), {})[str(state)] = int(count)
    return found
