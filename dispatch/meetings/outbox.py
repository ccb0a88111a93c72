"""A meeting's messages in the outbox: the invitation, the reminder and the cancellation.

Each phase writes one delivery per contact and channel under the target
``meeting-<phase>:contact:<id>`` (``:network:<code>`` for a network's Teams channel), so
writing a phase twice is a no-op.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import Attachment, ChannelKind, OutgoingMessage
from dispatch.campaigns.models import CampaignTarget
from dispatch.campaigns.outbox import load_targets, target_item
from dispatch.delivery import compose
from dispatch.delivery.models import SourceKind
from dispatch.delivery.outbox import OutboxItem
from dispatch.delivery.sources import Job
from dispatch.directory.models import Network
from dispatch.meetings import render as meeting_render
from dispatch.meetings.answers import text_in
from dispatch.meetings.models import Meeting, MeetingKind
from dispatch.meetings.render import MeetingMail
from dispatch.security.links import Links
from translations import strings
from translations.catalog import translator

INVITE = "meeting-invite"
REMINDER = "meeting-reminder"
CANCEL = "meeting-cancel"
PHASES = {
    INVITE: meeting_render.INVITE,
    REMINDER: meeting_render.REMINDER,
    CANCEL: meeting_render.CANCEL,
}


async def meeting_items(
    session: AsyncSession,
    meeting: Meeting,
    targets: Sequence[CampaignTarget],
    addresses: Mapping[int, Mapping[str, Any]],
    phase: str,
) -> list[OutboxItem]:
    """E-mail to those with an address; SMS when the meeting uses SMS or there is no e-mail;
    a network's Teams channel for the invitation and the cancellation."""
    priority = 0 if meeting.kind == MeetingKind.EMERGENCY else 1
    webhooks: dict[str, str] = {}
    if phase != REMINDER and any(t.contact_id is None for t in targets):
        rows = await session.execute(
            select(Network.code, Network.teams_webhook_url).where(
                Network.teams_webhook_url.is_not(None)
            )
        )
        webhooks = {code: str(url) for code, url in rows.all()}
    items: list[OutboxItem] = []

    def add(target: CampaignTarget, channel: str, address: str, who: str) -> None:
        items.append(
            target_item(
                SourceKind.MEETING,
                target,
                channel=channel,
                address=address,
                who=f"{phase}:{who}",
                priority=priority,
            )
        )

    for target in targets:
        if target.contact_id is None:
            url = webhooks.get(target.network_codes[0])
            if url:
                add(target, "teams", url, f"network:{target.network_codes[0]}")
            continue
        contact = addresses[target.id]
        who = f"contact:{target.contact_id}"
        if contact["email"]:
            add(target, "email", contact["email"], who)
        if contact["phone"] and ("sms" in meeting.channels or not contact["email"]):
            add(target, "sms", contact["phone"], who)
    return items


class MeetingSource:
    """The delivery engine's view of meeting messages; ``sender`` (the e-mail From address) is
    the organizer in the calendar file."""

    kind = SourceKind.MEETING

    def __init__(self, *, sender: str) -> None:
        self.sender = sender

    async def load(self, session: AsyncSession, jobs: Sequence[Job]) -> Mapping[int, Any]:
        rows = await load_targets(session, jobs)
        meetings = {
            m.campaign_id: m
            for m in await session.scalars(
                select(Meeting).where(
                    Meeting.campaign_id.in_({r.campaign.id for r in rows.values()})
                )
            )
        }
        languages = {j.id: j.language for j in jobs}
        loaded = {}
        for delivery_id, row in rows.items():
            meeting = meetings[row.campaign.id]
            text = text_in(row.campaign, languages[delivery_id])
            loaded[delivery_id] = MeetingMail(
                phase=PHASES[row.delivery_target.split(":", 1)[0]],
                meeting_id=meeting.campaign_id,
                title=text.get("title") or row.campaign.title or "",
                agenda=text.get("agenda", ""),
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                join_url=meeting.join_url,
                code=meeting.code,
                organisation=row.organisation,
                network=row.network,
                networks=", ".join(row.target.network_codes),
            )
        return loaded

    def render(self, job: Job, links: Links) -> OutgoingMessage:
        mail: MeetingMail = job.payload
        lang = job.language
        if job.channel == ChannelKind.TEAMS:
            return compose.outgoing(
                job,
                meeting_render.teams(mail, lang=lang),
                link="" if mail.phase == meeting_render.CANCEL else mail.join_url,
                link_label=translator(lang).gettext(strings.MEETING_PAGE_JOIN),
            )
        link = ""
        if mail.phase != meeting_render.CANCEL:
            link = meeting_render.answer_url(links.base_url, links.token("rsvp"))
        if job.channel == ChannelKind.SMS:
            return compose.sms(job, meeting_render.sms(mail, lang=lang, link=link), link=link)
        rendered = meeting_render.email(mail, lang=lang, link=link, base_url=links.base_url)
        attachments: tuple[Attachment, ...] = ()
        if mail.phase != meeting_render.REMINDER:
            attachments = (
                meeting_render.calendar_file(
                    mail, base_url=links.base_url, sender=self.sender, lang=lang
                ),
            )
        message = compose.outgoing(job, rendered, link=link)
        return dataclasses.replace(message, attachments=attachments)

    async def fallbacks(self, session: AsyncSession, failed: Sequence[Job]) -> list[OutboxItem]:
        return []
