"""Each incident's numbers as the API and the dashboard show them: recipients, acknowledged,
deliveries by state and who was marked unreachable."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import Acknowledgement
from dispatch.incidents import queries as incident_queries
from dispatch.incidents.models import Incident, Recipient
from dispatch.incidents.schemas import DeliveryCounts, EmailCounts, IncidentOut, Stats, TemplateRef


async def incident_out(db_session: AsyncSession, incidents: list[Incident]) -> list[IncidentOut]:
    """The incidents with their numbers, counted in six queries whatever their number."""
    ids = [i.id for i in incidents]
    deliveries = await incident_queries.delivery_counts(db_session, ids)
    email = await incident_queries.email_counts(db_session, ids)
    acknowledged = await incident_queries.count_per_incident(
        db_session, Acknowledgement.incident_id, ids
    )
    unreachable = await incident_queries.count_per_incident(
        db_session, Recipient.incident_id, ids, Recipient.unreachable_at.is_not(None)
    )
    recipients = await incident_queries.count_per_incident(db_session, Recipient.incident_id, ids)
    return [
        IncidentOut(
            id=i.id,
            code=i.code,
            title=i.title,
            state=i.state,
            status=i.status,
            severity=i.severity,
            urgency=i.urgency,
            certainty=i.certainty,
            networks=list(i.networks),
            channels=list(i.channels),
            ack_required=i.ack_required,
            ack_deadline_minutes=i.ack_deadline_minutes,
            declared_by=i.declared_by,
            declared_at=i.declared_at,
            closed_at=i.closed_at,
            stats=Stats(
                recipients=recipients[i.id],
                acknowledged=acknowledged[i.id],
                deliveries=DeliveryCounts(**deliveries[i.id]),
                unreachable=unreachable[i.id],
                email=EmailCounts(**email[i.id]),
            ),
            template=(
                TemplateRef(id=i.template_id, version=i.template_version or 0)
                if i.template_id is not None
                else None
            ),
        )
        for i in incidents
    ]
