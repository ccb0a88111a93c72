"""The second hop: organisations report that they passed a language on, and to about how many."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.db.base import utcnow
from dispatch.db.upsert import upsert
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.directory.models import Organisation
from dispatch.errors import InvalidInputError
from dispatch.packs.models import PackPublication, PassedOn
from dispatch.packs.schemas import PassedOnTotals
from translations.strings.marking import N_
from translations.text import Text

MAX_PEOPLE = 1_000_000


async def passed_on_totals(session: AsyncSession, pack_id: int) -> dict[str, PassedOnTotals]:
    """Per language: organisations that reported and their people; unattributed reports apart."""
    rows = await session.execute(
        select(
            PassedOn.language,
            PassedOn.organisation_id.is_(None),
            func.count(),
            func.coalesce(func.sum(PassedOn.people), 0),
        )
        .where(PassedOn.pack_id == pack_id)
        .group_by(PassedOn.language, PassedOn.organisation_id.is_(None))
    )
    totals: dict[str, PassedOnTotals] = defaultdict(PassedOnTotals)
    for language, unattributed, count, people in rows.all():
        total = totals[language]
        if unattributed:
            total.unattributed_reports += count
            total.unattributed_people += int(people)
        else:
            total.organisations += count
            total.people += int(people)
    return totals


def add_totals(parts: Sequence[PassedOnTotals]) -> PassedOnTotals:
    return PassedOnTotals(
        organisations=sum(p.organisations for p in parts),
        people=sum(p.people for p in parts),
        unattributed_reports=sum(p.unattributed_reports for p in parts),
        unattributed_people=sum(p.unattributed_people for p in parts),
    )


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who a passed-on link was sent to: the organisation, through one e-mail delivery."""

    delivery_id: int
    organisation_id: int
    organisation: str


async def reporter_of(session: AsyncSession, pack_id: int, delivery_id: int) -> Reporter | None:
    """The organisation behind a link's delivery, if that delivery belongs to this pack."""
    row = (
        await session.execute(
            select(Delivery.id, Organisation.id, Organisation.name)
            .join(PackPublication, PackPublication.id == Delivery.source_id)
            .join(Organisation, Organisation.id == Delivery.organisation_id)
            .where(
                Delivery.id == delivery_id,
                Delivery.source_kind == SourceKind.PACK,
                PackPublication.pack_id == pack_id,
            )
        )
    ).first()
    return None if row is None else Reporter(*row)


async def record_passed_on(
    session: AsyncSession,
    *,
    pack_id: int,
    language: str,
    people: int,
    reporter: Reporter | None,
) -> None:
    """Record a report; an organisation's later report for a language replaces its earlier one."""
    if not 1 <= people <= MAX_PEOPLE:
        # The sentence names MAX_PEOPLE as each language writes a million.
        raise InvalidInputError(
            Text(N_("Give a whole number of people between 1 and 1,000,000."), field="people")
        )
    row = {
        "pack_id": pack_id,
        "language": language,
        "people": people,
        "reported_at": utcnow(),
        "organisation_id": reporter.organisation_id if reporter else None,
        "delivery_id": reporter.delivery_id if reporter else None,
    }
    table = cast(Table, PassedOn.__table__)
    if reporter is None:
        await session.execute(insert(table).values(row))
        return
    await upsert(
        session,
        table,
        row,
        key=["pack_id", "language", "organisation_id"],
        update=["people", "reported_at", "delivery_id"],
    )
