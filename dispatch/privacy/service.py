"""Privacy (GDPR): everything held about one contact, erasing a contact, and retention.

Erasing keeps the rows that reports count (recipients, deliveries, acknowledgements, answers)
and removes what names the person on them: addresses, numbers, comments, the words of their
field reports, their corrections and the person they named. The contact row itself is deleted.
What the networks were sent, and how many were reached, stays true.

Retention does the same to the recipients and deliveries of incidents closed longer ago than
``DISPATCH_RETENTION_DAYS``; the directory and the reports' counts are untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import Acknowledgement, FieldReport, SmsOptOut
from dispatch.audit.models import AuditEvent
from dispatch.audit.service import Actor, record
from dispatch.campaigns.base import CAMPAIGN_SOURCES
from dispatch.campaigns.models import Campaign, CampaignTarget
from dispatch.changes.models import ChangeRequest
from dispatch.db.base import utcnow
from dispatch.delivery.models import Delivery
from dispatch.delivery.sandbox import SandboxMessage
from dispatch.directory.contacts import get_contact
from dispatch.directory.models import Contact, Organisation
from dispatch.incidents.models import Incident, IncidentState, Recipient
from dispatch.newsletters.models import NewsletterContribution

ERASED = "(erased)"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def _recipients(session: AsyncSession, contact: Contact) -> Sequence[Recipient]:
    """The person's places in incident audiences: by contact, or by the same address (one
    person listed for two organisations is one recipient)."""
    same_person = [Recipient.contact_id == contact.id]
    if contact.email:
        same_person.append(Recipient.email == contact.email)
    if contact.phone:
        same_person.append(Recipient.phone == contact.phone)
    return (await session.scalars(select(Recipient).where(or_(*same_person)))).all()


def _by_address(model: Any, contact: Contact) -> list[Any]:
    found = []
    if contact.email:
        found.append(model.email == contact.email)
    if getattr(model, "phone", None) is not None and contact.phone:
        found.append(model.phone == contact.phone)
    return found


async def export_contact(session: AsyncSession, contact_id: int) -> dict[str, Any]:
    """Everything held about the contact, as one JSON document (article 15)."""
    contact = await get_contact(session, contact_id)
    organisation = await session.get(Organisation, contact.organisation_id)
    recipients = await _recipients(session, contact)
    recipient_ids = [r.id for r in recipients]
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
            select(Delivery).where(Delivery.recipient_id.in_(recipient_ids)).order_by(Delivery.id)
        )
    ).all()
    acknowledgements = {
        a.recipient_id: a
        for a in (
            await session.scalars(
                select(Acknowledgement).where(Acknowledgement.recipient_id.in_(recipient_ids))
            )
        ).all()
    }
    reports = (
        await session.scalars(
            select(FieldReport)
            .where(
                or_(
                    FieldReport.contact_id == contact.id,
                    FieldReport.recipient_id.in_(recipient_ids),
                )
            )
            .order_by(FieldReport.id)
        )
    ).all()
    targets = (
        await session.execute(
            select(CampaignTarget, Campaign.kind)
            .join(Campaign, Campaign.id == CampaignTarget.campaign_id)
            .where(CampaignTarget.contact_id == contact.id)
            .order_by(CampaignTarget.id)
        )
    ).all()
    opted_out = await session.get(SmsOptOut, contact.phone) if contact.phone else None
    change_requests = (
        (await session.scalars(select(ChangeRequest).where(or_(*by_address)))).all()
        if (by_address := _by_address(ChangeRequest, contact))
        else []
    )
    contributions = (
        (await session.scalars(select(NewsletterContribution).where(or_(*by_email)))).all()
        if (by_email := _by_address(NewsletterContribution, contact))
        else []
    )
    audit = (
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "contact", AuditEvent.entity_id == str(contact.id))
            .order_by(AuditEvent.id)
        )
    ).all()
    return {
        "exported_at": utcnow().isoformat(),
        "contact": {
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
        },
        "organisation": {"id": organisation.id, "name": organisation.name}
        if organisation
        else None,
        "other_listings": [
            {"contact_id": c.id, "organisation_id": c.organisation_id, "name": c.name}
            for c in await _listings(session, contact)
            if c.id != contact.id
        ],
        "incidents": [
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
        ],
        "field_reports": [
            {
                "incident_id": f.incident_id,
                "source": f.source,
                "text": f.text,
                "received_at": _iso(f.received_at),
            }
            for f in reports
        ],
        "campaigns": [
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
        ],
        "sms_stopped_at": _iso(opted_out.opted_out_at) if opted_out else None,
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
        "audit": [{"action": a.action, "at": _iso(a.at), "by": a.actor} for a in audit],
    }


async def _listings(session: AsyncSession, contact: Contact) -> Sequence[Contact]:
    """Every directory row for the same person: this one, and any other organisation's row with
    the same e-mail address or mobile number (alerts already treat those as one person)."""
    same = [Contact.id == contact.id, *_by_address(Contact, contact)]
    return (await session.scalars(select(Contact).where(or_(*same)).order_by(Contact.id))).all()


async def erase_contact(session: AsyncSession, contact_id: int, *, actor: Actor) -> dict[str, int]:
    """Erase the person (article 17): every listing of them, anonymising what names them and
    keeping what is counted. Returns how many rows of each kind were changed."""
    contact = await get_contact(session, contact_id)
    counts: dict[str, int] = {"contacts": 0}
    for listing in await _listings(session, contact):
        for kind, number in (await _erase_listing(session, listing)).items():
            counts[kind] = counts.get(kind, 0) + number
        counts["contacts"] += 1
        await session.delete(listing)
        # The audit names the contact by id only: the log stays append-only, with no address.
        record(
            session,
            actor=actor,
            action="contact.erased",
            entity_type="contact",
            entity_id=listing.id,
            details={"on_request_for": contact_id},
        )
    await session.flush()
    return counts


async def _erase_listing(session: AsyncSession, contact: Contact) -> dict[str, int]:
    recipients = await _recipients(session, contact)
    recipient_ids = [r.id for r in recipients]
    counts: dict[str, int] = {"recipients": len(recipients)}
    if recipient_ids:
        await _anonymise_recipients(session, Recipient.id.in_(recipient_ids))
        # What was still waiting is not sent to someone who asked to be forgotten.
        counts["deliveries_stopped"] = await _count_update(
            session,
            update(Delivery)
            .where(Delivery.recipient_id.in_(recipient_ids), Delivery.state == "queued")
            .values(state="failed", failed_at=utcnow(), last_error="the contact was erased"),
        )
        counts["deliveries"] = await _count_update(
            session,
            update(Delivery).where(Delivery.recipient_id.in_(recipient_ids)).values(address=None),
        )
        counts["acknowledgements"] = await _count_update(
            session,
            update(Acknowledgement)
            .where(Acknowledgement.recipient_id.in_(recipient_ids))
            .values(comment=None),
        )
    counts["field_reports"] = await _count_update(
        session,
        update(FieldReport)
        .where(
            or_(FieldReport.contact_id == contact.id, FieldReport.recipient_id.in_(recipient_ids))
        )
        .values(text=ERASED, sender=None, contact_id=None),
    )
    counts["campaign_deliveries"] = await _count_update(
        session,
        update(Delivery)
        .where(
            Delivery.source_kind.in_(CAMPAIGN_SOURCES),
            Delivery.source_id.in_(
                select(CampaignTarget.id).where(CampaignTarget.contact_id == contact.id)
            ),
        )
        .values(address=None),
    )
    counts["campaign_answers"] = await _count_update(
        session,
        update(CampaignTarget)
        .where(CampaignTarget.contact_id == contact.id)
        .values(changes=None, replacement=None),
    )
    if by_address := _by_address(ChangeRequest, contact):
        counts["change_requests"] = await _count_update(
            session,
            update(ChangeRequest)
            .where(or_(*by_address))
            .values(name=ERASED, email=None, phone=None, comment=""),
        )
    if by_email := _by_address(NewsletterContribution, contact):
        counts["newsletter_contributions"] = await _count_update(
            session,
            update(NewsletterContribution).where(or_(*by_email)).values(name=ERASED, email=None),
        )
    sandbox = [a for a in (contact.email, contact.phone) if a]
    if sandbox:
        counts["sandbox_messages"] = await _count_update(
            session, delete(SandboxMessage).where(SandboxMessage.to.in_(sandbox))
        )
    return counts


async def _count_update(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement, execution_options={"synchronize_session": False})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _anonymise_recipients(session: AsyncSession, where: Any) -> int:
    """No address, no number; a person key that names no one (it stays unique per row)."""
    return await _count_update(
        session,
        update(Recipient)
        .where(where)
        .values(
            email=None,
            phone=None,
            person_key=literal("erased:") + cast(Recipient.id, String),
        ),
    )


async def apply_retention(session: AsyncSession, *, days: int, now: datetime | None = None) -> int:
    """Anonymise recipients and delivery addresses of incidents closed more than ``days`` ago;
    returns how many recipients were changed (0 when ``days`` is 0: keep everything)."""
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = select(Incident.id).where(
        Incident.state == IncidentState.CLOSED, Incident.closed_at < cutoff
    )
    changed = await _anonymise_recipients(
        session,
        (Recipient.incident_id.in_(old))
        & ((Recipient.email.is_not(None)) | (Recipient.phone.is_not(None))),
    )
    await _count_update(
        session,
        update(Delivery)
        .where(Delivery.incident_id.in_(old), Delivery.address.is_not(None))
        .values(address=None),
    )
    return changed
