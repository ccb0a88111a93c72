"""Audit events. The migration adds triggers that refuse UPDATE and DELETE on this table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, IdMixin, UTCDateTime, utcnow


class AuditEvent(IdMixin, Base):
    """Who did what to which entity, and when. ``details`` holds ids and field names, not values."""

    __tablename__ = "audit_events"

    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64), default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
