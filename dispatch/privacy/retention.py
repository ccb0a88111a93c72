"""Retention: what was sent is kept only so long after an incident closes.

The recipients and delivery addresses of incidents closed longer ago than
``DISPATCH_RETENTION_DAYS`` are anonymised as an erasure would, with the mail servers' words
about them (bounces: ``privacy.mail``); a bounce flag older than that on an address no listing
carries any more is deleted. The directory and the reports' counts are untouched.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.db.base import utcnow
from dispatch.delivery.models import Delivery
from dispatch.incidents.models import Incident, IncidentState, Recipient
from dispatch.privacy.mail import retain_mail
from dispatch.privacy.person import anonymise_recipients, count_update


async def apply_retention(session: AsyncSession, *, days: int, now: datetime | None = None) -> int:
    """Anonymise recipients and delivery addresses of incidents closed more than ``days`` ago;
    returns how many recipients were changed (0 when ``days`` is 0: keep everything)."""
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = select(Incident.id).where(
        Incident.state == IncidentState.CLOSED, Incident.closed_at < cutoff
    )
    changed = await anonymise_recipients(
        session,
        (Recipient.incident_id.in_(old))
        & ((Recipient.email.is_not(None)) | (Recipient.phone.is_not(None))),
    )
    await count_update(
        session,
        update(Delivery)
        .where(Delivery.incident_id.in_(old), Delivery.address.is_not(None))
        .values(address=None),
    )
    await retain_mail(session, old, cutoff)
    return changed
