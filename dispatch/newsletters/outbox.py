"""A newsletter in the outbox: one e-mail per reader, one post per network's Teams channel."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelKind, OutgoingMessage
from dispatch.campaigns.models import CampaignTarget
from dispatch.campaigns.outbox import load_targets, target_item
from dispatch.delivery import compose
from dispatch.delivery.models import SourceKind
from dispatch.delivery.outbox import OutboxItem
from dispatch.delivery.sources import Job
from dispatch.newsletters import render as newsletter_render
from dispatch.newsletters.render import NewsletterMail
from dispatch.security.links import Links


def newsletter_items(targets: Sequence[tuple[CampaignTarget, str, str]]) -> list[OutboxItem]:
    """One item per (target, channel, address)."""
    return [
        target_item(
            SourceKind.NEWSLETTER,
            target,
            channel=channel,
            address=address,
            who=(
                f"newsletter:contact:{target.contact_id}"
                if target.contact_id
                else f"newsletter:network:{target.network_codes[0]}"
            ),
        )
        for target, channel, address in targets
    ]


class NewsletterSource:
    """The delivery engine's view of newsletters."""

    kind = SourceKind.NEWSLETTER

    async def load(self, session: AsyncSession, jobs: Sequence[Job]) -> Mapping[int, Any]:
        languages = {j.id: j.language for j in jobs}
        loaded = {}
        for delivery_id, row in (await load_targets(session, jobs)).items():
            content = row.campaign.content or {}
            text = content.get(languages[delivery_id]) or next(
                iter(content.values()), {"subject": "", "body": ""}
            )
            loaded[delivery_id] = NewsletterMail(text["subject"], text["body"], row.organisation)
        return loaded

    def render(self, job: Job, links: Links) -> OutgoingMessage:
        mail: NewsletterMail = job.payload
        if job.channel == ChannelKind.TEAMS:
            return compose.outgoing(job, newsletter_render.teams(mail, lang=job.language))
        token = links.token("unsubscribe")
        rendered = newsletter_render.email(
            mail, lang=job.language, base_url=links.base_url, token=token
        )
        return dataclasses.replace(
            compose.outgoing(job, rendered),
            headers=newsletter_render.headers(links.base_url, token),
        )

    async def fallbacks(self, session: AsyncSession, failed: Sequence[Job]) -> list[OutboxItem]:
        return []
