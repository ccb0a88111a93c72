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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import msgspec
from sqlalchemy import Table, extract, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.replies import SmsAnswer, yes_or_no
from dispatch.acks.tokens import read_token
from dispatch.audit.service import SYSTEM, Actor, record
from dispatch.campaigns.models import Campaign, CampaignKind, CampaignState, CampaignTarget
from dispatch.campaigns.service import (
    chosen_networks,
    claim_reminder,
    find_by_idempotency_key,
    known_networks,
)
from dispatch.db.base import utcnow
from dispatch.db.upsert import insert_ignoring_conflicts
from dispatch.delivery.models import Delivery, DeliveryState
from dispatch.directory.models import Contact, Network
from dispatch.directory.organisations import organisation_names
from dispatch.errors import ConflictError, InvalidInputError, NotFoundError
from dispatch.incidents.audience import contact_rows
from dispatch.incidents.models import Incident, IncidentState, MessageVersion
from dispatch.incidents.service import new_reply_code
from dispatch.meetings.models import PER_YEAR, Answer, Meeting, MeetingKind
from translations import strings
from translations.catalog import translator
from translations.locales import UnknownLanguageError, canonical_tag, choose_language

INVITE = "meeting-invite"
REMINDER = "meeting-reminder"
CANCEL = "meeting-cancel"
CHANNELS = ("email", "sms", "teams")
MAX_HOURS = 12
CALL_IN_AFTER = timedelta(minutes=30)


