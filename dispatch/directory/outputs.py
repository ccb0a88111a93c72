"""Directory rows as the API answers them: networks, organisations and contacts (with their
addresses' bounce flags)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.directory import bounces
from dispatch.directory.models import Contact, Network, Organisation
from dispatch.directory.schemas import (
    ContactOut,
    EmailBouncedOut,
    MembershipIO,
    NetworkOut,
    OrganisationOut,
)


def network_out(network: Network, *, full: bool = True) -> NetworkOut:
    return NetworkOut(
        code=network.code,
        name=network.name,
        teams_webhook_url=network.teams_webhook_url if full else None,
        has_teams_webhook=bool(network.teams_webhook_url),
    )


def organisation_out(organisation: Organisation, *, full: bool = True) -> OrganisationOut:
    return OrganisationOut(
        id=organisation.id,
        name=organisation.name,
        kind=organisation.kind,
        organisation_number=organisation.organisation_number,
        municipality_number=organisation.municipality_number,
        teams_webhook_url=organisation.teams_webhook_url if full else None,
        has_teams_webhook=bool(organisation.teams_webhook_url),
        networks=[MembershipIO(code=m.network.code, role=m.role) for m in organisation.memberships],
        created_at=organisation.created_at,
        updated_at=organisation.updated_at,
    )


async def contacts_out(session: AsyncSession, rows: Sequence[Contact]) -> list[ContactOut]:
    """The contacts with their addresses' bounce flags (one query)."""
    flags = await bounces.flagged(session, [c.email for c in rows if c.email])
    return [contact_out(c, flags.get(c.email) if c.email else None) for c in rows]


def contact_out(contact: Contact, bounced: bounces.Bounced | None = None) -> ContactOut:
    return ContactOut(
        id=contact.id,
        organisation_id=contact.organisation_id,
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
        language=contact.language,
        channels=list(contact.channels),
        main_contact=contact.main_contact,
        active=contact.active,
        last_confirmed_at=contact.last_confirmed_at,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
        email_bounced=EmailBouncedOut(at=bounced.at, reason=bounced.reason) if bounced else None,
    )
