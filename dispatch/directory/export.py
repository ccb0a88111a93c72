"""The directory as CSV, in the import's columns, so a coordinator can correct addresses in a
spreadsheet and import the file again: one row per active contact, plus whether the contact's
e-mail address bounced (and why). Streamed from a server-side cursor; the import ignores the
extra columns."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.directory import cells
from dispatch.directory.bounces import EmailBounce
from dispatch.directory.import_file import COLUMNS
from dispatch.directory.models import Contact, Membership, MembershipRole, Network, Organisation

EXTRA_COLUMNS = ("email_bounced", "email_bounce_reason")
EXPORT_COLUMNS = (*COLUMNS, *EXTRA_COLUMNS)
FLUSH_BYTES = 64 * 1024
PARTITION = 1000


def _contacts(network_id: int | None) -> Select[*tuple[Any, ...]]:
    query = (
        select(
            Organisation.id.label("organisation_id"),
            Organisation.name.label("organisation_name"),
            Organisation.organisation_number,
            Organisation.kind,
            Organisation.municipality_number,
            Contact.name,
            Contact.email,
            Contact.phone,
            Contact.language,
            Contact.channels,
            Contact.main_contact,
            EmailBounce.bounced_at,
            EmailBounce.reason,
        )
        .join(Organisation, Organisation.id == Contact.organisation_id)
        .outerjoin(EmailBounce, EmailBounce.address == func.lower(Contact.email))
        .where(Contact.active.is_(True))
        .order_by(Organisation.name, Organisation.id, Contact.name, Contact.id)
    )
    if network_id is not None:
        query = query.where(
            Contact.organisation_id.in_(
                select(Membership.organisation_id).where(Membership.network_id == network_id)
            )
        )
    return query


async def count(session: AsyncSession, *, network_id: int | None) -> int:
    """How many contacts the export holds (for its audit event)."""
    found = await session.scalar(
        select(func.count()).select_from(_contacts(network_id).order_by(None).subquery())
    )
    return int(found or 0)


async def _networks(session: AsyncSession) -> dict[int, str]:
    """Each organisation's networks as the import writes them: ``NIK;NIFS:observer``."""
    rows = await session.execute(
        select(Membership.organisation_id, Network.code, Membership.role)
        .join(Network, Network.id == Membership.network_id)
        .order_by(Membership.organisation_id, Network.code)
    )
    by_org: dict[int, list[str]] = defaultdict(list)
    for organisation_id, code, role in rows.all():
        by_org[organisation_id].append(code if role == MembershipRole.MEMBER else f"{code}:{role}")
    return {org: ";".join(codes) for org, codes in by_org.items()}


def _reason(at: datetime | None, reason: str | None) -> str:
    return "" if at is None else f"{at.date().isoformat()} {reason or ''}".strip()


async def csv_chunks(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    network_id: int | None,
    delimiter: str = ",",
) -> AsyncIterator[bytes]:
    """The CSV in pieces of about 64 KB, with a BOM so that Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    buffer.write("\ufeff")
    writer.writerow(EXPORT_COLUMNS)
    async with sessionmaker() as session:
        networks = await _networks(session)
        result = await session.stream(_contacts(network_id).execution_options(yield_per=PARTITION))
        async for partition in result.partitions():
            for r in partition:
                writer.writerow(
                    [
                        cells.escape(value)
                        for value in (
                            r.organisation_name,
                            r.organisation_number or "",
                            r.kind,
                            r.municipality_number or "",
                            networks.get(r.organisation_id, ""),
                            r.name,
                            r.email or "",
                            r.phone or "",
                            r.language,
                            ";".join(r.channels or []),
                            "yes" if r.main_contact else "no",
                            "yes" if r.bounced_at is not None else "no",
                            _reason(r.bounced_at, r.reason),
                        )
                    ]
                )
            if buffer.tell() >= FLUSH_BYTES:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()
