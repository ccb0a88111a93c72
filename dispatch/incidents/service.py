"""Declaring, updating and closing incidents: one transaction writes the incident, its message
version, its recipients and every delivery row; the caller commits, then enqueues the ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement

from channels.sms_encoding import analyse
from dispatch.audit.service import Actor, record
from dispatch.db.base import utcnow
from dispatch.db.bulk import insert_returning_ids
from dispatch.delivery import outbox
from dispatch.delivery.models import Delivery
from dispatch.directory.models import Network
from dispatch.errors import ConflictError, InvalidInputError, NotFoundError
from dispatch.incidents import render, timers
from dispatch.incidents import validation as v
from dispatch.incidents.audience import Person, resolve_audience
from dispatch.incidents.models import (
    Incident,
    IncidentState,
    MessageKind,
    MessageVersion,
    Recipient,
)
from dispatch.incidents.outbox import alert_items, personal_channels
from dispatch.incidents.schemas import (
    IncidentIn,
    LanguageContent,
    PreviewOut,
    SmsLanguage,
    SmsPreview,
)
from dispatch.paging import paginate
from dispatch.replycodes import service as replycodes
from translations.locales import choose_language

REPLY_CODE_HOLDER = "incident"


@dataclass(slots=True)
class Checked:
    """An incident body after validation, with its audience."""

    fields: dict[str, Any]
    networks: list[str]
    channels: list[str]
    content: dict[str, dict[str, str]]
    people: list[Person]
    webhooks: dict[str, str]


@dataclass(slots=True)
class Outcome:
    """What a declaration or a new version wrote; ``delivery_ids`` in sending order."""

    incident: Incident
    version: MessageVersion
    recipients: int
    delivery_ids: list[int]
    created: bool = True


def _sms_for_check(status: str, code: str, ack_required: bool) -> Any:
    return lambda lang, sms: render.sms_text(
        status=status, lang=lang, sms=sms, code=code, ack_required=ack_required
    )


async def _check(session: AsyncSession, data: IncidentIn, *, code: str) -> Checked:
    errors: list[str] = []
    title = data.title.strip()
    if not title:
        errors.append("title is empty")
    elif len(title) > 300:
        errors.append("title is longer than 300 characters")
    networks_rows = (await session.scalars(select(Network).order_by(Network.id))).all()
    known = [n.code for n in networks_rows]
    networks = v.check_networks(errors, data.networks, known)
    channels = v.check_channels(errors, data.channels)
    cap = v.check_cap_fields(
        errors,
        status=data.status,
        severity=data.severity,
        urgency=data.urgency,
        certainty=data.certainty,
    )
    deadline_s = v.check_deadline(errors, data.ack_deadline_minutes, data.ack_deadline_seconds)
    content = v.check_message(
        errors,
        data.message,
        channels=channels,
        sms_text=_sms_for_check(cap["status"], code, data.ack_required),
    )
    if errors:
        raise InvalidInputError.from_errors(errors)
    people = await resolve_audience(session, networks)
    webhooks = {
        n.code: n.teams_webhook_url
        for n in networks_rows
        if n.code in networks and n.teams_webhook_url
    }
    return Checked(
        fields={
            "title": title,
            "ack_required": data.ack_required,
            "ack_deadline_minutes": data.ack_deadline_minutes,
            "ack_deadline_seconds": deadline_s,
            **cap,
        },
        networks=networks,
        channels=channels,
        content=content,
        people=people,
        webhooks=webhooks,
    )


async def preview(session: AsyncSession, data: IncidentIn) -> PreviewOut:
    """Who would get what, and what the SMS would cost; writes nothing."""
    checked = await _check(session, data, code="0000")
    languages = list(checked.content)
    by_language: Counter[str] = Counter()
    fallbacks: dict[str, str] = {}
    deliveries: Counter[str] = Counter()
    sms_counts: Counter[str] = Counter()
    for person in checked.people:
        chosen, is_fallback = choose_language(person.language, languages)
        by_language[chosen] += 1
        if is_fallback:
            fallbacks[person.language] = chosen
        for channel in personal_channels(person, checked.channels):
            deliveries[channel] += 1
            if channel == "sms":
                sms_counts[chosen] += 1
    if "teams" in checked.channels:
        deliveries["teams"] = len(checked.webhooks)
    per_language: dict[str, SmsLanguage] = {}
    total = 0
    if "sms" in checked.channels:
        for lang, fields in checked.content.items():
            text = render.sms_text(
                status=checked.fields["status"],
                lang=lang,
                sms=fields["sms"],
                code="0000",
                ack_required=checked.fields["ack_required"],
            )
            analysis = analyse(text)
            per_language[lang] = SmsLanguage(
                encoding=analysis.encoding,
                segments=analysis.segments,
                characters=len(text),
                offenders=[f"'{o.char}' at {o.position} ({o.name})" for o in analysis.offenders],
            )
            total += analysis.segments * sms_counts[lang]
    return PreviewOut(
        recipients=len(checked.people),
        by_language=dict(by_language),
        fallbacks=fallbacks,
        sms=SmsPreview(segments_total=total, per_language=per_language),
        deliveries=dict(deliveries),
        main_contacts=sum(1 for p in checked.people if p.main_contact),
    )


async def find_by_idempotency_key(session: AsyncSession, key: str) -> Incident | None:
    """The incident a previous declaration with this key created."""
    return await session.scalar(select(Incident).where(Incident.idempotency_key == key))


async def declare(
    session: AsyncSession, *, data: IncidentIn, actor: Actor, idempotency_key: str | None
) -> Outcome:
    """Write the incident, its alert, its recipients and every delivery; the caller commits."""
    if idempotency_key:
        existing = await find_by_idempotency_key(session, idempotency_key)
        if existing is not None:
            version = await session.scalar(
                select(MessageVersion).where(
                    MessageVersion.incident_id == existing.id, MessageVersion.sequence == 1
                )
            )
            assert version is not None
            recipients = await session.scalar(
                select(func.count()).where(Recipient.incident_id == existing.id)
            )
            return Outcome(existing, version, recipients or 0, [], created=False)
    code = await replycodes.allocate(session, holder=REPLY_CODE_HOLDER)
    checked = await _check(session, data, code=code)
    now = utcnow()
    incident = Incident(
        code=code,
        networks=checked.networks,
        channels=checked.channels,
        state=IncidentState.ACTIVE,
        declared_by=actor.label,
        declared_at=now,
        idempotency_key=idempotency_key,
        **checked.fields,
    )
    session.add(incident)
    await session.flush()
    version = MessageVersion(
        incident_id=incident.id,
        sequence=1,
        kind=MessageKind.ALERT,
        content=checked.content,
        created_by=actor.label,
        created_at=now,
    )
    session.add(version)
    await session.flush()
    recipient_ids = await _insert_recipients(session, incident.id, checked.people)
    people = list(zip(recipient_ids, checked.people, strict=True))
    delivery_ids = await outbox.write(
        session, alert_items(incident, version, people, checked.webhooks)
    )
    timers.schedule(session, incident)
    record(
        session,
        actor=actor,
        action="incident.declared",
        entity_type="incident",
        entity_id=incident.id,
        details={
            "status": incident.status,
            "networks": checked.networks,
            "recipients": len(recipient_ids),
            "deliveries": len(delivery_ids),
        },
    )
    return Outcome(incident, version, len(recipient_ids), delivery_ids)


async def _insert_recipients(
    session: AsyncSession, incident_id: int, people: list[Person]
) -> list[int]:
    if not people:
        return []
    return await insert_returning_ids(
        session,
        cast(Table, Recipient.__table__),
        [
            {
                "incident_id": incident_id,
                "person_key": p.key,
                "contact_id": p.contact_ids[0],
                "contact_ids": p.contact_ids,
                "organisation_ids": p.organisation_ids,
                "network_codes": p.network_codes,
                "email": p.email,
                "phone": p.phone,
                "language": p.language,
                "channels": p.channels,
                "main_contact": p.main_contact,
            }
            for p in people
        ],
    )


async def get_incident(session: AsyncSession, incident_id: int) -> Incident:
    """One incident, or a 404 that says which."""
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFoundError(f"There is no incident with id {incident_id}.")
    return incident


async def add_version(
    session: AsyncSession,
    *,
    incident_id: int,
    message: dict[str, LanguageContent],
    kind: MessageKind,
    actor: Actor,
) -> Outcome:
    """An update or the closing message, to the incident's recorded audience."""
    incident = await get_incident(session, incident_id)
    if incident.state == IncidentState.CLOSED:
        raise ConflictError(f"Incident {incident_id} is closed; declare a new incident instead.")
    errors: list[str] = []
    content = v.check_message(
        errors,
        message,
        channels=incident.channels,
        sms_text=_sms_for_check(incident.status, incident.code, incident.ack_required),
    )
    if errors:
        raise InvalidInputError.from_errors(errors)
    sequence = (
        await session.scalar(
            select(func.max(MessageVersion.sequence)).where(
                MessageVersion.incident_id == incident.id
            )
        )
        or 0
    ) + 1
    version = MessageVersion(
        incident_id=incident.id,
        sequence=sequence,
        kind=kind,
        content=content,
        created_by=actor.label,
    )
    session.add(version)
    await session.flush()
    recipients = (
        await session.scalars(
            select(Recipient).where(Recipient.incident_id == incident.id).order_by(Recipient.id)
        )
    ).all()
    people = [(r.id, _person_of(r)) for r in recipients]
    rows = await session.execute(
        select(Network.code, Network.teams_webhook_url).where(Network.code.in_(incident.networks))
    )
    webhooks = {code: url for code, url in rows.all() if url}
    delivery_ids = await outbox.write(session, alert_items(incident, version, people, webhooks))
    record(
        session,
        actor=actor,
        action=f"incident.{kind.value}",
        entity_type="incident",
        entity_id=incident.id,
        details={"sequence": sequence, "deliveries": len(delivery_ids)},
    )
    return Outcome(incident, version, len(people), delivery_ids)


