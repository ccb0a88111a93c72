"""The yearly list review: ask every active contact to confirm, remind the silent, and at the
deadline deactivate those still silent (never delete), each change in the audit log.

Timers are rows: ``reminder_at``/``reminded_at`` and ``deadline``/``finished_at`` on the
campaign. The sweeper in every worker calls ``run_due`` and the conditional updates make sure
only one of them acts, so a restart, or several workers, neither lose nor repeat a step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import msgspec
from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.tokens import read_token
from dispatch.audit.service import SYSTEM, Actor, record
from dispatch.campaigns.models import (
    Campaign,
    CampaignKind,
    CampaignState,
    CampaignTarget,
    TargetState,
)
from dispatch.db.base import utcnow
from dispatch.db.upsert import insert_ignoring_conflicts
from dispatch.delivery.models import Delivery, DeliveryState
from dispatch.directory import validation
from dispatch.directory.contacts import update_contact
from dispatch.directory.models import Contact, Network, Organisation
from dispatch.directory.organisations import organisation_names
from dispatch.directory.schemas import ContactPatch
from dispatch.errors import InvalidInputError, NotFoundError
from dispatch.incidents.audience import contact_rows

REQUEST = "request"
REMINDER = "reminder"


class ListReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    networks: list[str]
    deadline: datetime
    reminder_at: datetime | None = None


@dataclass(slots=True)
class Started:
    campaign: Campaign
    targets: int
    delivery_ids: list[int]
    unreachable: int
    """Active contacts with neither an e-mail address nor a mobile number."""
    created: bool = True


async def known_networks(session: AsyncSession) -> list[str]:
    """The network codes, in the directory's order."""
    return list((await session.scalars(select(Network.code).order_by(Network.id))).all())


def chosen_networks(given: Sequence[str], known: Sequence[str]) -> tuple[list[str], list[str]]:
    """The networks a request names, in the directory's order, and what is wrong with them
    (none named, or a code we do not know). Shared by every campaign kind."""
    chosen = {n.strip().upper() for n in given}
    errors = [] if chosen else [f"choose at least one network: {', '.join(known)}"]
    errors += [
        f"unknown network '{n}'; the networks are {', '.join(known)}"
        for n in sorted(chosen - set(known))
    ]
    return [n for n in known if n in chosen], errors


def _check(data: ListReviewIn, known: Sequence[str], now: datetime) -> list[str]:
    _, errors = chosen_networks(data.networks, known)
    for name, moment in (("deadline", data.deadline), ("reminder_at", data.reminder_at)):
        if moment is not None and moment.tzinfo is None:
            errors.append(f"{name} needs a time zone offset, such as 2027-01-31T12:00:00+01:00")
    if errors:
        return errors
    if data.deadline <= now:
        errors.append("the deadline must be in the future")
    if data.reminder_at is not None and not now < data.reminder_at < data.deadline:
        errors.append("reminder_at must be after now and before the deadline")
    return errors


async def find_by_idempotency_key(session: AsyncSession, key: str) -> Campaign | None:
    return await session.scalar(select(Campaign).where(Campaign.idempotency_key == key))


async def start_list_review(
    session: AsyncSession, *, data: ListReviewIn, actor: Actor, idempotency_key: str | None
) -> Started:
    """Write the campaign, one target per active contact, and one request delivery each."""
    if idempotency_key and (existing := await find_by_idempotency_key(session, idempotency_key)):
        count = await session.scalar(
            select(func.count()).where(CampaignTarget.campaign_id == existing.id)
        )
        return Started(existing, count or 0, [], 0, created=False)
    now = utcnow()
    known = await known_networks(session)
    if errors := _check(data, known, now):
        raise InvalidInputError.from_errors(errors)
    networks, _ = chosen_networks(data.networks, known)
    contacts: dict[int, dict[str, Any]] = {}
    for row in await contact_rows(session, networks):
        entry = contacts.setdefault(
            row.contact_id,
            {
                "org": row.organisation_id,
                "email": row.email,
                "phone": row.phone,
                "language": row.language,
                "nets": [],
            },
        )
        entry["nets"].append(row.network)
    campaign = Campaign(
        kind=CampaignKind.LIST_REVIEW,
        networks=networks,
        reminder_at=data.reminder_at,
        deadline=data.deadline,
        created_by=actor.label,
        idempotency_key=idempotency_key,
    )
    session.add(campaign)
    await session.flush()
    targets = [
        CampaignTarget(
            campaign_id=campaign.id,
            contact_id=contact_id,
            organisation_id=c["org"],
            network_codes=sorted(set(c["nets"])),
            language=c["language"],
        )
        for contact_id, c in contacts.items()
    ]
    session.add_all(targets)
    await session.flush()
    addresses = {t.id: contacts[t.contact_id or 0] for t in targets}
    delivery_ids = await _write_deliveries(session, campaign, targets, addresses, REQUEST)
    unreachable = sum(1 for c in contacts.values() if not c["email"] and not c["phone"])
    record(
        session,
        actor=actor,
        action="campaign.list_review.started",
        entity_type="campaign",
        entity_id=campaign.id,
        details={
            "networks": networks,
            "targets": len(targets),
            "deadline": data.deadline.isoformat(),
            "reminder_at": data.reminder_at.isoformat() if data.reminder_at else None,
        },
    )
    return Started(campaign, len(targets), delivery_ids, unreachable)


