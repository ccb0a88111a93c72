"""The deliveries' part of a report: states per channel, language and network, failures and
fallbacks, counted either from the rows streaming past (CSV and XLSX, which write every row, and
SQLite) or by PostgreSQL (JSON and HTML, which need only the counts: a few aggregate queries
instead of 100,000 rows through Python). A test holds the two to the same report
(``tests/integration/test_report_tally.py``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.delivery.models import DeliveryState
from dispatch.reports.rows import Ack, DeliveryRow, Person, organisations_of, stream_deliveries
from dispatch.reports.schemas import Breakdown, FallbackPerson

MAX_LISTED = 500
"""The most people listed by name (fallbacks); the counts always cover everyone."""
NO_REASON = "no reason given"
FAILED = (DeliveryState.FAILED.value, DeliveryState.UNDELIVERABLE.value)


@dataclass(slots=True)
class Slices:
    """The report's slices that people and deliveries both count into."""

    totals: Breakdown
    by_language: dict[str, Breakdown]
    by_network: dict[str, Breakdown]
    failed_by_org: Counter[int]


@dataclass(slots=True)
class DeliveryTally:
    """What the deliveries add to a report."""

    by_channel: dict[str, Breakdown] = field(default_factory=lambda: defaultdict(Breakdown))
    channel_people: Counter[str] = field(default_factory=Counter)
    """How many people each channel carried a message to."""
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Failed deliveries per (channel, reason), in the order first seen."""
    fallback_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    """People of the first message per (preferred, sent in), in the order first seen."""
    fallback_people: list[FallbackPerson] = field(default_factory=list)
    first_sent: datetime | None = None
    last_sent: datetime | None = None


async def streamed(
    session: AsyncSession,
    incident_id: int,
    slices: Slices,
    *,
    personal: bool,
    acks: dict[int, Ack],
    people: dict[int, Person],
    org_ids_of: dict[int, list[int]],
    on_row: Callable[[DeliveryRow], None] | None,
) -> DeliveryTally:
    """Count every delivery as it streams past, handing each to ``on_row``."""
    tally = DeliveryTally()
    people_by_channel: dict[str, set[int]] = defaultdict(set)
    fallback_seen: set[int] = set()
    rows = stream_deliveries(session, incident_id, personal=personal, acks=acks, people=people)
    async for row in rows:
        if on_row is not None:
            on_row(row)
        slices.totals.count(row.state)
        tally.by_channel[row.channel].count(row.state)
        if row.recipient_id is not None:
            people_by_channel[row.channel].add(row.recipient_id)
        slices.by_language[row.language].count(row.state)
        for network in row.network.split(","):
            if network:
                slices.by_network[network].count(row.state)
        if row.sent_at is not None:
            first, last = tally.first_sent, tally.last_sent
            tally.first_sent = row.sent_at if first is None else min(first, row.sent_at)
            tally.last_sent = row.sent_at if last is None else max(last, row.sent_at)
        if row.state in FAILED:
            tally.reasons[(row.channel, row.last_error or NO_REASON)] += 1
            for o in org_ids_of.get(row.recipient_id or 0, ()):
                slices.failed_by_org[o] += 1
        first_fallback = row.fallback and row.message == 1 and row.recipient_id is not None
        if first_fallback and row.recipient_id not in fallback_seen:
            fallback_seen.add(row.recipient_id or 0)
            tally.fallback_counts[(row.preferred_language, row.language)] += 1
            if personal and len(tally.fallback_people) < MAX_LISTED:
                tally.fallback_people.append(
                    FallbackPerson(
                        name=row.name,
                        organisation=row.organisation,
                        preferred=row.preferred_language,
                        sent_in=row.language,
                    )
                )
    tally.channel_people = Counter({c: len(p) for c, p in people_by_channel.items()})
    return tally


# The deliveries a report covers: the incident's, each with its message version (as the stream).
_OF_INCIDENT = """
FROM deliveries d JOIN message_versions v ON v.id = d.source_id
WHERE d.incident_id = :incident
"""

_STATES = (
    """
SELECT d.channel, d.language, d.state, count(*), min(d.sent_at), max(d.sent_at)
"""
    + _OF_INCIDENT
    + """
GROUP BY d.channel, d.language, d.state
"""
)

_CHANNEL_PEOPLE = (
    """
SELECT d.channel, count(DISTINCT d.recipient_id)
"""
    + _OF_INCIDENT
    + """
GROUP BY d.channel
"""
)

# A Teams delivery names its network; a person's counts in each of the recipient's networks:
# grouped by the set of networks (few sets, many rows), which Python spreads over its members.
_NETWORKS = """
SELECT nullif(d.network_code, ''),
       CASE WHEN coalesce(d.network_code, '') = '' THEN r.network_codes END,
       d.state, count(*)