class MeetingText(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    agenda: str = ""


class MeetingIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    """``network`` (two a year) or ``topical`` (up to four, possibly for all networks)."""
    networks: list[str]
    starts_at: datetime
    ends_at: datetime
    join_url: str
    """The Teams meeting link (https)."""
    content: dict[str, MeetingText]
    """Title and agenda per language; each contact gets theirs or the closest one written."""
    channels: list[str] = msgspec.field(default_factory=lambda: ["email", "teams"])
    """Contacts without an e-mail address get an SMS whatever this says."""
    reminder_at: datetime | None = None
    """When to remind those who have not declined; the day before the start by default."""


class CallIn(msgspec.Struct, forbid_unknown_fields=True):
    """Call the incident's networks to an emergency meeting: one step, sensible defaults."""

    join_url: str
    starts_at: datetime | None = None
    """Thirty minutes from now by default."""
    duration_minutes: int = 60
    agenda: dict[str, str] | None = None
    """Agenda per language; a standard emergency agenda in the incident's languages otherwise."""
    channels: list[str] = msgspec.field(default_factory=lambda: list(CHANNELS))


@dataclass(slots=True)
class Created:
    campaign: Campaign
    meeting: Meeting
    invited: int
    delivery_ids: list[int]
    warnings: list[str] = field(default_factory=list)
    created: bool = True


def _aware(name: str, moment: datetime | None, errors: list[str]) -> None:
    if moment is not None and moment.tzinfo is None:
        errors.append(f"{name} needs a time zone offset, such as 2027-03-04T10:00:00+01:00")


def _check_url(url: str, errors: list[str]) -> None:
    url = url.strip()
    parts = urlsplit(url)
    if (
        parts.scheme != "https"
        or not parts.netloc
        or len(url) > 2000
        or any(c in url for c in ' \r\n"<>')
    ):
        errors.append("join_url must be the meeting's https link, such as the one Teams gives")


def _check(
    data: MeetingIn, known: Sequence[str], now: datetime
) -> tuple[dict[str, dict[str, str]], list[str]]:
    errors: list[str] = []
    kinds = (MeetingKind.NETWORK, MeetingKind.TOPICAL)
    if data.kind not in kinds:
        errors.append(f"kind must be network or topical, not '{data.kind}'")
    errors += chosen_networks(data.networks, known)[1]
    errors += [
        f"channel '{c}' must be email, sms or teams" for c in data.channels if c not in CHANNELS
    ]
    _check_url(data.join_url, errors)
    content: dict[str, dict[str, str]] = {}
    for tag, text in data.content.items():
        try:
            canonical = canonical_tag(tag)
        except UnknownLanguageError:
            errors.append(f"'{tag}' is not a language tag we know")
            continue
        if not text.title.strip():
            errors.append(f"{canonical}: the title is missing")
        elif len(text.title.strip()) > 200:
            errors.append(f"{canonical}: the title is longer than 200 characters")
        if len(text.agenda) > 10000:
            errors.append(f"{canonical}: the agenda is longer than 10,000 characters")
        content[canonical] = {"title": text.title.strip(), "agenda": text.agenda.strip()}
    if not data.content:
        errors.append("give the title (and agenda) in at least one language")
    for name, moment in (
        ("starts_at", data.starts_at),
        ("ends_at", data.ends_at),
        ("reminder_at", data.reminder_at),
    ):
        _aware(name, moment, errors)
    if any("time zone" in e for e in errors):
        return content, errors
    if data.starts_at <= now:
        errors.append("the meeting must start in the future")
    if not data.starts_at < data.ends_at <= data.starts_at + timedelta(hours=MAX_HOURS):
        errors.append(f"ends_at must be after starts_at and at most {MAX_HOURS} hours later")
    if data.reminder_at is not None and not now < data.reminder_at < data.starts_at:
        errors.append("reminder_at must be after now and before the meeting starts")
    return content, errors


def default_reminder(starts_at: datetime, now: datetime) -> datetime | None:
    """The day before; none when the invitation itself goes out less than a day ahead."""
    moment = starts_at - timedelta(days=1)
    return moment if moment > now else None


async def _warnings(
    session: AsyncSession, kind: str, networks: Sequence[str], starts_at: datetime
) -> list[str]:
    """A network's mandate foresees two network meetings and four topical ones a year; more is
    allowed, and said."""
    limit = PER_YEAR.get(MeetingKind(kind))
    if limit is None:
        return []
    rows = (
        await session.execute(
            select(Campaign.networks)
            .join(Meeting, Meeting.campaign_id == Campaign.id)
            .where(
                Meeting.kind == kind,
                Meeting.cancelled_at.is_(None),
                extract("year", Meeting.starts_at) == starts_at.year,
            )
        )
    ).all()
    warnings = []
    for network in networks:
        count = sum(1 for (nets,) in rows if network in nets) + 1
        if count > limit:
            warnings.append(
                f"this is {network}'s meeting number {count} of kind {kind} in "
                f"{starts_at.year}; the mandate foresees {limit}"
            )
    return warnings


async def _repeated(session: AsyncSession, key: str) -> Created | None:
    """The meeting an earlier request with this Idempotency-Key created, if any."""
    existing = await find_by_idempotency_key(session, key)
    if existing is None:
        return None
    meeting = await session.get(Meeting, existing.id)
    if meeting is None:
        raise ConflictError("This Idempotency-Key was already used for something else.")
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
    content, errors = _check(data, known, now)
    kind = MeetingKind.EMERGENCY if incident_id is not None else data.kind
    if errors:
        raise InvalidInputError.from_errors(errors)
    networks, _ = chosen_networks(data.networks, known)
    warnings = await _warnings(session, kind, networks, data.starts_at)
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
        code=await new_reply_code(session),
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
    ids = await _write_deliveries(session, meeting, targets, addresses, INVITE)
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


async def _write_deliveries(
    session: AsyncSession,
    meeting: Meeting,
    targets: Sequence[CampaignTarget],
    addresses: dict[int, dict[str, Any]],
    phase: str,
) -> list[int]:
    """E-mail to those with an address; SMS when the meeting uses SMS or there is no e-mail;
    a network's Teams channel for the invitation and the cancellation."""
    now = utcnow()
    values: list[dict[str, Any]] = []

    def add(target: CampaignTarget, channel: str, address: str, who: str) -> None:
        values.append(
            {
                "campaign_target_id": target.id,
                "organisation_id": target.organisation_id,
                "channel": channel,
                "target": f"{phase}:{who}",
                "network_code": None if target.contact_id else target.network_codes[0],
                "address": address,
                "language": target.language,
                "priority": 0 if meeting.kind == MeetingKind.EMERGENCY else 1,
                "state": DeliveryState.QUEUED,
                "created_at": now,
                "enqueued_at": now,
            }
        )

    webhooks: dict[str, str] = {}
    if phase != REMINDER and any(t.contact_id is None for t in targets):
        webhooks = {
            code: str(url)
            for code, url in (
                await session.execute(
                    select(Network.code, Network.teams_webhook_url).where(
                        Network.teams_webhook_url.is_not(None)
                    )
                )
            ).all()
        }
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
    table = cast(Table, Delivery.__table__)
    return await insert_ignoring_conflicts(
        session, table, values, key=["campaign_target_id", "target", "channel"]
    )


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
        raise NotFoundError(f"There is no incident with id {incident_id}.")
    if incident.state != IncidentState.ACTIVE:
        raise ConflictError("The incident is closed; call a meeting from an open incident.")
    errors: list[str] = []
    if not 15 <= data.duration_minutes <= MAX_HOURS * 60:
        errors.append(f"duration_minutes must be between 15 and {MAX_HOURS * 60}")
    _aware("starts_at", data.starts_at, errors)
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
    ids = await _write_deliveries(session, meeting, targets, addresses, REMINDER)
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
        raise ConflictError("This meeting is already cancelled.")
    now = utcnow()
    if meeting.starts_at <= now:
        raise ConflictError("This meeting has already started and can no longer be cancelled.")
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
    ids = await _write_deliveries(session, meeting, [*targets, *channels], addresses, CANCEL)
    record(
        session,
        actor=actor,
        action="meeting.cancelled",
        entity_type="campaign",
        entity_id=campaign_id,
        details={"told": len(targets)},
    )
    return ids


# --- Answers ------------------------------------------------------------------------------------


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
                .join(Delivery, Delivery.campaign_target_id == CampaignTarget.id)
                .where(Delivery.id == delivery_id)
            )
        ).first()
    if row is None:
        raise NotFoundError("This link is not valid.")
    return Invitation(*row)


def answer(target: CampaignTarget, *, accepted: bool, via: str) -> None:
    """Record the answer; the latest counts."""
    target.state = Answer.ACCEPTED if accepted else Answer.DECLINED
    target.answered_at = utcnow()
    target.answered_via = via


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
    accepted, code = yes_or_no(body)
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
    elif has_open_incident or accepted is None or len({r[1].id for r in rows}) != 1:
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


# --- Reading ------------------------------------------------------------------------------------


async def get_meeting(session: AsyncSession, campaign_id: int) -> tuple[Campaign, Meeting]:
    row = (
        await session.execute(
            select(Campaign, Meeting)
            .join(Meeting, Meeting.campaign_id == Campaign.id)
            .where(Campaign.id == campaign_id)
        )
    ).first()
    if row is None:
        raise NotFoundError(f"There is no meeting with id {campaign_id}.")
    return row[0], row[1]


class AnswerCounts(msgspec.Struct):
    invited: int = 0
    accepted: int = 0
    declined: int = 0
    pending: int = 0


class Attendee(msgspec.Struct):
    contact_id: int
    name: str
    organisation: str
    networks: list[str]
    answer: str
    via: str | None
    answered_at: datetime | None


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
