"""What an update or a closing message would do, without writing: the incident's recorded
audience, who gets which language of it, and what its SMS cost; and the languages a new version
starts with (those of the last message sent), so that none is dropped by accident."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.directory.models import Network
from dispatch.errors import InvalidInputError
from dispatch.incidents import validation as v
from dispatch.incidents.audience import Person
from dispatch.incidents.models import Incident, MessageKind, MessageVersion, Recipient
from dispatch.incidents.preview import sms_for_check, tally
from dispatch.incidents.schemas import LanguageContent, PreviewOut

WRITTEN_KINDS = (MessageKind.ALERT, MessageKind.UPDATE, MessageKind.CANCEL)
"""The versions a coordinator wrote (reminders and escalations are the system's)."""


def person_of(r: Recipient) -> Person:
    """A recorded recipient as the audience code knows people."""
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


async def last_languages(session: AsyncSession, incident_id: int) -> list[str]:
    """The languages of the last message the coordinator sent, in its order."""
    content = await session.scalar(
        select(MessageVersion.content)
        .where(
            MessageVersion.incident_id == incident_id,
            MessageVersion.kind.in_([k.value for k in WRITTEN_KINDS]),
        )
        .order_by(MessageVersion.sequence.desc())
        .limit(1)
    )
    return list(content or {})


async def recorded_people(session: AsyncSession, incident_id: int) -> list[Person]:
    """The incident's audience as it was recorded when it was declared."""
    rows = await session.scalars(
        select(Recipient).where(Recipient.incident_id == incident_id).order_by(Recipient.id)
    )
    return [person_of(r) for r in rows]


async def preview_version(
    session: AsyncSession,
    incident: Incident,
    message: dict[str, LanguageContent],
    *,
    sms_capacity: float = 0.0,
) -> PreviewOut:
    """An update or closing message checked as sending would check it, and who gets what."""
    errors: list[str] = []
    content = v.check_message(
        errors,
        message,
        channels=incident.channels,
        sms_text=sms_for_check(incident.status, incident.code, incident.ack_required),
    )
    if errors:
        raise InvalidInputError.from_errors(errors)
    teams = await session.scalar(
        select(func.count())
        .select_from(Network)
        .where(Network.code.in_(incident.networks), Network.teams_webhook_url.is_not(None))
    )
    return tally(
        people=await recorded_people(session, incident.id),
        channels=incident.channels,
        teams_channels=teams or 0,
        content=content,
        status=incident.status,
        ack_required=incident.ack_required,
        code=incident.code,
        sms_capacity=sms_capacity,
    )