FROM deliveries d JOIN message_versions v ON v.id = d.source_id
LEFT JOIN recipients r ON r.id = d.recipient_id
WHERE d.incident_id = :incident
GROUP BY 1, 2, 3
"""

_REASONS = (
    """
SELECT d.channel, coalesce(nullif(d.last_error, ''), :no_reason), count(*), min(d.id)
"""
    + _OF_INCIDENT
    + """
  AND d.state IN :failed
GROUP BY 1, 2
ORDER BY 3 DESC, 4
"""
)

_FAILED_BY_ORG = """
SELECT o.id, count(*)
FROM deliveries d JOIN message_versions v ON v.id = d.source_id
JOIN recipients r ON r.id = d.recipient_id AND r.incident_id = d.incident_id
CROSS JOIN LATERAL unnest(r.organisation_ids) AS o(id)
WHERE d.incident_id = :incident AND d.state IN :failed
GROUP BY o.id
"""

# Each person's first fallback delivery of the first message, with the language the person
# prefers (the delivery's own for one who is not the incident's recipient); then the people per
# (preferred, sent in) with the first delivery of each (to keep the order first seen), and the
# first :listed people in delivery order, with what a report lists of them.
_FALLBACKS = """
WITH first AS (
  SELECT DISTINCT ON (d.recipient_id) d.recipient_id, d.language, d.id
  FROM deliveries d JOIN message_versions v ON v.id = d.source_id
  WHERE d.incident_id = :incident
    AND d.fallback AND v.sequence = 1 AND d.recipient_id IS NOT NULL
  ORDER BY d.recipient_id, d.id
), person AS (
  SELECT f.id, coalesce(nullif(r.language, ''), f.language) AS preferred, f.language,
         r.organisation_ids, r.contact_id
  FROM first f LEFT JOIN recipients r ON r.id = f.recipient_id AND r.incident_id = :incident
)
(SELECT preferred, language, count(*), min(id), NULL::bigint[], NULL::bigint
 FROM person GROUP BY preferred, language)
UNION ALL
(SELECT preferred, language, NULL, id, organisation_ids, contact_id
 FROM person ORDER BY id LIMIT :listed)
"""


def _failed_param(statement: str) -> Any:
    return text(statement).bindparams(bindparam("failed", expanding=True))


async def in_sql(
    session: AsyncSession,
    incident_id: int,
    slices: Slices,
    *,
    personal: bool,
    org_names: dict[int, str],
    names: Callable[[list[int]], Awaitable[dict[int, str]]],
) -> DeliveryTally:
    """Count the deliveries in PostgreSQL (``names``: contact id → name, for the people listed
    as having had a fallback; ``org_names`` for their organisations)."""
    tally = DeliveryTally()
    bind = {"incident": incident_id}
    for channel, language, state, n, first, last in await session.execute(text(_STATES), bind):
        for breakdown in (slices.totals, tally.by_channel[channel], slices.by_language[language]):
            breakdown.deliveries[state] = breakdown.deliveries.get(state, 0) + n
        if first is not None:
            tally.first_sent = first if tally.first_sent is None else min(tally.first_sent, first)
        if last is not None:
            tally.last_sent = last if tally.last_sent is None else max(tally.last_sent, last)
    for channel, n in await session.execute(text(_CHANNEL_PEOPLE), bind):
        tally.channel_people[channel] = n
    for own, networks, state, n in await session.execute(text(_NETWORKS), bind):
        for network in [own] if own else networks or ():
            if network:
                counted = slices.by_network[network].deliveries
                counted[state] = counted.get(state, 0) + n
    failed = {**bind, "failed": list(FAILED)}
    reasons = await session.execute(_failed_param(_REASONS), {**failed, "no_reason": NO_REASON})
    for channel, reason, n, _ in reasons:
        tally.reasons[(channel, reason)] = n
    for org, n in await session.execute(_failed_param(_FAILED_BY_ORG), failed):
        slices.failed_by_org[org] += n
    counts: list[tuple[int, str, str, int]] = []
    listed: list[tuple[int, str, str, list[int], int | None]] = []
    fallbacks = await session.execute(
        text(_FALLBACKS), {**bind, "listed": MAX_LISTED if personal else 0}
    )
    for preferred, language, n, first_id, org_ids, contact_id in fallbacks:
        if n is not None:
            counts.append((first_id, preferred, language, n))
        else:
            listed.append((first_id, preferred, language, org_ids or [], contact_id))
    for _, preferred, language, n in sorted(counts):
        tally.fallback_counts[(preferred, language)] = n
    if listed:
        listed.sort()
        named = await names([contact_id for *_, contact_id in listed if contact_id is not None])
        tally.fallback_people = [
            FallbackPerson(
                name=named.get(contact_id or 0, ""),
                organisation=organisations_of(org_ids, org_names),
                preferred=preferred,
                sent_in=language,
            )
            for _, preferred, language, org_ids, contact_id in listed
        ]
    return tally
