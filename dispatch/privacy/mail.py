"""What came back by e-mail, in privacy requests and retention.

``dispatch mail-in`` keeps two things about a person: the flag on an address that bounced
(``email_bounces``: the address and the server's words) and a record of each message that came
back to one of their deliveries (``inbound_mail``: its kind, the bounce's status and words, what
it did). A bounce's words also stand in the delivery's history and its ``last_error``. The
reply's own text is not kept there: it became an acknowledgement comment or a field report,
which export and erasure already cover.

Export lists them; erasure deletes the flag and removes the server's words, keeping each
record's kind and outcome (the report counts bounces and replies); retention does the same for
incidents closed long ago, and drops flags older than the retention on addresses no listing
carries any more (a flag on a listed address is the directory's, and stays until corrected).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from dispatch.delivery.history import DeliveryEvent, EventKind
from dispatch.delivery.models import Delivery
from dispatch.directory.bounces import EmailBounce
from dispatch.directory.models import Contact
from dispatch.inbound.models import InboundMail
from dispatch.privacy.person import ERASED, Person, count_update

BOUNCE_EVENTS = (EventKind.BOUNCED, EventKind.BOUNCED_LATER, EventKind.BESIDE_BOUNCED)
"""History events whose detail is a mail server's words about the address."""

BOUNCED_ERASED = "bounced: (reason erased)"


def _lowered(person: Person) -> list[str]:
    return sorted({e.strip().lower() for e in person.emails})


def their_deliveries(person: Person, recipient_ids: Sequence[int]) -> ColumnElement[bool]:
    """Deliveries to the person: through an incident, to their listing, or to their address."""
    return or_(
        Delivery.recipient_id.in_(list(recipient_ids)),
        Delivery.target.in_([f"contact:{i}" for i in person.contact_ids]),
        func.lower(Delivery.address).in_(_lowered(person)),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def export_mail(
    session: AsyncSession, person: Person, recipient_ids: Sequence[int]
) -> dict[str, Any]:
    """Their bounce flags and what came back to their deliveries."""
    flags = (
        await session.scalars(
            select(EmailBounce)
            .where(EmailBounce.address.in_(_lowered(person)))
            .order_by(EmailBounce.address)
        )
    ).all()
    came_back = (
        await session.execute(
            select(InboundMail, Delivery.incident_id, Delivery.source_kind)
            .join(Delivery, Delivery.id == InboundMail.delivery_id)
            .where(their_deliveries(person, recipient_ids))
            .order_by(InboundMail.id)
        )
    ).all()
    return {
        "email_bounced": [
            {"address": f.address, "bounced_at": _iso(f.bounced_at), "reason": f.reason}
            for f in flags
        ],
        "mail_received": [
            {
                "incident_id": incident_id,
                "message_kind": source_kind,
                "kind": m.kind,
                "status": m.status,
                "detail": m.detail,
                "outcome": m.outcome,
                "received_at": _iso(m.received_at),
            }
            for m, incident_id, source_kind in came_back
        ],
    }


async def erase_mail(
    session: AsyncSession, person: Person, recipient_ids: Sequence[int]
) -> dict[str, int]:
    """Delete their bounce flags; remove the servers' words from what came back to them.
    Run before their deliveries lose their addresses (those find them)."""
    counts = await _forget_words(session, their_deliveries(person, recipient_ids))
    counts["email_bounces"] = await count_update(
        session, delete(EmailBounce).where(EmailBounce.address.in_(_lowered(person)))
    )
    return counts


async def retain_mail(session: AsyncSession, old_incidents: Any, cutoff: datetime) -> int:
    """For incidents past retention, the servers' words go; flags older than ``cutoff`` on
    addresses no listing carries are deleted. Returns how many flags."""
    await _forget_words(session, Delivery.incident_id.in_(old_incidents))
    listed = exists().where(func.lower(Contact.email) == EmailBounce.address)
    return await count_update(
        session,
        delete(EmailBounce).where(and_(EmailBounce.bounced_at < cutoff, ~listed)),
    )


async def _forget_words(session: AsyncSession, which: ColumnElement[bool]) -> dict[str, int]:
    """Remove the servers' words from the deliveries ``which`` selects, their records and
    their history (the delivery itself is updated by ``which`` directly: a subquery on the
    table being updated would be correlated with it)."""
    deliveries = select(Delivery.id).where(which)
    counts = {
        "mail_received": await count_update(
            session,
            update(InboundMail)
            .where(InboundMail.delivery_id.in_(deliveries), InboundMail.detail.is_not(None))
            .values(detail=None),
        ),
        "delivery_events": await count_update(
            session,
            update(DeliveryEvent)
            .where(
                DeliveryEvent.delivery_id.in_(deliveries),
                DeliveryEvent.kind.in_(list(BOUNCE_EVENTS)),
                DeliveryEvent.detail != ERASED,
            )
            .values(detail=ERASED),
        ),
    }
    await count_update(
        session,
        update(Delivery)
        .where(which, Delivery.last_error.like("bounced: %"))
        .where(Delivery.last_error != BOUNCED_ERASED)
        .values(last_error=BOUNCED_ERASED),
    )
    return counts
