"""Escalation: silence is followed up by itself, on timers kept in the database.

For an incident that asks for acknowledgement, three steps are scheduled when it is declared:

1. at the deadline, everyone who has not acknowledged gets the alert again, marked as a
   reminder, on their *other* channel (the same one if they have only one);
2. one deadline later, the main contacts of organisations where no one has acknowledged get it,
   opening with which of their organisations have not confirmed (``ORGANISATIONS_NOT_CONFIRMED``,
   in their language) and the reminder;
3. one deadline after that, whoever is still silent is marked unreachable.

Steps are rows with a due time (``dispatch.incidents.timers``); the sweeper runs the due ones
(``run_due``), so a restart loses no timer. Closing the incident cancels what has not run.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import Acknowledgement
from dispatch.audit.service import SYSTEM, record
from dispatch.db.base import utcnow
from dispatch.delivery import outbox
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.delivery.outbox import PRIORITY_FIRST, PRIORITY_REST, OutboxItem
from dispatch.incidents.models import (
    Incident,
    IncidentState,
    MessageKind,
    MessageVersion,
    Recipient,
)
from dispatch.incidents.timers import EscalationStep, Step
from translations.locales import choose_language


async def run_due(session: AsyncSession) -> list[int]:
    """Run every due step once (several sweepers may race; each step is taken by one)."""
    now = utcnow()
    taken = (
        await session.execute(
            update(EscalationStep)
            .where(EscalationStep.due_at <= now, EscalationStep.started_at.is_(None))
            .values(started_at=now)
            .returning(EscalationStep.id, EscalationStep.incident_id, EscalationStep.step)
        )
    ).all()
    delivery_ids: list[int] = []
    for step_id, incident_id, step in sorted(taken, key=lambda r: r[0]):
        incident = await session.get(Incident, incident_id)
        if incident is None or incident.state == IncidentState.CLOSED:
            outcome = "cancelled: the incident was closed"
            ids: list[int] = []
        elif step == Step.REMIND:
            ids, outcome = await _remind(session, incident)
        elif step == Step.MAIN_CONTACTS:
            ids, outcome = await _tell_main_contacts(session, incident)
        else:
            ids, outcome = [], await _mark_unreachable(session, incident)
        await session.execute(
            update(EscalationStep).where(EscalationStep.id == step_id).values(outcome=outcome)
        )
        record(
            session,
            actor=SYSTEM,
            action=f"escalation.{step}",
            entity_type="incident",
            entity_id=incident_id,
            details={"outcome": outcome, "deliveries": len(ids)},
        )
        delivery_ids += ids
    return delivery_ids


async def _silent(session: AsyncSession, incident: Incident) -> list[Recipient]:
    acked = select(Acknowledgement.recipient_id).where(Acknowledgement.incident_id == incident.id)
    query = select(Recipient).where(
        Recipient.incident_id == incident.id, Recipient.id.not_in(acked)
    )
    return list((await session.scalars(query.order_by(Recipient.id))).all())


async def _alert(session: AsyncSession, incident: Incident) -> MessageVersion:
    version = await session.scalar(
        select(MessageVersion).where(
            MessageVersion.incident_id == incident.id, MessageVersion.sequence == 1
        )
    )
    assert version is not None
    return version


async def _new_version(
    session: AsyncSession,
    incident: Incident,
    kind: MessageKind,
    content: dict[str, Any],
    silent_organisation_ids: list[int] | None = None,
) -> MessageVersion:
    sequence = (
        await session.scalar(
            select(MessageVersion.sequence)
            .where(MessageVersion.incident_id == incident.id)
            .order_by(MessageVersion.sequence.desc())
            .limit(1)
        )
        or 0
    ) + 1
    version = MessageVersion(
        incident_id=incident.id,
        sequence=sequence,
        kind=kind,
        content=content,
        created_by="system",
        silent_organisation_ids=silent_organisation_ids,
    )
    session.add(version)
    await session.flush()
    return version


async def _remind(session: AsyncSession, incident: Incident) -> tuple[list[int], str]:
    silent = await _silent(session, incident)
    if not silent:
        return [], "everyone had acknowledged"
    alert = await _alert(session, incident)
    version = await _new_version(session, incident, MessageKind.REMINDER, alert.content)
    used = await _channels_used(session, alert.id)
    rows = []
    for person in silent:
        channel = _other_channel(person, incident.channels, used.get(person.id, set()))
        if channel is not None:
            rows.append(_delivery(incident, version, person, channel))
    ids = await outbox.write(session, rows)
    return ids, f"reminded {len(ids)} of {len(silent)} silent people"


async def _tell_main_contacts(session: AsyncSession, incident: Incident) -> tuple[list[int], str]:
    people = list(
        (await session.scalars(select(Recipient).where(Recipient.incident_id == incident.id))).all()
    )
    acked = {r.id for r in people} - {r.id for r in await _silent(session, incident)}
    confirmed_orgs = {o for r in people if r.id in acked for o in r.organisation_ids}
    silent_orgs = {o for r in people for o in r.organisation_ids} - confirmed_orgs
    main = [r for r in people if r.main_contact and set(r.organisation_ids) & silent_orgs]
    if not main:
        return [], f"{len(silent_orgs)} organisations silent; no main contact to tell"
    alert = await _alert(session, incident)
    version = await _new_version(
        session, incident, MessageKind.ESCALATION, alert.content, sorted(silent_orgs)
    )
    rows = []
    for person in main:
        channel = "sms" if person.phone and "sms" in person.channels else "email"
        if (channel == "email" and person.email) or channel == "sms":
            rows.append(_delivery(incident, version, person, channel))
    ids = await outbox.write(session, rows)
    return ids, f"told {len(ids)} main contacts of {len(silent_orgs)} silent organisations"


async def _mark_unreachable(session: AsyncSession, incident: Incident) -> str:
    silent = await _silent(session, incident)
    now = utcnow()
    if silent:
        await session.execute(
            update(Recipient)
            .where(Recipient.id.in_([r.id for r in silent]))
            .values(unreachable_at=now)
        )
    return f"{len(silent)} people marked unreachable"


async def _channels_used(session: AsyncSession, version_id: int) -> dict[int, set[str]]:
    rows = await session.execute(
        select(Delivery.recipient_id, Delivery.channel).where(
            Delivery.source_kind == SourceKind.INCIDENT,
            Delivery.source_id == version_id,
            Delivery.recipient_id.is_not(None),
        )
    )
    used: dict[int, set[str]] = {}
    for recipient_id, channel in rows.all():
        if recipient_id is not None:
            used.setdefault(recipient_id, set()).add(channel)
    return used


def _other_channel(person: Recipient, channels: list[str], used: set[str]) -> str | None:
    addresses = {"email": person.email, "sms": person.phone}
    possible = [c for c in ("sms", "email") if addresses[c]]
    others = [c for c in possible if c not in used]
    if others:
        return others[0]
    return possible[0] if possible else None


def _delivery(
    incident: Incident, version: MessageVersion, person: Recipient, channel: str
) -> OutboxItem:
    lang, fallback = choose_language(person.language, list(version.content))
    return OutboxItem(
        source_kind=SourceKind.INCIDENT,
        source_id=version.id,
        channel=channel,
        target=f"recipient:{person.id}",
        address=(person.email if channel == "email" else person.phone) or "",
        language=lang,
        fallback=fallback,
        priority=PRIORITY_FIRST if person.main_contact else PRIORITY_REST,
        incident_id=incident.id,
        recipient_id=person.id,
    )
