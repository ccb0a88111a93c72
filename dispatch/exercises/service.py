"""Schedule an exercise; the sweeper declares it when it is due, exactly once."""

from __future__ import annotations

from datetime import datetime

import msgspec
import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.db.base import utcnow
from dispatch.errors import ConflictError, DomainError, InvalidInputError, NotFoundError
from dispatch.exercises.models import ScheduledExercise, ScheduleState
from dispatch.incidents import preview as incident_preview
from dispatch.incidents import service as incidents
from dispatch.incidents.models import IncidentStatus
from dispatch.incidents.schemas import IncidentIn
from translations.strings.marking import N_
from translations.text import Text

SCHEDULER = Actor("scheduler")
CANNOT_CANCEL = {
    ScheduleState.DECLARED: N_("Exercise %(id)d is already declared; it cannot be cancelled."),
    ScheduleState.CANCELLED: N_("Exercise %(id)d is already cancelled; it cannot be cancelled."),
    ScheduleState.FAILED: N_(
        "Exercise %(id)d was due and could not be declared; there is nothing to cancel."
    ),
}
log = structlog.get_logger("dispatch.exercises")


class ScheduleIn(msgspec.Struct, forbid_unknown_fields=True):
    at: datetime
    """When to declare it; an offset is needed."""
    incident: IncidentIn
    """The exercise as for ``POST /api/v1/incidents``; ``status`` is always ``exercise``."""


async def schedule(session: AsyncSession, *, data: ScheduleIn, actor: Actor) -> ScheduledExercise:
    """Check the exercise now (a mistake found at 03:00 helps no one) and keep it for later."""
    if data.at.tzinfo is None:
        raise InvalidInputError(
            Text(
                N_("The time 'at' needs a time zone offset, such as 2027-03-01T10:00:00+01:00."),
                field="at",
            )
        )
    if data.at <= utcnow():
        raise InvalidInputError(Text(N_("The time 'at' must be in the future."), field="at"))
    body = msgspec.structs.replace(data.incident, status=IncidentStatus.EXERCISE.value)
    # The same checks as declaring; raises with the reasons.
    await incident_preview.preview(session, body)
    scheduled = ScheduledExercise(
        due_at=data.at, body=msgspec.to_builtins(body), created_by=actor.label
    )
    session.add(scheduled)
    await session.flush()
    record(
        session,
        actor=actor,
        action="exercise.scheduled",
        entity_type="scheduled_exercise",
        entity_id=scheduled.id,
        details={"at": data.at.isoformat(), "networks": body.networks},
    )
    return scheduled


async def get(session: AsyncSession, exercise_id: int) -> ScheduledExercise:
    found = await session.get(ScheduledExercise, exercise_id)
    if found is None:
        raise NotFoundError(
            Text(N_("There is no scheduled exercise with id %(id)d."), id=exercise_id)
        )
    return found


async def cancel(session: AsyncSession, *, exercise_id: int, actor: Actor) -> ScheduledExercise:
    found = await get(session, exercise_id)
    if found.state != ScheduleState.SCHEDULED:
        raise ConflictError(Text(CANNOT_CANCEL[ScheduleState(found.state)], id=exercise_id))
    found.state = ScheduleState.CANCELLED
    record(
        session,
        actor=actor,
        action="exercise.cancelled",
        entity_type="scheduled_exercise",
        entity_id=found.id,
        details={},
    )
    return found


async def run_due(session: AsyncSession, now: datetime | None = None) -> list[int]:
    """Declare every due exercise; returns the delivery ids to enqueue after the commit.

    The declaration carries the idempotency key ``exercise:<id>``, so a sweeper that dies after
    declaring and before marking the row finds the same incident next time, not a second one.
    """
    now = now or utcnow()
    ids: list[int] = []
    due = (
        await session.scalars(
            select(ScheduledExercise.id).where(
                ScheduledExercise.state == ScheduleState.SCHEDULED,
                ScheduledExercise.due_at <= now,
            )
        )
    ).all()
    for exercise_id in due:
        claimed = await session.execute(
            update(ScheduledExercise)
            .where(
                ScheduledExercise.id == exercise_id,
                ScheduledExercise.state == ScheduleState.SCHEDULED,
            )
            .values(state=ScheduleState.DECLARED, declared_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        found = await get(session, exercise_id)
        try:
            async with session.begin_nested():
                outcome = await incidents.declare(
                    session,
                    data=msgspec.convert(found.body, IncidentIn),
                    actor=SCHEDULER,
                    idempotency_key=f"exercise:{exercise_id}",
                )
        except DomainError as exc:
            # Kept, with the reason, for the coordinator; the sweeper does not try again.
            found.state = ScheduleState.FAILED
            found.error = exc.detail
            log.warning("scheduled_exercise_refused", exercise_id=exercise_id)
            continue
        found.incident_id = outcome.incident.id
        ids += outcome.delivery_ids
        log.info(
            "scheduled_exercise_declared", exercise_id=exercise_id, incident_id=found.incident_id
        )
    return ids
