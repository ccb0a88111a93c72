"""Recording acknowledgements and field reports, and resolving acknowledgement links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import Acknowledgement, AckVia, FieldReport
from dispatch.db.base import utcnow
from dispatch.db.direct import DirectPool
from dispatch.db.upsert import insert_ignoring_conflicts
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.errors import DomainError, NotFoundError
from dispatch.incidents.models import Incident, MessageKind, MessageVersion, Recipient
from dispatch.security.links import read_token
from translations import strings
from translations.text import Text

MAX_COMMENT = 4000


class LinkExpiredError(DomainError):
    status_code = 410
    title = "Gone"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What an acknowledgement link points at: the few columns its pages need."""

    delivery_id: int
    incident_id: int
    recipient_id: int
    version_id: int
    language: str
    status: str
    title: str
    closed: bool = False
    """Whether the incident is over (the page then says so, with the closing message)."""
    networks: tuple[str, ...] = ()
    """The recipient's networks, which the page names as the sender with the Directorate."""


async def message_version(
    session: AsyncSession, version_id: int
) -> tuple[dict[str, dict[str, str]], datetime]:
    """A message version's texts by language, and when it was sent."""
    row = (
        await session.execute(
            select(MessageVersion.content, MessageVersion.created_at).where(
                MessageVersion.id == version_id
            )
        )
    ).one()
    return row.content, row.created_at


async def resolve_link(
    session: AsyncSession, *, secret: str, token: str, valid_days: int
) -> LinkTarget:
    """The delivery a link names; 404 for a forged or unknown token, 410 once expired."""
    delivery_id = read_token(secret, token)
    row = None
    if delivery_id is not None:
        row = (
            await session.execute(
                select(
                    Delivery.incident_id,
                    Delivery.recipient_id,
                    Delivery.language,
                    Delivery.source_id,
                    Incident.status,
                    Incident.title,
                    Incident.closed_at,
                    Recipient.network_codes,
                )
                .join(Incident, Incident.id == Delivery.incident_id)
                .join(Recipient, Recipient.id == Delivery.recipient_id)
                .where(
                    Delivery.id == delivery_id,
                    Delivery.source_kind == SourceKind.INCIDENT,
                    Delivery.recipient_id.is_not(None),
                )
            )
        ).first()
    if row is None or delivery_id is None:
        raise NotFoundError(Text(strings.ACK_LINK_INVALID))
    if row.closed_at is not None and row.closed_at + timedelta(days=valid_days) < utcnow():
        raise LinkExpiredError(Text(strings.ACK_LINK_EXPIRED))
    return LinkTarget(
        delivery_id=delivery_id,
        incident_id=row.incident_id,
        recipient_id=row.recipient_id,
        version_id=row.source_id,
        language=row.language,
        status=row.status,
        title=row.title,
        closed=row.closed_at is not None,
        networks=tuple(row.network_codes or ()),
    )


_ACK_BY_LINK = """
WITH target AS (
  SELECT d.id, d.incident_id, d.recipient_id, d.language, d.source_id, i.status, i.title,
         i.closed_at, r.network_codes,
         i.closed_at IS NOT NULL AND i.closed_at + make_interval(days => $2) < now() AS expired
  FROM deliveries d
  JOIN incidents i ON i.id = d.incident_id
  JOIN recipients r ON r.id = d.recipient_id
  WHERE d.id = $1 AND d.source_kind = 'incident' AND d.recipient_id IS NOT NULL
), written AS (
  INSERT INTO acknowledgements (incident_id, recipient_id, delivery_id, via, at)
  SELECT incident_id, recipient_id, id, 'link', now() FROM target WHERE NOT expired
  ON CONFLICT (incident_id, recipient_id) DO NOTHING
  RETURNING id
)
SELECT target.*, EXISTS (SELECT 1 FROM written) AS created FROM target
"""


async def acknowledge_by_link(
    direct: DirectPool, *, secret: str, token: str, valid_days: int
) -> tuple[LinkTarget, bool]:
    """Resolve a link and acknowledge by it in one statement (one round trip, PostgreSQL):
    the target and whether this was the person's first acknowledgement. As ``resolve_link``,
    404 for a forged or unknown token and 410 once expired (nothing is written then)."""
    delivery_id = read_token(secret, token)
    row = None
    if delivery_id is not None:
        row = await direct.fetchrow(_ACK_BY_LINK, delivery_id, valid_days)
    if row is None or delivery_id is None:
        raise NotFoundError(Text(strings.ACK_LINK_INVALID))
    if row["expired"]:
        raise LinkExpiredError(Text(strings.ACK_LINK_EXPIRED))
    target = LinkTarget(
        delivery_id=delivery_id,
        incident_id=row["incident_id"],
        recipient_id=row["recipient_id"],
        version_id=row["source_id"],
        language=row["language"],
        status=row["status"],
        title=row["title"],
        closed=row["closed_at"] is not None,
        networks=tuple(row["network_codes"] or ()),
    )
    return target, bool(row["created"])


async def closing_message(session: AsyncSession, incident_id: int) -> dict[str, dict[str, str]]:
    """The closing message's texts by language; empty when the incident closed quietly."""
    content = await session.scalar(
        select(MessageVersion.content)
        .where(MessageVersion.incident_id == incident_id, MessageVersion.kind == MessageKind.CANCEL)
        .order_by(MessageVersion.sequence.desc())
        .limit(1)
    )
    return content or {}


async def acknowledge(
    session: AsyncSession,
    *,
    incident_id: int,
    recipient_id: int,
    via: AckVia,
    delivery_id: int | None,
    comment: str | None = None,
) -> bool:
    """Record that a person received an incident; False if they already had (nothing changes)."""
    row = {
        "incident_id": incident_id,
        "recipient_id": recipient_id,
        "delivery_id": delivery_id,
        "via": via.value,
        "comment": (comment or "").strip()[:MAX_COMMENT] or None,
        "at": utcnow(),
    }
    table = cast(Table, Acknowledgement.__table__)
    new = await insert_ignoring_conflicts(
        session, table, [row], key=["incident_id", "recipient_id"]
    )
    return bool(new)


async def add_field_report(
    session: AsyncSession,
    *,
    text: str,
    source: str,
    incident_id: int | None,
    recipient: Recipient | None,
    language: str | None,
    sender: str | None = None,
) -> FieldReport:
    """Store what a member reported; linked to the person and incident where known."""
    report = FieldReport(
        incident_id=incident_id,
        recipient_id=recipient.id if recipient else None,
        contact_id=recipient.contact_id if recipient else None,
        organisation_id=recipient.organisation_ids[0]
        if recipient and recipient.organisation_ids
        else None,
        network_code=recipient.network_codes[0] if recipient and recipient.network_codes else None,
        language=language,
        source=source,
        text=text.strip()[:MAX_COMMENT],
        sender=None if recipient else sender,
        unknown_sender=recipient is None,
    )
    session.add(report)
    await session.flush()
    return report
