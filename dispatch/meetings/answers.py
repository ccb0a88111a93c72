"""Answers to meeting invitations: by the link in the invitation or by SMS (``JA 4821``), and
the counts of who answered what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.campaigns.models import Campaign, CampaignTarget
from dispatch.db.base import utcnow
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.directory.models import Contact
from dispatch.directory.organisations import organisation_names
from dispatch.errors import NotFoundError
from dispatch.inbound.replies import SmsAnswer, reply_code, yes_or_no
from dispatch.inbound.router import Inbound
from dispatch.incidents.models import Incident, IncidentState, Recipient
from dispatch.meetings.models import Answer, Meeting
from dispatch.meetings.schemas import AnswerCounts, Attendee
from dispatch.security.links import read_token
from translations import strings
from translations.catalog import translator
from translations.text import Text


@dataclass(frozen=True, slots=True)
class Invitation:
    """What an answer link or an SMS answer names."""

    target: CampaignTarget
    campaign: Campaign
    meeting: Meeting


def is_open(meeting: Meeting, now: datetime | None = None) -> bool:
    """Answers are taken until the meeting starts, unless it was cancelled."""
    return meeting.cancelled_at is None and (now or utcnow()) < meeting.starts_at


def text_in(campaign: Campaign, lang: str) -> dict[str, str]:
    """The meeting's title and agenda in ``lang``, else in the first language written."""
    content = campaign.content or {}
    return content.get(lang) or next(iter(content.values()), {})


def _invitations() -> Any:
    """Invited contacts' targets with their campaign and meeting (no network channels)."""
    return (
        select(CampaignTarget, Campaign, Meeting)
        .join(Campaign, Campaign.id == CampaignTarget.campaign_id)
        .join(Meeting, Meeting.campaign_id == Campaign.id)
        .where(CampaignTarget.contact_id.is_not(None))
    )


async def resolve_link(session: AsyncSession, *, secret: str, token: str) -> Invitation:
    delivery_id = read_token(secret, token, purpose="rsvp")
    row = None
    if delivery_id is not None:
        row = (
            await session.execute(
                _invitations()
                .join(Delivery, Delivery.source_id == CampaignTarget.id)
                .where(Delivery.id == delivery_id, Delivery.source_kind == SourceKind.MEETING)
            )
        ).first()
    if row is None:
        raise NotFoundError(Text(strings.ACK_LINK_INVALID))
    return Invitation(*row)


def answer(target: CampaignTarget, *, accepted: bool, via: str) -> None:
    """Record the answer; the latest counts."""
    target.state = Answer.ACCEPTED if accepted else Answer.DECLINED
    target.answered_at = utcnow()
    target.answered_via = via


async def sms_answer_handler(session: AsyncSession, message: Inbound) -> SmsAnswer | None:
    """The inbound router's handler for meeting answers; runs before acknowledgements."""
    open_incident = await session.scalar(
        select(func.count())
        .select_from(Recipient)
        .join(Incident, Incident.id == Recipient.incident_id)
        .where(Recipient.phone == message.sender, Incident.state == IncidentState.ACTIVE)
    )
    return await answer_by_sms(
        session, sender=message.sender, body=message.text, has_open_incident=bool(open_incident)
    )


async def answer_by_sms(
    session: AsyncSession, *, sender: str, body: str, has_open_incident: bool
) -> SmsAnswer | None:
    """An SMS answer to a meeting invitation, or ``None`` when the SMS is not one (then it is
    read as an alert's acknowledgement or a field report).

    With a code ("NEI 4821") the invitation is the coming meeting with that code to which this
    number was invited. Without a code, a plain yes or no counts only when the number has
    exactly one coming invitation and no open incident: an alert's "OK" must never become a
    meeting answer.
    """
    code = reply_code(body)
    now = utcnow()
    rows = (
        await session.execute(
            _invitations()
            .join(Contact, Contact.id == CampaignTarget.contact_id)
            .where(
                Contact.phone == sender,
                Meeting.cancelled_at.is_(None),
                Meeting.starts_at > now,
            )
            .order_by(Meeting.starts_at)
        )
    ).all()
    if code:
        rows = [r for r in rows if r[2].code == code]
    # Read in the language the invitation went out in: «Ja nie mogę przyjść» is a Polish no.
    accepted, _ = yes_or_no(body, rows[0][0].language if rows else None)
    if not code and (has_open_incident or accepted is None or len({r[1].id for r in rows}) != 1):
        return None
    if not rows:
        return None
    found = Invitation(*rows[0])
    lang = found.target.language
    t = translator(lang)
    title = text_in(found.campaign, lang).get("title") or found.campaign.title or ""
    if accepted is None:
        return SmsAnswer(
            t.gettext(strings.MEETING_REPLY_UNCLEAR, title=title, code=found.meeting.code),
            "meeting_unclear",
        )
    # One contact may be listed in several organisations; the answer is the person's.
    for target, _, _ in rows:
        if target.campaign_id == found.campaign.id:
            answer(target, accepted=accepted, via="sms")
    message = strings.MEETING_REPLY_ACCEPTED if accepted else strings.MEETING_REPLY_DECLINED
    return SmsAnswer(
        t.gettext(message, title=title), "meeting_accepted" if accepted else "meeting_declined"
    )


async def answer_counts(
    session: AsyncSession, campaign_ids: Sequence[int]
) -> dict[int, AnswerCounts]:
    """Totals for many meetings in one query, without loading who answered (for lists)."""
    rows = await session.execute(
        select(CampaignTarget.campaign_id, CampaignTarget.state, func.count())
        .join(Contact, Contact.id == CampaignTarget.contact_id)
        .where(CampaignTarget.campaign_id.in_(list(campaign_ids)))
        .group_by(CampaignTarget.campaign_id, CampaignTarget.state)
    )
    found = {campaign_id: AnswerCounts() for campaign_id in campaign_ids}
    for campaign_id, state, count in rows.all():
        counts = found[int(campaign_id)]
        counts.invited += int(count)
        setattr(counts, state, getattr(counts, state) + int(count))
    return found


async def answers(
    session: AsyncSession, campaign_id: int
) -> tuple[AnswerCounts, dict[str, AnswerCounts], list[Attendee]]:
    """Counts overall and by network, and who answered what (names for those allowed)."""
    rows = (
        await session.execute(
            select(CampaignTarget, Contact.name)
            .join(Contact, Contact.id == CampaignTarget.contact_id)
            .where(CampaignTarget.campaign_id == campaign_id)
            .order_by(Contact.name, Contact.id)
        )
    ).all()
    orgs = await organisation_names(
        session, {t.organisation_id for t, _ in rows if t.organisation_id}
    )
    totals = AnswerCounts()
    by_network: dict[str, AnswerCounts] = {}
    people: list[Attendee] = []
    for target, name in rows:
        for counts in (
            totals,
            *(by_network.setdefault(n, AnswerCounts()) for n in target.network_codes),
        ):
            counts.invited += 1
            setattr(counts, target.state, getattr(counts, target.state) + 1)
        people.append(
            Attendee(
                contact_id=target.contact_id or 0,
                name=name,
                organisation=orgs.get(target.organisation_id or 0, ""),
                networks=list(target.network_codes),
                answer=target.state,
                via=target.answered_via,
                answered_at=target.answered_at,
            )
        )
    return totals, by_network, people
