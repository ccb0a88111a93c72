"""The recipients' part of a report: people and their acknowledgements per language, network and
organisation, and how long each acknowledgement took, counted either from every recipient in
Python (CSV and XLSX, whose delivery rows need each person's details, and SQLite) or by
PostgreSQL (JSON and HTML: two aggregate queries instead of 50,000 recipients through Python).
A test holds the two to the same report (``tests/integration/test_report_tally.py``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.reports.rows import Ack, Person, person_of, recipient_rows
from dispatch.reports.schemas import Breakdown


@dataclass(slots=True)
class People:
    """What the recipients and their acknowledgements add to a report."""

    totals: Breakdown = field(default_factory=Breakdown)
    by_language: dict[str, Breakdown] = field(default_factory=lambda: defaultdict(Breakdown))
    by_network: dict[str, Breakdown] = field(default_factory=lambda: defaultdict(Breakdown))
    by_org: dict[int, Breakdown] = field(default_factory=lambda: defaultdict(Breakdown))
    seconds_by_network: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    """Seconds from the alert to each acknowledgement of a person in the network."""
    seconds_by_via: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    """Seconds from the alert to every acknowledgement, by how it came (sms, link, …)."""


@dataclass(slots=True)
class Listed:
    """The recipients as the streamed delivery rows show them, by recipient id."""

    people: dict[int, Person] = field(default_factory=dict)
    org_ids_of: dict[int, list[int]] = field(default_factory=dict)


def _add(bucket: Breakdown, recipients: int, acknowledged: int) -> None:
    bucket.recipients += recipients
    bucket.acknowledged += acknowledged


async def streamed(
    session: AsyncSession,
    incident_id: int,
    *,
    acks: dict[int, Ack],
    alert_at: datetime,
    org_names: dict[int, str],
) -> tuple[People, Listed]:
    """Count every recipient in Python, keeping each one's details for the delivery rows."""
    counted = People()
    listed = Listed()
    for each in acks.values():
        counted.seconds_by_via[each.via].append((each.at - alert_at).total_seconds())
    async for partition in recipient_rows(session, incident_id):
        for rid, org_ids, networks, language, contact_id in partition:
            listed.people[rid] = person_of(org_ids, networks, language, contact_id, org_names)
            listed.org_ids_of[rid] = org_ids
            ack = acks.get(rid)
            acknowledged = int(ack is not None)
            buckets = [counted.totals, counted.by_language[language]]
            buckets += [counted.by_network[n] for n in networks]
            buckets += [counted.by_org[o] for o in org_ids]
            for bucket in buckets:
                _add(bucket, 1, acknowledged)
            if ack is not None:
                for n in networks:
                    counted.seconds_by_network[n].append((ack.at - alert_at).total_seconds())
    return counted, listed


# People and acknowledgements per language, per set of networks and per set of organisations,
# in one pass; Python spreads a set's counts over its members (few sets, many people).
_PEOPLE = """
SELECT grouping(r.language, r.network_codes, r.organisation_ids), r.language, r.network_codes,
       r.organisation_ids, count(*), count(a.recipient_id)
FROM recipients r
LEFT JOIN acknowledgements a ON a.recipient_id = r.id AND a.incident_id = r.incident_id
WHERE r.incident_id = :incident
GROUP BY GROUPING SETS ((r.language), (r.network_codes), (r.organisation_ids))
"""
BY_LANGUAGE, BY_NETWORKS, BY_ORGANISATIONS = 0b011, 0b101, 0b110
"""``grouping()`` of each set: a bit for each column the set leaves out."""

# Seconds from the alert to each acknowledgement, per way it came and the person's networks
# (none for an acknowledgement whose recipient is not the incident's). Seconds as Python's
# ``timedelta.total_seconds()`` gives them: the exact microseconds, rounded once to a float.
_SECONDS = """
SELECT a.via, r.network_codes,
       array_agg(extract(epoch FROM a.at - CAST(:alert AS timestamptz))::float8)
FROM acknowledgements a
LEFT JOIN recipients r ON r.id = a.recipient_id AND r.incident_id = a.incident_id
WHERE a.incident_id = :incident
GROUP BY a.via, r.network_codes
"""


async def in_sql(session: AsyncSession, incident_id: int, *, alert_at: datetime) -> People:
    """Count the recipients and their acknowledgements in PostgreSQL."""
    counted = People()
    rows = await session.execute(text(_PEOPLE), {"incident": incident_id})
    for grouping, language, networks, org_ids, recipients, acknowledged in rows:
        if grouping == BY_LANGUAGE:
            _add(counted.totals, recipients, acknowledged)
            _add(counted.by_language[language], recipients, acknowledged)
        elif grouping == BY_NETWORKS:
            for n in networks:
                _add(counted.by_network[n], recipients, acknowledged)
        elif grouping == BY_ORGANISATIONS:
            for o in org_ids:
                _add(counted.by_org[o], recipients, acknowledged)
    bind = {"incident": incident_id, "alert": alert_at}
    for via, networks, seconds in await session.execute(text(_SECONDS), bind):
        counted.seconds_by_via[via].extend(seconds)
        for n in networks or ():
            counted.seconds_by_network[n].extend(seconds)
    return counted