async def _write_deliveries(
    session: AsyncSession,
    campaign: Campaign,
    targets: Sequence[CampaignTarget],
    addresses: dict[int, dict[str, Any]],
    kind: str,
) -> list[int]:
    """One message per target: e-mail if it has an address, else SMS; returns the new ids."""
    now = utcnow()
    values = []
    for target in targets:
        contact = addresses[target.id]
        channel, address = (
            ("email", contact["email"]) if contact["email"] else ("sms", contact["phone"])
        )
        if not address:
            continue
        values.append(
            {
                "campaign_target_id": target.id,
                "organisation_id": target.organisation_id,
                "channel": channel,
                "target": f"{kind}:contact:{target.contact_id}",
                "address": address,
                "language": target.language,
                "priority": 1,
                "state": DeliveryState.QUEUED,
                "created_at": now,
                "enqueued_at": now,
            }
        )
    # The unique key (campaign target, target, channel) makes writing a message twice a no-op.
    table = cast(Table, Delivery.__table__)
    return await insert_ignoring_conflicts(
        session, table, values, key=["campaign_target_id", "target", "channel"]
    )


async def run_due(session: AsyncSession, now: datetime | None = None) -> list[int]:
    """Send due reminders and close campaigns past their deadline; returns ids to enqueue."""
    now = now or utcnow()
    ids: list[int] = []
    for campaign_id in (
        await session.scalars(
            select(Campaign.id).where(
                Campaign.kind == CampaignKind.LIST_REVIEW,
                Campaign.state == CampaignState.ACTIVE,
                Campaign.reminded_at.is_(None),
                Campaign.reminder_at <= now,
                Campaign.deadline > now,
            )
        )
    ).all():
        ids += await _remind(session, campaign_id, now)
    for campaign_id in (
        await session.scalars(
            select(Campaign.id).where(
                Campaign.kind == CampaignKind.LIST_REVIEW,
                Campaign.state == CampaignState.ACTIVE,
                Campaign.deadline <= now,
            )
        )
    ).all():
        await _finish(session, campaign_id, now)
    return ids


