"""Campaign messages in the outbox: what every campaign's sender shares, and the list review's.

A campaign (list review, newsletter, meeting) sends to its targets: one contact, or one
network's Teams channel. ``target_items`` makes the outbox items; ``load_targets`` reads the
claimed deliveries' targets and campaigns in one query, for every campaign kind's source.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelKind, OutgoingMessage
from dispatch.campaigns import render as review_render
from dispatch.campaigns.models import Campaign, CampaignTarget
from dispatch.campaigns.render import ReviewMail
from dispatch.delivery import compose
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.delivery.outbox import OutboxItem
from dispatch.delivery.sources import Job
from dispatch.directory import bounces
from dispatch.directory.labels import network_label, network_names
from dispatch.directory.models import Contact
from dispatch.directory.organisations import organisation_names
from dispatch.security.links import Links

REMINDER = "reminder"
"""The target prefix of a list review's reminder (``reminder:contact:<id>``)."""


@dataclass(frozen=True, slots=True)
class TargetRow:
    """A claimed campaign delivery with its target and campaign, and who it is for."""

    delivery_target: str
    """The delivery's ``target`` (it names the phase: ``meeting-invite:contact:12``)."""
    target: CampaignTarget
    campaign: Campaign
    organisation: str
    network: str
    """The target's networks as ``CODE – Name``, comma-separated."""


async def load_targets(session: AsyncSession, jobs: Sequence[Job]) -> dict[int, TargetRow]:
    """Each job's target and campaign, by delivery id, in one query (and one for names)."""
    rows = (
        await session.execute(
            select(Delivery.id, Delivery.target, CampaignTarget, Campaign)
            .join(CampaignTarget, CampaignTarget.id == Delivery.source_id)
            .join(Campaign, Campaign.id == CampaignTarget.campaign_id)
            .where(Delivery.id.in_([j.id for j in jobs]))
        )
    ).all()
    org_names = await organisation_names(session, {t.organisation_id for _, _, t, _ in rows})
    names = await network_names(session)
    return {
        delivery_id: TargetRow(
            delivery_target=delivery_target,
            target=target,
            campaign=campaign,
            organisation=org_names.get(target.organisation_id, ""),
            network=", ".join(network_label(c, names) for c in target.network_codes),
        )
        for delivery_id, delivery_target, target, campaign in rows
    }


def target_item(
    kind: SourceKind,
    target: CampaignTarget,
    *,
    channel: str,
    address: str,
    who: str,
    priority: int = 1,
) -> OutboxItem:
    """An outbox item for a campaign target; ``who`` is the delivery's target in the unique
    key (``contact:12``, ``reminder:contact:12``, ``network:NIK`` …)."""
    return OutboxItem(
        source_kind=kind,
        source_id=target.id,
        channel=channel,
        target=who,
        address=address,
        language=target.language,
        priority=priority,
        organisation_id=target.organisation_id,
        network_code=None if target.contact_id else target.network_codes[0],
    )


def review_items(
    targets: Iterable[CampaignTarget],
    addresses: Mapping[int, Mapping[str, Any]],
    prefix: str,
    bounced: Container[str] = (),
) -> list[OutboxItem]:
    """A list review's request (or reminder): e-mail when the contact has an address that has
    not bounced, else SMS (which, for a bounced address, asks to correct it)."""
    items = []
    for target in targets:
        contact = addresses[target.id]
        email = contact["email"]
        if email and email in bounced and contact["phone"]:
            email = None
        channel, address = ("email", email) if email else ("sms", contact["phone"])
        if address:
            items.append(
                target_item(
                    SourceKind.LIST_REVIEW,
                    target,
                    channel=channel,
                    address=address,
                    who=f"{prefix}:contact:{target.contact_id}",
                )
            )
    return items


class ListReviewSource:
    """The delivery engine's view of the yearly list review's requests and reminders."""

    kind = SourceKind.LIST_REVIEW

    async def load(self, session: AsyncSession, jobs: Sequence[Job]) -> Mapping[int, Any]:
        loaded = {}
        targets = await load_targets(session, jobs)
        texted = [r.target.contact_id for r in targets.values() if r.target.contact_id]
        emails = dict(
            (
                await session.execute(
                    select(Contact.id, Contact.email).where(
                        Contact.id.in_(texted), Contact.email.is_not(None)
                    )
                )
            ).all()
        )
        flagged = await bounces.flagged(session, [e for e in emails.values() if e])
        for delivery_id, row in targets.items():
            # A list review is refused without a deadline (ListReviewIn).
            assert row.campaign.deadline is not None, f"review {row.campaign.id} has no deadline"
            loaded[delivery_id] = ReviewMail(
                organisation=row.organisation,
                network=row.network,
                deadline=row.campaign.deadline,
                reminder=row.delivery_target.startswith(f"{REMINDER}:"),
                email_bounced=emails.get(row.target.contact_id or 0) in flagged,
            )
        return loaded

    def render(self, job: Job, links: Links) -> OutgoingMessage:
        mail: ReviewMail = job.payload
        link = review_render.confirm_url(links.base_url, links.token("confirm"))
        if job.channel == ChannelKind.SMS:
            return compose.sms(
                job, review_render.sms(mail, lang=job.language, link=link), link=link
            )
        rendered = review_render.email(mail, lang=job.language, link=link, base_url=links.base_url)
        return compose.outgoing(job, rendered, link=link)

    async def fallbacks(self, session: AsyncSession, failed: Sequence[Job]) -> list[OutboxItem]:
        return []
