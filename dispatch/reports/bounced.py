"""The report's e-mail figures and the addresses that bounced, per organisation, for the
coordinator to correct (``dispatch mail-in`` reads the bounces)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.delivery.models import Delivery
from dispatch.directory.models import Contact, Organisation
from dispatch.inbound.models import InboundMail, MailKind
from dispatch.incidents import queries
from dispatch.incidents.models import Recipient
from dispatch.incidents.schemas import EmailCounts
from dispatch.reports.schemas import BouncedAddress, BouncedOrganisation


async def email_counts(session: AsyncSession, incident_id: int) -> EmailCounts:
    """Taken by the mail server, bounced, replied to, answered automatically."""
    return EmailCounts(**(await queries.email_counts(session, [incident_id]))[incident_id])


async def bounced_by_organisation(
    session: AsyncSession, incident_id: int, *, personal: bool
) -> list[BouncedOrganisation]:
    """The incident's e-mail that bounced for good, by the organisations of the people it was
    for, organisations with most bounces first."""
    rows = await session.execute(
        select(
            Delivery.id,
            Delivery.address,
            InboundMail.detail,
            Recipient.organisation_ids,
            Contact.name,
        )
        .join(InboundMail, InboundMail.delivery_id == Delivery.id)
        .join(Recipient, Recipient.id == Delivery.recipient_id)
        .outerjoin(Contact, Contact.id == Recipient.contact_id)
        .where(Delivery.incident_id == incident_id, InboundMail.kind == MailKind.BOUNCE)
        .order_by(Delivery.id)
    )
    by_org: dict[int, dict[int, BouncedAddress]] = defaultdict(dict)
    for delivery_id, address, detail, org_ids, name in rows.all():
        for org_id in org_ids or [0]:
            by_org[org_id][delivery_id] = BouncedAddress(
                name=name or "", address=address or "", reason=detail or ""
            )
    names = dict(
        (
            await session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(by_org)))
            )
        ).all()
    )
    out = [
        BouncedOrganisation(
            organisation=names.get(org_id, ""),
            bounced=len(found),
            addresses=list(found.values()) if personal else [],
        )
        for org_id, found in by_org.items()
    ]
    return sorted(out, key=lambda o: (-o.bounced, o.organisation))
