"""Declaring, updating and closing incidents: one transaction writes the incident, its message
version, its recipients and every delivery row; the caller commits, then enqueues the ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.db.base import utcnow
from dispatch.db.bulk import insert_returning_ids
from dispatch.directory.models import Network
from dispatch.errors import ConflictError, InvalidInputError
from dispatch.incidents import timers, written
from dispatch.incidents import validation as v
from dispatch.incidents.audience import Person
from dispatch.incidents.models import (
    Incident,
    IncidentState,
    MessageKind,
    MessageVersion,
    Recipient,
)
from dispatch.incidents.preview import check, sms_for_check
from dispatch.incidents.queries import get_incident
from dispatch.incidents.schemas import (
    IncidentIn,
    LanguageContent,
)
from dispatch.replycodes import service as replycodes
from translations.strings.marking import N_
from translations.text import Text

REPLY_CODE_HOLDER = "incident"


@dataclass(slots=True)
class Outcome:
    """What a declaration or a new version wrote; ``delivery_ids`` in sending order."""

    incident: Incident
    version: MessageVersion
    recipients: int
    delivery_ids: list[int]
    created: bool = True


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
    checked = await check(session, data, code=code, audience=not written.in_sql(session))
    now = utcnow()
    incident = Incident(
        code=code,
        networks=checked.networks,
        channels=checked.channels,
        state=IncidentState.ACTIVE,
        declared_by=actor.label,
        declared_at=now,
        idempotency_key=idempotency_key,
        template_id=checked.template.template.id if checked.template else None,
        template_version=checked.template.template.version if checked.template else None,
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
    if written.in_sql(session):
        recipients = await written.write_recipients(session, incident.id, checked.networks)
    else:
        recipients = len(await _insert_recipients(session, incident.id, checked.people))
    delivery_ids = await written.write_deliveries(session, incident, version, checked.webhooks)
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
            "recipients": recipients,
            "deliveries": len(delivery_ids),
            **(
                {
                    "template_id": incident.template_id,
                    "template_version": incident.template_version,
                    "languages": sorted(checked.content),
                    "edited": checked.edited,
                }
                if checked.template
                else {}
            ),
        },
    )
    return Outcome(incident, version, recipients, delivery_ids)


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
        raise ConflictError(
            Text(N_("Incident %(id)d is closed; declare a new incident instead."), id=incident_id)
        )
    errors: list[str] = []
    content = v.check_message(
        errors,
        message,
        channels=incident.channels,
        sms_text=sms_for_check(incident.status, incident.code, incident.ack_required),
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
    recipients = await session.scalar(
        select(func.count()).where(Recipient.incident_id == incident.id)
    )
    rows = await session.execute(
        select(Network.code, Network.teams_webhook_url).where(Network.code.in_(incident.networks))
    )
    webhooks = {code: url for code, url in rows.all() if url}
    delivery_ids = await written.write_deliveries(session, incident, version, webhooks)
    record(
        session,
        actor=actor,
        action=f"incident.{kind.value}",
        entity_type="incident",
        entity_id=incident.id,
        details={"sequence": sequence, "deliveries": len(delivery_ids)},
    )
    return Outcome(incident, version, recipients or 0, delivery_ids)


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
        raise ConflictError(Text(N_("Incident %(id)d is already closed."), id=incident_id))
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
