"""Everything held about one person, as one JSON document (GDPR article 15): asked for by
their contact id, or by an e-mail address or mobile number that may belong to no contact."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import Acknowledgement, FieldReport, SmsOptOut
from dispatch.audit.models import AuditEvent
from dispatch.campaigns.models import Campaign, CampaignTarget
from dispatch.changes.models import ChangeRequest
from dispatch.db.base import utcnow
from dispatch.delivery.models import Delivery
from dispatch.directory.models import Contact, Organisation
from dispatch.incidents.models import Incident, Recipient
from dispatch.newsletters.models import NewsletterContribution
from dispatch.privacy.mail import export_mail
from dispatch.privacy.person import (
    Person,
    field_reports_of,
    named_as_replacement,
    person_at,
    person_of_contact,
    recipients_of,
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _contact(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "language": contact.language,
        "channels": list(contact.channels),
        "main_contact": contact.main_contact,
        "active": contact.active,
        "newsletter_opt_out": contact.newsletter_opt_out,
        "last_confirmed_at": _iso(contact.last_confirmed_at),
        "created_at": _iso(contact.created_at),
    }


async def export_contact(session: AsyncSession, contact_id: int) -> dict[str, Any]:
    """The contact, their organisation, their other listings, and what every table holds
    about the person (404 for an unknown contact)."""
    contact, person = await person_of_contact(session, contact_id)
    organisation = await session.get(Organisation, contact.organisation_id)
    return {
        "exported_at": utcnow().isoformat(),
        "contact": _contact(contact),
        "organisation": {"id": organisation.id, "name": organisation.name}
        if organisation
        else None,
        "other_listings": [
            {"contact_id": c.id, "organisation_id": c.organisation_id, "name": c.name}
            for c in person.listings
            if c.id != contact.id
        ],
        **await _held(session, person),
    }


async def export_address(
    session: AsyncSession, *, email: str | None, phone: str | None
) -> dict[str, Any]:
    """What is held under this e-mail address or mobile number (already normalised): the
    directory listings that carry it, and everything else, also where no contact does."""
    person = await person_at(session, email=email, phone=phone)
    names = dict(
        (
            await session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_({c.organisation_id for c in person.listings})
                )
            )
        ).all()
    )
    return {
        "exported_at": utcnow().isoformat(),
        "asked_for": {"email": email, "phone": phone},
        "contacts": [
            {**_contact(c), "organisation": names.get(c.organisation_id)} for c in person.listings
        ],
        **await _held(session, person),
    }


async def _held(session: AsyncSession, person: Person) -> dict[str, Any]:
    recipients = await recipients_of(session, person)
    reports = (
        await session.scalars(
            select(FieldReport)
            .where(field_reports_of(person, [r.id for r in recipients]))
            .order_by(FieldReport.id)
        )
    ).all()
    stopped = (
        await session.scalars(
            select(SmsOptOut.opted_out_at).where(SmsOptOut.phone.in_(person.phones))
        )
    ).all()
    return {
        "incidents": await _incidents(session, recipients),
        "field_reports": [
            {
                "incident_id": f.incident_id,
                "source": f.source,
                "text": f.text,
                "sender": f.sender,
                "received_at": _iso(f.received_at),
            }
            for f in reports
        ],
        "campaigns": await _campaigns(session, person),
        "named_as_replacement": await _named(session, person),
        "sms_stopped_at": _iso(min(stopped)) if stopped else None,
        **await _from_their_address(session, person),
        **await export_mail(session, person, [r.id for r in recipients]),
        "audit": [
            {"action": a.action, "at": _iso(a.at), "by": a.actor, "contact_id": a.entity_id}
            for a in (
                await session.scalars(
                    select(AuditEvent)
                    .where(
                        AuditEvent.entity_type == "contact",
                        AuditEvent.entity_id.in_([str(i) for i in person.contact_ids]),
                    )
                    .order_by(AuditEvent.id)
                )
            ).all()
        ],
    }


async def _incidents(
    session: AsyncSession, recipients: Sequence[Recipient]
) -> list[dict[str, Any]]:
    ids = [r.id for r in recipients]
    incidents = {
        i.id: i
        for i in (
            await session.scalars(
                select(Incident).where(Incident.id.in_({r.incident_id for r in recipients}))
            )
        ).all()
    }
    deliveries = (
        await session.scalars(
            select(Delivery).where(Delivery.recipient_id.in_(ids)).order_by(Delivery.id)
        )
    ).all()
    acknowledgements = {
        a.recipient_id: a
        for a in (
            await session.scalars(
                select(Acknowledgement).where(Acknowledgement.recipient_id.in_(ids))
            )
        ).all()
    }
    return [
        {
            "incident_id": r.incident_id,
            "title": incidents[r.incident_id].title,
            "status": incidents[r.incident_id].status,
            "declared_at": _iso(incidents[r.incident_id].declared_at),
            "sent_to": {"email": r.email, "phone": r.phone, "language": r.language},
            "deliveries": [
                {
                    "channel": d.channel,
                    "state": d.state,
                    "language": d.language,
                    "sent_at": _iso(d.sent_at),
                    "delivered_at": _iso(d.delivered_at),
                    "failed_at": _iso(d.failed_at),
                    "last_error": d.last_error,
                }
                for d in deliveries
                if d.recipient_id == r.id
            ],
            "acknowledgement": {
                "via": acknowledgements[r.id].via,
                "at": _iso(acknowledgements[r.id].at),
                "comment": acknowledgements[r.id].comment,
            }
            if r.id in acknowledgements
            else None,
        }
        for r in recipients
    ]


async def _campaigns(session: AsyncSession, person: Person) -> list[dict[str, Any]]:
    """Their own answers to list reviews and meetings (and whom they named)."""
    targets = (
        await session.execute(
            select(CampaignTarget, Campaign.kind)
            .join(Campaign, Campaign.id == CampaignTarget.campaign_id)
            .where(CampaignTarget.contact_id.in_(person.contact_ids))
            .order_by(CampaignTarget.id)
        )
    ).all()
    return [
        {
            "campaign_id": t.campaign_id,
            "kind": kind,
            "answer": t.state,
            "answered_at": _iso(t.answered_at),
            "answered_via": t.answered_via,
            "corrections": t.changes,
            "named_replacement": t.replacement,
        }
        for t, kind in targets
    ]


async def _named(session: AsyncSession, person: Person) -> list[dict[str, Any]]:
    """Where someone else named them to take over: what was given, when, and for which
    organisation (not who named them: that is the other person's data)."""
    targets = await named_as_replacement(session, person)
    kinds = dict(
        (
            await session.execute(
                select(Campaign.id, Campaign.kind).where(
                    Campaign.id.in_({t.campaign_id for t in targets})
                )
            )
        ).all()
    )
    return [
        {
            "campaign_id": t.campaign_id,
            "kind": kinds.get(t.campaign_id),
            "organisation_id": t.organisation_id,
            "named_at": _iso(t.answered_at),
            "name": (t.replacement or {}).get("name"),
            "email": (t.replacement or {}).get("email"),
            "phone": (t.replacement or {}).get("phone"),
        }
        for t in targets
    ]


async def _from_their_address(session: AsyncSession, person: Person) -> dict[str, Any]:
    """Change requests and newsletter contributions sent from, or naming, their address."""
    change_requests = (
        await session.scalars(
            select(ChangeRequest)
            .where(
                or_(
                    ChangeRequest.email.in_(person.emails),
                    ChangeRequest.phone.in_(person.phones),
                )
            )
            .order_by(ChangeRequest.id)
        )
    ).all()
    contributions = (
        await session.scalars(
            select(NewsletterContribution)
            .where(NewsletterContribution.email.in_(person.emails))
            .order_by(NewsletterContribution.id)
        )
    ).all()
    return {
        "change_requests": [
            {
                "kind": c.kind,
                "name": c.name,
                "email": c.email,
                "phone": c.phone,
                "comment": c.comment,
                "state": c.state,
                "received_at": _iso(c.received_at),
            }
            for c in change_requests
        ],
        "newsletter_contributions": [
            {"name": n.name, "email": n.email, "text": n.text, "received_at": _iso(n.received_at)}
            for n in contributions
        ],
    }
