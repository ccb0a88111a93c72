"""``/api/v1/exercises``: exercises scheduled for a time."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from dispatch.db.session import DbSession
from dispatch.exercises import service
from dispatch.exercises.models import ScheduledExercise
from dispatch.requests import AuthedRequest
from dispatch.security.guards import READ, WRITE_INCIDENTS


class ScheduledOut(msgspec.Struct):
    id: int
    at: datetime
    state: str
    title: str
    networks: list[str]
    incident_id: int | None
    declared_at: datetime | None
    error: str | None


def out(e: ScheduledExercise) -> ScheduledOut:
    return ScheduledOut(
        id=e.id,
        at=e.due_at,
        state=e.state,
        title=str(e.body.get("title", "")),
        networks=list(e.body.get("networks", [])),
        incident_id=e.incident_id,
        declared_at=e.declared_at,
        error=e.error,
    )


class ExerciseController(Controller):
    path = "/exercises"
    tags = ("exercises",)

    @post(
        "/",
        guards=[WRITE_INCIDENTS],
        summary="Schedule an exercise: declared by itself at `at`",
        description=(
            "`incident` is the body of `POST /api/v1/incidents`, checked now; `status` is "
            "always `exercise`. At `at` the workers declare it (exactly once). Its report "
            "compares it with the exercise before it."
        ),
    )
    async def schedule(
        self, request: AuthedRequest, db_session: DbSession, data: JSONBody[service.ScheduleIn]
    ) -> ScheduledOut:
        scheduled = await service.schedule(db_session, data=data, actor=request.user.actor)
        await db_session.commit()
        return out(scheduled)

    @get("/", guards=[READ], summary="Scheduled exercises, next first")
    async def list_exercises(self, db_session: DbSession) -> list[ScheduledOut]:
        rows = await db_session.scalars(
            select(ScheduledExercise).order_by(ScheduledExercise.due_at.desc()).limit(200)
        )
        return [out(e) for e in rows]

    @get("/{exercise_id:int}", guards=[READ], summary="One scheduled exercise")
    async def get_exercise(self, db_session: DbSession, exercise_id: FromPath[int]) -> ScheduledOut:
        return out(await service.get(db_session, exercise_id))

    @delete("/{exercise_id:int}", guards=[WRITE_INCIDENTS], status_code=200, summary="Cancel it")
    async def cancel(
        self, request: AuthedRequest, db_session: DbSession, exercise_id: FromPath[int]
    ) -> ScheduledOut:
        cancelled = await service.cancel(
            db_session, exercise_id=exercise_id, actor=request.user.actor
        )
        await db_session.commit()
        return out(cancelled)
