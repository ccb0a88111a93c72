"""Meetings: invite the networks' contacts, take their answers, remind the day before, cancel.

A meeting is a campaign of kind ``meeting`` (its title and per-language agenda) with a row in
``meetings`` (time, Teams link, answer code). Every message goes through the delivery outbox:
the invitation, the reminder and the cancellation each write one delivery per contact and
channel, under the target ``meeting-<phase>:contact:<id>`` (or ``:network:<code>`` for the
network's Teams channel), so writing a phase twice is a no-op.

The reminder is a timer row like the list review's: ``reminder_at``/``reminded_at`` on the
campaign, claimed by a conditional update in whichever worker's sweeper gets there first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import SYSTEM, Actor, record
from dispatch.campaigns.base import (
    chosen_networks,
    claim_reminder,
    find_by_idempotency_key,
    known_networks,
)
from dispatch.campaigns.models import Campaign, CampaignKind, CampaignState, CampaignTarget
from dispatch.db.base import utcnow
from dispatch.delivery import outbox
from dispatch.directory.models import Contact
from dispatch.errors import ConflictError, InvalidInputError, NotFoundError
from dispatch.incidents.audience import contact_rows
from dispatch.incidents.models import Incident, IncidentState, MessageVersion
from dispatch.meetings.checks import MAX_HOURS, aware, check, default_reminder, warnings_for
from dispatch.meetings.models import Answer, Meeting, MeetingKind
from dispatch.meetings.outbox import CANCEL, INVITE, REMINDER, meeting_items
from dispatch.meetings.schemas import CHANNELS, CallIn, Created, MeetingIn, MeetingText
from dispatch.replycodes import service as replycodes
from translations import strings
from translations.catalog import translator
from translations.locales import choose_language
from translations.strings.marking import N_
from translations.text import Text

REPLY_CODE_HOLDER = "meeting"
CALL_IN_AFTER = timedelta(minutes=30)


async def _repeated(session: AsyncSession, key: str) -> Created | None:
    """The meeting an earlier request with this Idempotency-Key created, if any."""
    existing = await find_by_idempotency_key(session, key)
    if existing is None:
        return None
    meeting = await session.get(Meeting, existing.id)
    if meeting is None:
        raise ConflictError(Text(N_("This Idempotency-Key was already used for something else.")))
    count = await session.scalar(
        select(func.count()).where(
            CampaignTarget.campaign_id == existing.id, CampaignTarget.contact_id.is_not(None)
        )
    )
    return Created(existing, meeting, count or 0, [], created=False)


async def create(
    session: AsyncSession,
    *,
    data: MeetingIn,
    actor: Actor,
    idempotency_key: str | None,
    incident_id: int | None = None,
) -> Created:
    """Write the meeting, one target per invited contact and per network channel, and the
    invitations; the caller commits and enqueues."""
    if idempotency_key and (repeated := await _repeated(session, idempotency_key)):
        return repeated
    now = utcnow()
    known = await known_networks(session)
    content, errors = check(data, known, now)
    kind = MeetingKind.EMERGENCY if incident_id is not None else data.kind
    if errors:
        raise InvalidInputError.from_errors(errors)
    networks, _ = chosen_networks(data.networks, known)
    warnings = await warnings_for(session, kind, networks, data.starts_at)
    reminder_at = data.reminder_at or default_reminder(data.starts_at, now)
    first = next(iter(content.values()))
    campaign = Campaign(
        kind=CampaignKind.MEETING,
        networks=networks,
        reminder_at=reminder_at,
        created_by=actor.label,
        idempotency_key=idempotency_key,
        title=first["title"],
        content=content,
    )
    session.add(campaign)
    await session.flush()
    meeting = Meeting(
        campaign_id=campaign.id,
        kind=kind,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        join_url=data.join_url.strip(),
        channels=[c for c in CHANNELS if c in data.channels],
        code=await replycodes.allocate(session, holder=REPLY_CODE_HOLDER, until=data.starts_at),
        incident_id=incident_id,
    )
    session.add(meeting)
    people: dict[int, dict[str, Any]] = {}
    for row in await contact_rows(session, networks):
        entry = people.setdefault(
            row.contact_id,
            {
                "org": row.organisation_id,
                "email": row.email,
                "phone": row.phone,
                "language": row.language,
                "nets": set(),
            },
        )
        entry["nets"].add(row.network)
    targets = [
        CampaignTarget(
            campaign_id=campaign.id,
            contact_id=contact_id,
            organisation_id=p["org"],
            network_codes=sorted(p["nets"]),
            language=choose_language(p["language"], list(content))[0],
            state=Answer.PENDING,
        )
        for contact_id, p in people.items()
    ]
    if "teams" in meeting.channels:
        first_language = choose_language("nb", list(content))[0]
        targets += [
            CampaignTarget(
                campaign_id=campaign.id,
                contact_id=None,
                organisation_id=None,
                network_codes=[code],
                language=first_language,
                state=Answer.PENDING,
            )
            for code in networks
        ]
    session.add_all(targets)
    await session.flush()
    addresses = {t.id: people[t.contact_id] for t in targets if t.contact_id is not None}
    ids = await outbox.write(
        session, await meeting_items(session, meeting, targets, addresses, INVITE)
    )
    record(
        session,
        actor=actor,
        action="meeting.created",
        entity_type="campaign",
        entity_id=campaign.id,
        details={
            "kind": kind,
            "networks": networks,
            "starts_at": data.starts_at.isoformat(),
            "invited": len(people),
            "incident_id": incident_id,
        },
    )
    return Created(campaign, meeting, len(people), ids, warnings)


# --- Calling the networks in from an incident ---------------------------------------------------


async def call_in(
    session: AsyncSession,
    *,
    incident_id: int,
    data: CallIn,
    actor: Actor,
    idempotency_key: str | None,
) -> Created:
    """An emergency meeting for the incident's networks, titled after the incident in each of
    its languages, with the standard agenda unless one is given."""
    if idempotency_key and (repeated := await _repeated(session, idempotency_key)):
        return repeated
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFoundError(Text(N_("There is no incident with id %(id)d."), id=incident_id))
    if incident.state != IncidentState.ACTIVE:
        raise ConflictError(
            Text(N_("The incident is closed; call a meeting from an open incident."))
        )
    errors: list[str] = []
    if not 15 <= data.duration_minutes <= MAX_HOURS * 60:
        errors.append(
            Text(
                N_("the duration must be between 15 and %(most)d minutes"),
                field="duration",
                most=MAX_HOURS * 60,
            )
        )
    aware("starts_at", data.starts_at, errors)
    if errors:
        raise InvalidInputError.from_errors(errors)
    now = utcnow()
    starts_at = data.starts_at or (now + CALL_IN_AFTER).replace(second=0, microsecond=0)
    first = await session.scalar(
        select(MessageVersion)
        .where(MessageVersion.incident_id == incident_id)
        .order_by(MessageVersion.sequence)
        .limit(1)
    )
    languages = list(first.content) if first is not None else ["nb"]
    agenda = data.agenda or {}
    content = {}
    for lang in languages:
        t = translator(lang)
        subject = (first.content[lang].get("subject") if first else None) or incident.title
        content[lang] = MeetingText(
            title=t.gettext(strings.MEETING_EMERGENCY_TITLE, incident=subject)[:200],
            agenda=agenda.get(lang) or t.gettext(strings.MEETING_EMERGENCY_AGENDA),
        )
    for lang, text in agenda.items():
        content.setdefault(lang, MeetingText(title=content[languages[0]].title, agenda=text))
    meeting_in = MeetingIn(
        kind=MeetingKind.TOPICAL,
        networks=list(incident.networks),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=data.duration_minutes),
        join_url=data.join_url,
        content=content,
        channels=data.channels,
        reminder_at=None,
    )
    return await create(
        session,
        data=meeting_in,
        actor=actor,
        idempotency_key=idempotency_key,
        incident_id=incident_id,
    )


# --- The timers: the reminder the day before, and answers closing at the start ----------------


async def run_due(session: AsyncSession, now: datetime | None = None) -> list[int]:
    """Write due reminders and close meetings that have started; returns ids to enqueue."""
    now = now or utcnow()
    ids: list[int] = []
    due = (
        await session.scalars(
            select(Campaign.id)
            .join(Meeting, Meeting.campaign_id == Campaign.id)
            .where(
                Campaign.kind == CampaignKind.MEETING,
                Campaign.state == CampaignState.ACTIVE,
                Campaign.reminded_at.is_(None),
                Campaign.reminder_at <= now,
                Meeting.starts_at > now,
            )
        )
    ).all()
    for campaign_id in due:
        ids += await _remind(session, campaign_id, now)
    started = (
        await session.scalars(
            select(Campaign.id)
            .join(Meeting, Meeting.campaign_id == Campaign.id)
            .where(
                Campaign.kind == CampaignKind.MEETING,
                Campaign.state == CampaignState.ACTIVE,
                Meeting.starts_at <= now,
            )
        )
    ).all()
    if started:
        await session.execute(
            update(Campaign)
            .where(Campaign.id.in_(started), Campaign.state == CampaignState.ACTIVE)
            .values(state=CampaignState.FINISHED, finished_at=now)
        )
    return ids


async def _invited(
    session: AsyncSession, campaign_id: int, *, answers: Sequence[str]
) -> tuple[list[CampaignTarget], dict[int, dict[str, Any]]]:
    """Targets of active contacts with these answers, and their current addresses."""
    rows = (
        await session.execute(
            select(CampaignTarget, Contact.email, Contact.phone)
            .join(Contact, Contact.id == CampaignTarget.contact_id)
            .where(
                CampaignTarget.campaign_id == campaign_id,
                CampaignTarget.state.in_(list(answers)),
                Contact.active.is_(True),
            )
        )
    ).all()
    return [t for t, _, _ in rows], {t.id: {"email": e, "phone": p} for t, e, p in rows}


async def _remind(session: AsyncSession, campaign_id: int, now: datetime) -> list[int]:
    if not await claim_reminder(session, campaign_id, now):
        return []
    meeting = await session.get(Meeting, campaign_id)
    assert meeting is not None
    targets, addresses = await _invited(
        session, campaign_id, answers=(Answer.PENDING, Answer.ACCEPTED)
    )
    ids = await outbox.write(
        session, await meeting_items(session, meeting, targets, addresses, REMINDER)
    )
    record(
        session,
        actor=SYSTEM,
        action="meeting.reminded",
        entity_type="campaign",
        entity_id=campaign_id,
        details={"reminded": len(targets)},
    )
    return ids


async def cancel(session: AsyncSession, campaign_id: int, *, actor: Actor) -> list[int]:
    """Cancel a meeting that has not started: everyone who had not declined is told, with a
    calendar file that takes it out of their calendar. Returns the ids to enqueue."""
    campaign, meeting = await get_meeting(session, campaign_id)
    if meeting.cancelled_at is not None:
        raise ConflictError(Text(N_("This meeting is already cancelled.")))
    now = utcnow()
    if meeting.starts_at <= now:
        raise ConflictError(
            Text(N_("This meeting has already started and can no longer be cancelled."))
        )
    meeting.cancelled_at = now
    campaign.state = CampaignState.FINISHED
    campaign.finished_at = now
    targets, addresses = await _invited(
        session, campaign_id, answers=(Answer.PENDING, Answer.ACCEPTED)
    )
    channels = (
        await session.scalars(
            select(CampaignTarget).where(
                CampaignTarget.campaign_id == campaign_id, CampaignTarget.contact_id.is_(None)
            )
        )
    ).all()
    await session.flush()
    await replycodes.release(session, meeting.code, holder=REPLY_CODE_HOLDER)
    items = await meeting_items(session, meeting, [*targets, *channels], addresses, CANCEL)
    ids = await outbox.write(session, items)
    record(
        session,
        actor=actor,
        action="meeting.cancelled",
        entity_type="campaign",
        entity_id=campaign_id,
        details={"told": len(targets)},
    )
    return ids


async def get_meeting(session: AsyncSession, campaign_id: int) -> tuple[Campaign, Meeting]:
    row = (
        await session.execute(
            select(Campaign, Meeting)
            .join(Meeting, Meeting.campaign_id == Campaign.id)
            .where(Campaign.id == campaign_id)
        )
    ).first()
    if row is None:
        raise NotFoundError(Text(N_("There is no meeting with id %(id)d."), id=campaign_id))
    return row[0], row[1]
