"""A message pack's publication in the outbox: an e-mail to each organisation's main contacts
and a post to each network's Teams channel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelKind, OutgoingMessage
from dispatch.delivery import compose
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.delivery.outbox import PRIORITY_FIRST, OutboxItem
from dispatch.delivery.sources import Job
from dispatch.directory.models import Membership, Network
from dispatch.directory.organisations import organisation_names
from dispatch.packs import render as pack_render
from dispatch.packs.models import Pack, PackContent, PackPublication
from dispatch.packs.render import PackMail
from dispatch.security.links import Links
from translations import strings
from translations.catalog import translator


def pack_item(publication: PackPublication, **values: Any) -> OutboxItem:
    """An outbox item of a publication (packs go first: they are few and wanted soon)."""
    return OutboxItem(
        source_kind=SourceKind.PACK, source_id=publication.id, priority=PRIORITY_FIRST, **values
    )


class PackSource:
    """The delivery engine's view of pack publications."""

    kind = SourceKind.PACK

    async def load(self, session: AsyncSession, jobs: Sequence[Job]) -> Mapping[int, Any]:
        rows = (
            await session.execute(
                select(Delivery.id, Delivery.organisation_id, PackPublication, Pack)
                .join(PackPublication, PackPublication.id == Delivery.source_id)
                .join(Pack, Pack.id == PackPublication.pack_id)
                .where(Delivery.id.in_([j.id for j in jobs]))
            )
        ).all()
        if not rows:
            return {}
        titles: dict[int, dict[str, str]] = {}
        contents = await session.scalars(
            select(PackContent).where(PackContent.pack_id.in_({p.id for _, _, _, p in rows}))
        )
        for content in contents.all():
            if content.approved is not None:
                titles.setdefault(content.pack_id, {})[content.language] = content.approved["title"]
        org_ids = {o for _, o, _, _ in rows if o is not None}
        org_names = await organisation_names(session, org_ids)
        org_networks: dict[int, set[str]] = {}
        if org_ids:
            memberships = await session.execute(
                select(Membership.organisation_id, Network.code)
                .join(Network, Network.id == Membership.network_id)
                .where(Membership.organisation_id.in_(org_ids))
            )
            for member, code in memberships.all():
                org_networks.setdefault(member, set()).add(code)
        loaded = {}
        for delivery_id, org_id, publication, pack in rows:
            # The languages as published, in their order; a language approved later is on the page.
            published = titles.get(pack.id, {})
            ordered = {tag: published[tag] for tag in publication.languages if tag in published}
            networks = [c for c in publication.networks if c in org_networks.get(org_id or 0, ())]
            loaded[delivery_id] = PackMail(
                slug=pack.slug,
                titles=ordered or published,
                organisation=org_names.get(org_id, ""),
                networks=", ".join(networks),
            )
        return loaded

    def render(self, job: Job, links: Links) -> OutgoingMessage:
        mail: PackMail = job.payload
        if job.channel == ChannelKind.EMAIL:
            rendered = pack_render.email(
                mail, lang=job.language, base_url=links.base_url, token=links.token("pack")
            )
            return compose.outgoing(job, rendered)
        return compose.outgoing(
            job,
            pack_render.teams(mail, base_url=links.base_url, lang=job.language),
            link=pack_render.page_url(links.base_url, mail.slug),
            link_label=translator(job.language).gettext(strings.PACK_CHOOSE_LANGUAGE),
        )

    async def fallbacks(self, session: AsyncSession, failed: Sequence[Job]) -> list[OutboxItem]:
        return []