def _person_of(r: Recipient) -> Person:
    return Person(
        contact_ids=r.contact_ids,
        organisation_ids=r.organisation_ids,
        network_codes=r.network_codes,
        email=r.email,
        phone=r.phone,
        language=r.language,
        channels=r.channels,
        main_contact=r.main_contact,
    )


async def close(
    session: AsyncSession,
    *,
    incident_id: int,
    message: dict[str, LanguageContent] | None,
    actor: Actor,
) -> Outcome | None:
    """Close the incident, sending the closing message first when one is given."""
    incident = await get_incident(session, incident_id)
    if incident.state == IncidentState.CLOSED:
        raise ConflictError(f"Incident {incident_id} is already closed.")
    outcome = None
    if message:
        outcome = await add_version(
            session, incident_id=incident_id, message=message, kind=MessageKind.CANCEL, actor=actor
        )
    incident.state = IncidentState.CLOSED
    incident.closed_at = utcnow()
    await timers.cancel(session, incident.id)
    await replycodes.release(session, incident.code, holder=REPLY_CODE_HOLDER)
    record(
        session,
        actor=actor,
        action="incident.closed",
        entity_type="incident",
        entity_id=incident.id,
    )
    await session.flush()
    return outcome


async def delivery_counts(
    session: AsyncSession, incident_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Deliveries by state for each incident."""
    rows = await session.execute(
        select(Delivery.incident_id, Delivery.state, func.count())
        .where(Delivery.incident_id.in_(list(incident_ids)))
        .group_by(Delivery.incident_id, Delivery.state)
    )
    out: dict[int, dict[str, int]] = {i: {} for i in incident_ids}
    for incident_id, state, count in rows.all():
        out[incident_id or 0][state] = count
    return out


async def count_per_incident(
    session: AsyncSession,
    incident_column: InstrumentedAttribute[int],
    incident_ids: Sequence[int],
    *criteria: ColumnElement[bool],
) -> dict[int, int]:
    """Rows per incident (0 where there are none), e.g. recipients or acknowledgements."""
    rows = await session.execute(
        select(incident_column, func.count())
        .where(incident_column.in_(list(incident_ids)), *criteria)
        .group_by(incident_column)
    )
    counts: dict[int, int] = {i: c for i, c in rows.all()}  # noqa: C416 - typed rows
    return {i: counts.get(i, 0) for i in incident_ids}


async def list_incidents(
    session: AsyncSession, *, status: str | None, state: str | None, page: int, page_size: int
) -> tuple[Sequence[Incident], int]:
    """Incidents, newest first; exercises are kept apart with ``status``."""
    query = select(Incident)
    if status:
        query = query.where(Incident.status == status)
    if state:
        query = query.where(Incident.state == state)
    return await paginate(
        session, query.order_by(Incident.id.desc()), page=page, page_size=page_size
    )
