"""Building an incident's report in one streamed pass over its deliveries.

Memory stays bounded by the number of organisations, languages and acknowledgements, not by the
number of deliveries: rows arrive from a server-side cursor, feed the counters, and are handed
to ``on_row`` (the CSV or XLSX writer) one at a time, never kept.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import FieldReport
from dispatch.delivery.models import DeliveryState
from dispatch.directory.models import Organisation
from dispatch.errors import NotFoundError
from dispatch.incidents.models import Incident, IncidentStatus, MessageVersion
from dispatch.reports import decisions
from dispatch.reports.figures import comparison, cumulative, timeline, timing
from dispatch.reports.rows import (
    DeliveryRow,
    Person,
    load_acks,
    person_of,
    recipient_rows,
    stream_deliveries,
)
from dispatch.reports.schemas import (
    Breakdown,
    FailureReason,
    FallbackPerson,
    FallbackSummary,
    FieldReportRow,
    IncidentHead,
    OrganisationRow,
    Report,
    VersionRow,
)
from dispatch.security.models import User
from translations.strings.marking import N_
from translations.text import Text

MAX_LISTED = 500
"""The most people listed by name (fallbacks); the counts always cover everyone."""
ACK_VIA_CHANNEL = {"sms": "sms", "link": "email"}


async def authors(session: AsyncSession, labels: list[str]) -> dict[str, str]:
    """``user:N`` → that person's e-mail address, for the labels that name a user."""
    ids = {int(label[5:]) for label in labels if label.startswith("user:") and label[5:].isdigit()}
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.email).where(User.id.in_(ids)))
    return {f"user:{user_id}": email for user_id, email in rows.all()}


async def get_incident(session: AsyncSession, incident_id: int) -> Incident:
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFoundError(Text(N_("There is no incident with id %(id)d."), id=incident_id))
    return incident


