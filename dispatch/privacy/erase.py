"""Erasing a person (GDPR article 17), by contact id or by an e-mail address or mobile number.

Erasing keeps the rows that reports count (recipients, deliveries, acknowledgements, answers)
and removes what names the person on them: addresses, numbers, comments, the words of their
field reports, their corrections and the person they named, their name, address and number
where someone else named them as a replacement, and the mail servers' words about their address
(the bounce flag, what came back to them: ``privacy.mail``). Their directory listings are
deleted. What the networks were sent, and how many were reached, stays true.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import Acknowledgement, FieldReport
from dispatch.audit.service import Actor, record
from dispatch.campaigns.base import CAMPAIGN_SOURCES
from dispatch.campaigns.models import CampaignTarget
from dispatch.changes.models import ChangeRequest
from dispatch.db.base import utcnow
from dispatch.delivery.models import Delivery
from dispatch.delivery.sandbox import SandboxMessage
from dispatch.incidents.models import Recipient
from dispatch.newsletters.models import NewsletterContribution
from dispatch.privacy.mail import erase_mail
from dispatch.privacy.person import (
    ERASED,
    Person,
    anonymise_recipients,
    count_update,
    field_reports_of,
    named_as_replacement,
    person_at,
    person_of_contact,
    recipients_of,
)


async def erase_contact(session: AsyncSession, contact_id: int, *, actor: Actor) -> dict[str, int]:
    """Erase the person this contact is (every listing of them); returns how many rows of
    each kind were changed. The audit names each listing by id only."""
    _, person = await person_of_contact(session, contact_id)
    counts = await _erase(session, person)
    for listing in person.listings:
        record(
            session,
            actor=actor,
            action="contact.erased",
            entity_type="contact",
            entity_id=listing.id,
            details={"on_request_for": contact_id},
        )
    return counts


async def erase_address(
    session: AsyncSession, *, email: str | None, phone: str | None, actor: Actor
) -> dict[str, int]:
    """Erase the person known by this address (already normalised), with any directory
    listing that carries it. The audit keeps the counts and contact ids, never the address."""
    person = await person_at(session, email=email, phone=phone)
    counts = await _erase(session, person)
    for listing in person.listings:
        record(
            session,
            actor=actor,
            action="contact.erased",
            entity_type="contact",
            entity_id=listing.id,
            details={"on_request_for": "address"},
        )
    if any(counts.values()):
        record(
            session,
            actor=actor,
            action="person.erased",
            entity_type="person",
            details={
                "by": sorted(k for k, v in (("email", email), ("phone", phone)) if v),
                **counts,
            },
        )
    return counts


async def _erase(session: AsyncSession, person: Person) -> dict[str, int]:
    recipients = await recipients_of(session, person)
    recipient_ids = [r.id for r in recipients]
    counts: dict[str, int] = {"contacts": len(person.listings), "recipients": len(recipients)}
    addresses = person.addresses
    # Before their deliveries lose the addresses that find them.
    counts.update(await erase_mail(session, person, recipient_ids))
    if recipient_ids:
        await anonymise_recipients(session, Recipient.id.in_(recipient_ids))
    # What was still waiting is not sent to someone who asked to be forgotten.
    to_them = or_(Delivery.recipient_id.in_(recipient_ids), Delivery.address.in_(addresses))
    counts["deliveries_stopped"] = await count_update(
        session,
        update(Delivery)
        .where(to_them, Delivery.state == "queued")
        .values(state="failed", failed_at=utcnow(), last_error="the contact was erased"),
    )
    counts["deliveries"] = await count_update(
        session, update(Delivery).where(to_them).values(address=None)
    )
    counts["acknowledgements"] = await count_update(
        session,
        update(Acknowledgement)
        .where(
            Acknowledgement.recipient_id.in_(recipient_ids), Acknowledgement.comment.is_not(None)
        )
        .values(comment=None),
    )
    counts["field_reports"] = await count_update(
        session,
        update(FieldReport)
        .where(field_reports_of(person, recipient_ids))
        .values(text=ERASED, sender=None, contact_id=None),
    )
    counts["campaign_deliveries"] = await count_update(
        session,
        update(Delivery)
        .where(
            Delivery.source_kind.in_(CAMPAIGN_SOURCES),
            Delivery.source_id.in_(
                select(CampaignTarget.id).where(CampaignTarget.contact_id.in_(person.contact_ids))
            ),
            Delivery.address.is_not(None),
        )
        .values(address=None),
    )
    counts["campaign_answers"] = await count_update(
        session,
        update(CampaignTarget)
        .where(CampaignTarget.contact_id.in_(person.contact_ids))
        .values(changes=None, replacement=None),
    )
    named = await named_as_replacement(session, person)
    for target in named:
        # That a replacement was named stays (the campaign's summary counts it); who, goes.
        target.replacement = {"name": ERASED}
    counts["named_as_replacement"] = len(named)
    counts["change_requests"] = await count_update(
        session,
        update(ChangeRequest)
        .where(or_(ChangeRequest.email.in_(person.emails), ChangeRequest.phone.in_(person.phones)))
        .values(name=ERASED, email=None, phone=None, comment=""),
    )
    counts["newsletter_contributions"] = await count_update(
        session,
        update(NewsletterContribution)
        .where(NewsletterContribution.email.in_(person.emails))
        .values(name=ERASED, email=None),
    )
    counts["sandbox_messages"] = await count_update(
        session, delete(SandboxMessage).where(SandboxMessage.to.in_(addresses))
    )
    for listing in person.listings:
        await session.delete(listing)
    await session.flush()
    return counts
