"""An incident's escalation timers: three steps due at multiples of its acknowledgement
deadline, kept as rows so a restart loses none (``dispatch.acks.escalation`` runs them).

Scheduled when the incident is declared, cancelled when it is closed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, String, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, IdMixin, UTCDateTime, utcnow
from dispatch.incidents.models import Incident


class Step(StrEnum):
    REMIND = "remind"
    MAIN_CONTACTS = "main_contacts"
    UNREACHABLE = "unreachable"


class EscalationStep(IdMixin, Base):
    """One scheduled step of an incident's escalation."""

    __tablename__ = "escalation_steps"

    incident_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    outcome: Mapped[str | None] = mapped_column(String(200), default=None)


def schedule(session: AsyncSession, incident: Incident) -> None:
    """Add the three steps for a newly declared incident that asks for acknowledgement."""
    if not incident.ack_required:
        return
    interval = timedelta(seconds=incident.ack_deadline_seconds)
    for n, step in enumerate((Step.REMIND, Step.MAIN_CONTACTS, Step.UNREACHABLE), start=1):
        session.add(
            EscalationStep(
                incident_id=incident.id, step=step, due_at=incident.declared_at + n * interval
            )
        )


async def cancel(session: AsyncSession, incident_id: int) -> None:
    """Stop an incident's escalation (it was closed)."""
    await session.execute(
        update(EscalationStep)
        .where(EscalationStep.incident_id == incident_id, EscalationStep.started_at.is_(None))
        .values(started_at=utcnow(), outcome="cancelled: the incident was closed")
    )