async def claim_reminder(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """Mark the campaign reminded; True for the one sweeper of several whose update took."""
    claimed = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


async def _remind(session: AsyncSession, campaign_id: int, now: datetime) -> list[int]:
    if not await claim_reminder(session, campaign_id, now):
        return []
    campaign = await session.get(Campaign, campaign_id)
    assert campaign is not None
    rows = (
        await session.execute(
            select(CampaignTarget, Contact.email, Contact.phone)
            .join(Contact, Contact.id == CampaignTarget.contact_id)
            .where(
                CampaignTarget.campaign_id == campaign_id,
                CampaignTarget.state == TargetState.PENDING,
                Contact.active.is_(True),
            )
        )
    ).all()
    targets = [t for t, _, _ in rows]
    addresses = {t.id: {"email": e, "phone": p} for t, e, p in rows}
    ids = await _write_deliveries(session, campaign, targets, addresses, REMINDER)
    record(
        session,
        actor=SYSTEM,
        action="campaign.list_review.reminded",
        entity_type="campaign",
        entity_id=campaign_id,
        details={"reminded": len(targets)},
    )
    return ids


async def _finish(session: AsyncSession, campaign_id: int, now: datetime) -> None:
    claimed = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.state == CampaignState.ACTIVE)
        .values(state=CampaignState.FINISHED, finished_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return
    silent = (
        await session.execute(
            select(CampaignTarget.id, CampaignTarget.contact_id)
            .join(Contact, Contact.id == CampaignTarget.contact_id)
            .where(
                CampaignTarget.campaign_id == campaign_id,
                CampaignTarget.state == TargetState.PENDING,
                Contact.active.is_(True),
            )
        )
    ).all()
    contact_ids = [c for _, c in silent if c is not None]
    if contact_ids:
        await session.execute(
            update(Contact).where(Contact.id.in_(contact_ids)).values(active=False)
        )
        await session.execute(
            update(CampaignTarget)
            .where(CampaignTarget.id.in_([t for t, _ in silent]))
            .values(state=TargetState.DEACTIVATED)
        )
    for contact_id in contact_ids:
        record(
            session,
            actor=SYSTEM,
            action="contact.deactivated",
            entity_type="contact",
            entity_id=contact_id,
            details={"reason": "no answer to the list review", "campaign_id": campaign_id},
        )


# --- Reading ---------------------------------------------------------------------------------


class Counts(msgspec.Struct):
    contacts: int = 0
    confirmed: int = 0
    pending: int = 0
    deactivated: int = 0


class OrganisationCounts(msgspec.Struct):
    id: int
    name: str
    counts: Counts
    active_contacts: int


class CampaignOut(msgspec.Struct):
    id: int
    kind: str
    state: str
    networks: list[str]
    reminder_at: datetime | None
    deadline: datetime | None
    reminded_at: datetime | None
    finished_at: datetime | None
    totals: Counts
    by_network: dict[str, Counts]
    organisations: list[OrganisationCounts]
    lost_last_contact: list[OrganisationCounts] = msgspec.field(default_factory=list)
    """Organisations the review left without an active contact: the coordinator's to-do."""
    replacements: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """People that contacts named to take over, for the coordinator to add."""


@dataclass(slots=True)
class _Tally:
    counts: Counts = field(default_factory=Counts)

    def add(self, state: str) -> None:
        self.counts.contacts += 1
        setattr(self.counts, state, getattr(self.counts, state) + 1)


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFoundError(f"There is no campaign with id {campaign_id}.")
    return campaign


async def summary(session: AsyncSession, campaign_id: int) -> CampaignOut:
    """Counts by network and organisation, and who needs the coordinator's attention."""
    campaign = await get_campaign(session, campaign_id)
    targets = (
        await session.scalars(
            select(CampaignTarget).where(CampaignTarget.campaign_id == campaign_id)
        )
    ).all()
    totals = _Tally()
    by_network: dict[str, _Tally] = defaultdict(_Tally)
    by_org: dict[int, _Tally] = defaultdict(_Tally)
    for t in targets:
        totals.add(t.state)
        if t.organisation_id is not None:  # a list review's targets always have one
            by_org[t.organisation_id].add(t.state)
        for code in t.network_codes:
            by_network[code].add(t.state)
    org_ids = list(by_org)
    names = await organisation_names(session, org_ids)
    active = dict(
        (
            await session.execute(
                select(Contact.organisation_id, func.count())
                .where(Contact.organisation_id.in_(org_ids), Contact.active.is_(True))
                .group_by(Contact.organisation_id)
            )
        ).all()
    )
    organisations = sorted(
        (
            OrganisationCounts(
                id=o, name=names.get(o, ""), counts=t.counts, active_contacts=active.get(o, 0)
            )
            for o, t in by_org.items()
        ),
        key=lambda x: x.name,
    )
    return CampaignOut(
        id=campaign.id,
        kind=campaign.kind,
        state=campaign.state,
        networks=list(campaign.networks),
        reminder_at=campaign.reminder_at,
        deadline=campaign.deadline,
        reminded_at=campaign.reminded_at,
        finished_at=campaign.finished_at,
        totals=totals.counts,
        by_network={k: v.counts for k, v in sorted(by_network.items())},
        organisations=organisations,
        lost_last_contact=[
            o for o in organisations if o.active_contacts == 0 and o.counts.deactivated > 0
        ],
        replacements=[
            {
                "organisation_id": t.organisation_id,
                "named_by_contact_id": t.contact_id,
                **(t.replacement or {}),
            }
            for t in targets
            if t.replacement
        ],
    )


# --- The contact's page ----------------------------------------------------------------------


@dataclass(slots=True)
class Confirming:
    """What a confirm link points at."""

    target: CampaignTarget
    campaign: Campaign
    contact: Contact | None
    organisation: str


async def resolve_confirm(session: AsyncSession, *, secret: str, token: str) -> Confirming:
    """The target a confirm token names; a 404 for a wrong, altered or unknown token."""
    delivery_id = read_token(secret, token, purpose="confirm")
    target_id = (
        await session.scalar(select(Delivery.campaign_target_id).where(Delivery.id == delivery_id))
        if delivery_id is not None
        else None
    )
    target = await session.get(CampaignTarget, target_id) if target_id is not None else None
    if target is None:
        raise NotFoundError("This link is not valid.")
    campaign = await session.get(Campaign, target.campaign_id)
    assert campaign is not None
    contact = await session.get(Contact, target.contact_id) if target.contact_id else None
    organisation = await session.get(Organisation, target.organisation_id)
    return Confirming(target, campaign, contact, organisation.name if organisation else "")


def is_open(found: Confirming) -> bool:
    """Whether the contact can still answer: before the deadline, and not deactivated."""
    return (
        found.campaign.state == CampaignState.ACTIVE
        and found.target.state != TargetState.DEACTIVATED
        and found.contact is not None
    )


@dataclass(slots=True)
class Answer:
    name: str
    email: str
    phone: str
    language: str
    replacement: dict[str, str] = field(default_factory=dict)


async def answer(session: AsyncSession, found: Confirming, given: Answer) -> str:
    """Confirm, with corrections applied through the directory's own checks; ``"replacement"``
    when the contact named someone else, else ``"confirmed"``. The caller commits."""
    contact = found.contact
    assert contact is not None
    actor = Actor(f"contact:{contact.id} (list review)")
    before = {
        "name": contact.name,
        "email": contact.email or "",
        "phone": contact.phone or "",
        "language": contact.language,
    }
    wanted = {
        "name": given.name,
        "email": given.email,
        "phone": given.phone,
        "language": given.language,
    }
    changed = {k: v for k, v in wanted.items() if v != before[k]}
    if changed:
        patch = ContactPatch()
        for key, value in changed.items():
            setattr(patch, key, (value or None) if key in ("email", "phone") else value)
        await update_contact(session, contact_id=contact.id, patch=patch, actor=actor)
    replacement = {k: v.strip() for k, v in given.replacement.items() if v.strip()}
    if replacement:
        errors = []
        if "email" in replacement:
            try:
                replacement["email"] = validation.email(replacement["email"])
            except validation.InvalidValue as exc:
                errors.append(f"the replacement's e-mail: {exc}")
        if "phone" in replacement:
            try:
                replacement["phone"] = validation.mobile(replacement["phone"])
            except validation.InvalidValue as exc:
                errors.append(f"the replacement's number: {exc}")
        if errors:
            raise InvalidInputError.from_errors(errors)
    found.target.state = TargetState.CONFIRMED
    found.target.answered_at = utcnow()
    found.target.changes = {k: [before[k], v] for k, v in changed.items()} or None
    found.target.replacement = replacement or None
    contact.last_confirmed_at = utcnow()
    record(
        session,
        actor=actor,
        action="contact.confirmed",
        entity_type="contact",
        entity_id=contact.id,
        details={
            "campaign_id": found.campaign.id,
            "changed": sorted(changed),
            "named_replacement": bool(replacement),
        },
    )
    return "replacement" if replacement else "confirmed"


async def deliveries_by_state(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """How many of a campaign's deliveries (all phases) are in each state."""
    return (await deliveries_by_campaign(session, [campaign_id])).get(campaign_id, {})


async def deliveries_by_campaign(
    session: AsyncSession, campaign_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """``deliveries_by_state`` for many campaigns in one query (a page of a list)."""
    rows = await session.execute(
        select(CampaignTarget.campaign_id, Delivery.state, func.count())
        .join(CampaignTarget, CampaignTarget.id == Delivery.campaign_target_id)
        .where(CampaignTarget.campaign_id.in_(list(campaign_ids)))
        .group_by(CampaignTarget.campaign_id, Delivery.state)
    )
    found: dict[int, dict[str, int]] = {}
    for campaign_id, state, count in rows.all():
        found.setdefault(int(campaign_id), {})[str(state)] = int(count)
    return found
