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
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import SYSTEM, Actor, record
from dispatch.campaigns.base import (
    chosen_networks,
    claim_reminder,
    find_by_idempotency_key,
    get_campaign,
    known_networks,
)
from dispatch.campaigns.models import (
    Campaign,
    CampaignKind,
    CampaignState,
    CampaignTarget,
    TargetState,
)
from dispatch.campaigns.outbox import REMINDER, review_items
from dispatch.campaigns.schemas import CampaignOut, Counts, ListReviewIn, OrganisationCounts
from dispatch.db.base import utcnow
from dispatch.delivery import outbox
from dispatch.directory import bounces
from dispatch.directory.models import Contact
from dispatch.directory.organisations import organisation_names
from dispatch.errors import InvalidInputError
from dispatch.incidents.audience import contact_rows
from translations.strings.marking import N_
from translations.text import Text

REQUEST = "request"


@dataclass(slots=True)
class Started:
    campaign: Campaign
    targets: int
    delivery_ids: list[int]
    unreachable: int
    """Active contacts with neither an e-mail address nor a mobile number."""
    created: bool = True


def _check(data: ListReviewIn, known: Sequence[str], now: datetime) -> list[str]:
    _, errors = chosen_networks(data.networks, known)
    for name, moment in (("deadline", data.deadline), ("reminder_at", data.reminder_at)):
        if moment is not None and moment.tzinfo is None:
            errors.append(
                Text(
                    N_("%(name)s needs a time zone offset, such as 2027-01-31T12:00:00+01:00"),
                    field=name,
                    name=name,
                )
            )
    if errors:
        return errors
    if data.deadline <= now:
        errors.append(Text(N_("the deadline must be in the future"), field="deadline"))
    if data.reminder_at is not None and not now < data.reminder_at < data.deadline:
        errors.append(
            Text(N_("reminder_at must be after now and before the deadline"), field="reminder_at")
        )
    return errors


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
    bounced = await bounces.flagged(session, [c["email"] for c in contacts.values() if c["email"]])
    delivery_ids = await outbox.write(
        session, review_items(targets, addresses, REQUEST, bounced=bounced)
    )
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
    bounced = await bounces.flagged(session, [e for _, e, _ in rows if e])
    ids = await outbox.write(session, review_items(targets, addresses, REMINDER, bounced=bounced))
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


@dataclass(slots=True)
class _Tally:
    counts: Counts = field(default_factory=Counts)

    def add(self, state: str) -> None:
        self.counts.contacts += 1
        setattr(self.counts, state, getattr(self.counts, state) + 1)


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
