"""An exercise waiting for its time. The incident body is kept as the API took it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, IdMixin, TimestampMixin, UTCDateTime


class ScheduleState(StrEnum):
    SCHEDULED = "scheduled"
    DECLARED = "declared"
    CANCELLED = "cancelled"
    FAILED = "failed"
    """Its time came and the declaration was refused (a network gone, say); ``error`` says why."""


class ScheduledExercise(IdMixin, TimestampMixin, Base):
    __tablename__ = "scheduled_exercises"

    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=ScheduleState.SCHEDULED, index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    incident_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("incidents.id", ondelete="SET NULL"), default=None
    )
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