async def build(
    session: AsyncSession,
    incident_id: int,
    *,
    personal: bool,
    on_row: Callable[[DeliveryRow], None] | None = None,
    compare: bool = True,
) -> Report:
    """The report; each delivery row also goes to ``on_row`` as it streams past. An exercise's
    report compares it with the exercise declared before it (``compare``)."""
    incident = await get_incident(session, incident_id)
    acks = await load_acks(session, incident_id)
    org_names = dict((await session.execute(select(Organisation.id, Organisation.name))).all())
    versions = (
        await session.scalars(
            select(MessageVersion)
            .where(MessageVersion.incident_id == incident_id)
            .order_by(MessageVersion.sequence)
        )
    ).all()
    alert_at = versions[0].created_at if versions else incident.declared_at

    # People: recipients and acknowledgements per network, organisation and language.
    by_network: dict[str, Breakdown] = defaultdict(Breakdown)
    by_language: dict[str, Breakdown] = defaultdict(Breakdown)
    by_org: dict[int, Breakdown] = defaultdict(Breakdown)
    totals = Breakdown()
    seconds_by_network: dict[str, list[float]] = defaultdict(list)
    people: dict[int, Person] = {}
    failed_by_org: Counter[int] = Counter()
    org_ids_of: dict[int, list[int]] = {}
    async for partition in recipient_rows(session, incident_id):
        for rid, org_ids, networks, language, contact_id in partition:
            people[rid] = person_of(org_ids, networks, language, contact_id, org_names)
            org_ids_of[rid] = org_ids
            ack = acks.get(rid)
            buckets = [totals, by_language[language]]
            buckets += [by_network[n] for n in networks] + [by_org[o] for o in org_ids]
            for bucket in buckets:
                bucket.recipients += 1
                bucket.acknowledged += ack is not None
            if ack is not None:
                for n in networks:
                    seconds_by_network[n].append((ack.at - alert_at).total_seconds())

    # Deliveries: states per channel, network, organisation and language; failures; fallbacks.
    by_channel: dict[str, Breakdown] = defaultdict(Breakdown)
    people_by_channel: dict[str, set[int]] = defaultdict(set)
    reasons: Counter[tuple[str, str]] = Counter()
    fallback_counts: Counter[tuple[str, str]] = Counter()
    fallback_people: list[FallbackPerson] = []
    fallback_seen: set[int] = set()
    first_sent: datetime | None = None
    last_sent: datetime | None = None
    rows = stream_deliveries(session, incident_id, personal=personal, acks=acks, people=people)
    async for row in rows:
        if on_row is not None:
            on_row(row)
        totals.count(row.state)
        by_channel[row.channel].count(row.state)
        if row.recipient_id is not None:
            people_by_channel[row.channel].add(row.recipient_id)
        by_language[row.language].count(row.state)
        for network in row.network.split(","):
            if network:
                by_network[network].count(row.state)
        if row.sent_at is not None:
            first_sent = row.sent_at if first_sent is None else min(first_sent, row.sent_at)
            last_sent = row.sent_at if last_sent is None else max(last_sent, row.sent_at)
        if row.state in (DeliveryState.FAILED, DeliveryState.UNDELIVERABLE):
            reasons[(row.channel, row.last_error or "no reason given")] += 1
            for o in org_ids_of.get(row.recipient_id or 0, ()):
                failed_by_org[o] += 1
        first_fallback = row.fallback and row.message == 1 and row.recipient_id is not None
        if first_fallback and row.recipient_id not in fallback_seen:
            fallback_seen.add(row.recipient_id or 0)
            fallback_counts[(row.preferred_language, row.language)] += 1
            if personal and len(fallback_people) < MAX_LISTED:
                fallback_people.append(
                    FallbackPerson(
                        name=row.name,
                        organisation=row.organisation,
                        preferred=row.preferred_language,
                        sent_in=row.language,
                    )
                )
    seconds_by_channel: dict[str, list[float]] = defaultdict(list)
    all_seconds = []
    for ack in acks.values():
        seconds = (ack.at - alert_at).total_seconds()
        all_seconds.append(seconds)
        channel = ACK_VIA_CHANNEL.get(ack.via)
        if channel is not None:
            seconds_by_channel[channel].append(seconds)
    # A channel's people are those it carried a message to; its acknowledgements those that
    # came back through it (an SMS reply, a link in an e-mail), as the incident page counts them.
    for channel, slice_ in by_channel.items():
        slice_.recipients = len(people_by_channel[channel])
        slice_.acknowledged = len(seconds_by_channel.get(channel, []))
    organisations = sorted(
        (
            OrganisationRow(
                id=o,
                name=org_names.get(o, ""),
                recipients=b.recipients,
                acknowledged=b.acknowledged,
                failed=failed_by_org[o],
            )
            for o, b in by_org.items()
        ),
        key=lambda x: (x.acknowledged > 0, x.name),
    )
    field_reports = (
        await session.scalars(
            select(FieldReport)
            .where(FieldReport.incident_id == incident_id)
            .order_by(FieldReport.received_at)
        )
    ).all()
    report = Report(
        incident=IncidentHead(
            id=incident.id,
            code=incident.code,
            title=incident.title,
            status=incident.status,
            exercise=incident.status == IncidentStatus.EXERCISE,
            state=incident.state,
            severity=incident.severity,
            urgency=incident.urgency,
            certainty=incident.certainty,
            networks=list(incident.networks),
            channels=list(incident.channels),
            declared_by=incident.declared_by,
            declared_at=incident.declared_at,
            closed_at=incident.closed_at,
        ),
        personal=personal,
        versions=[
            VersionRow(
                v.sequence, v.kind, v.created_at, v.created_by, sorted(v.content), dict(v.content)
            )
            for v in versions
        ],
        timeline=timeline(incident, versions, first_sent=first_sent, last_sent=last_sent),
        totals=totals,
        ack_rate=round(totals.acknowledged / totals.recipients, 4) if totals.recipients else 0.0,
        time_to_ack=timing(all_seconds),
        by_network=dict(sorted(by_network.items())),
        by_channel=dict(sorted(by_channel.items())),
        by_language=dict(sorted(by_language.items())),
        time_to_ack_by_network={n: timing(s) for n, s in sorted(seconds_by_network.items())},
        time_to_ack_by_channel={c: timing(s) for c, s in sorted(seconds_by_channel.items())},
        organisations=organisations,
        silent_organisations=[o for o in organisations if o.acknowledged == 0],
        failure_reasons=[
            FailureReason(channel=c, reason=r, deliveries=n) for (c, r), n in reasons.most_common()
        ],
        fallbacks=[
            FallbackSummary(preferred=p, sent_in=s, recipients=n)
            for (p, s), n in fallback_counts.most_common()
        ],
        fallback_people=fallback_people,
        field_reports=len(field_reports),
        field_report_items=[
            FieldReportRow(
                received_at=f.received_at,
                network=f.network_code,
                organisation=org_names.get(f.organisation_id) if f.organisation_id else None,
                language=f.language,
                source=f.source,
                tags=list(f.tags),
                text=f.text,
            )
            for f in field_reports
        ]
        if personal
        else [],
        acks_over_time=cumulative(sorted(all_seconds)),
        generated_at=datetime.now(tz=incident.declared_at.tzinfo),
        possible_duplicates=await decisions.possible_duplicates(session, incident_id),
        send_decisions=await decisions.counts(session, incident_id),
        send_decision_items=await decisions.listed(session, incident_id, limit=MAX_LISTED),
        authors=await authors(session, [incident.declared_by, *(v.created_by for v in versions)]),
    )
    if compare and incident.status == IncidentStatus.EXERCISE:
        previous_id = await session.scalar(
            select(Incident.id)
            .where(
                Incident.status == IncidentStatus.EXERCISE,
                Incident.declared_at < incident.declared_at,
            )
            .order_by(Incident.declared_at.desc())
            .limit(1)
        )
        if previous_id is not None:
            previous = await build(session, previous_id, personal=False, compare=False)
            report.comparison = comparison(previous, report)
    return report
