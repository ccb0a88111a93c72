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
from dispatch.directory.models import Contact, Organisation
from dispatch.errors import NotFoundError
from dispatch.incidents.models import Incident, IncidentStatus, MessageVersion
from dispatch.reports import bounced, decisions, people, tally
from dispatch.reports.figures import comparison, cumulative, timeline, timing
from dispatch.reports.rows import DeliveryRow, load_acks
from dispatch.reports.schemas import (
    FailureReason,
    FallbackSummary,
    FieldReportRow,
    IncidentHead,
    OrganisationRow,
    Report,
    VersionRow,
)
from dispatch.reports.tally import MAX_LISTED, Slices
from dispatch.security.models import User
from translations.strings.marking import N_
from translations.text import Text

ACK_VIA_CHANNEL = {"sms": "sms", "link": "email", "email": "email"}


async def authors(session: AsyncSession, labels: list[str]) -> dict[str, str]:
    """``user:N`` → that person's e-mail address, for the labels that name a user."""
    ids = {int(label[5:]) for label in labels if label.startswith("user:") and label[5:].isdigit()}
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.email).where(User.id.in_(ids)))
    return {f"user:{user_id}": email for user_id, email in rows.all()}


async def contact_names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    """Contact id → name, for the few people a report lists by name."""
    rows = await session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(ids)))
    return dict(rows.all())


def _in_sql(session: AsyncSession) -> bool:
    bind = session.bind
    return bind is not None and bind.dialect.name == "postgresql"


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
    org_names = dict((await session.execute(select(Organisation.id, Organisation.name))).all())
    versions = (
        await session.scalars(
            select(MessageVersion)
            .where(MessageVersion.incident_id == incident_id)
            .order_by(MessageVersion.sequence)
        )
    ).all()
    alert_at = versions[0].created_at if versions else incident.declared_at

    # People: recipients and acknowledgements per network, organisation and language; then the
    # deliveries: states per channel, network, organisation and language; failures; fallbacks.
    # PostgreSQL counts both when no row is to be written (JSON, HTML), Python otherwise.
    failed_by_org: Counter[int] = Counter()
    if on_row is None and _in_sql(session):
        counted = await people.in_sql(session, incident_id, alert_at=alert_at)
        slices = Slices(counted.totals, counted.by_language, counted.by_network, failed_by_org)
        delivered = await tally.in_sql(
            session,
            incident_id,
            slices,
            personal=personal,
            org_names=org_names,
            names=lambda ids: contact_names(session, ids),
        )
    else:
        acks = await load_acks(session, incident_id)
        counted, listed = await people.streamed(
            session, incident_id, acks=acks, alert_at=alert_at, org_names=org_names
        )
        slices = Slices(counted.totals, counted.by_language, counted.by_network, failed_by_org)
        delivered = await tally.streamed(
            session,
            incident_id,
            slices,
            personal=personal,
            acks=acks,
            people=listed.people,
            org_ids_of=listed.org_ids_of,
            on_row=on_row,
        )
    totals, by_network, by_language = counted.totals, counted.by_network, counted.by_language
    by_channel = delivered.by_channel
    seconds_by_channel: dict[str, list[float]] = defaultdict(list)
    all_seconds: list[float] = []
    for via, seconds in counted.seconds_by_via.items():
        all_seconds += seconds
        channel = ACK_VIA_CHANNEL.get(via)
        if channel is not None:
            seconds_by_channel[channel] += seconds
    all_seconds.sort()
    # A channel's people are those it carried a message to; its acknowledgements those that
    # came back through it (an SMS reply, a link in an e-mail), as the incident page counts them.
    for channel, slice_ in by_channel.items():
        slice_.recipients = delivered.channel_people[channel]
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
            for o, b in counted.by_org.items()
        ),
        key=lambda x: (x.acknowledged > 0, x.name, x.id),
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
        timeline=timeline(
            incident, versions, first_sent=delivered.first_sent, last_sent=delivered.last_sent
        ),
        totals=totals,
        ack_rate=round(totals.acknowledged / totals.recipients, 4) if totals.recipients else 0.0,
        time_to_ack=timing(all_seconds),
        by_network=dict(sorted(by_network.items())),
        by_channel=dict(sorted(by_channel.items())),
        by_language=dict(sorted(by_language.items())),
        time_to_ack_by_network={
            n: timing(s) for n, s in sorted(counted.seconds_by_network.items())
        },
        time_to_ack_by_channel={c: timing(s) for c, s in sorted(seconds_by_channel.items())},
        organisations=organisations,
        silent_organisations=[o for o in organisations if o.acknowledged == 0],
        failure_reasons=[
            FailureReason(channel=c, reason=r, deliveries=n)
            for (c, r), n in delivered.reasons.most_common()
        ],
        fallbacks=[
            FallbackSummary(preferred=p, sent_in=s, recipients=n)
            for (p, s), n in delivered.fallback_counts.most_common()
        ],
        fallback_people=delivered.fallback_people,
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
        acks_over_time=cumulative(all_seconds),
        generated_at=datetime.now(tz=incident.declared_at.tzinfo),
        possible_duplicates=await decisions.possible_duplicates(session, incident_id),
        send_decisions=await decisions.counts(session, incident_id),
        send_decision_items=await decisions.listed(session, incident_id, limit=MAX_LISTED),
        authors=await authors(session, [incident.declared_by, *(v.created_by for v in versions)]),
        email=await bounced.email_counts(session, incident_id),
        bounced=await bounced.bounced_by_organisation(session, incident_id, personal=personal),
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
