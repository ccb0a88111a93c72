"""A member's request to add someone to the alert list or remove someone from it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, IdMixin, UTCDateTime, utcnow


class ChangeKind(StrEnum):
    ADD = "add"
    REMOVE = "remove"


class ChangeState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ChangeRequest(IdMixin, Base):
    __tablename__ = "change_requests"

    kind: Mapped[str] = mapped_column(String(8))
    organisation_text: Mapped[str] = mapped_column(String(300))
    """The organisation as the member wrote it; the coordinator picks the real one."""
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    language: Mapped[str] = mapped_column(String(35), default="nb")
    comment: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default=ChangeState.PENDING, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(200), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    """Why a coordinator rejected it."""
    contact_ids: Mapped[str | None] = mapped_column(String(2000), default=None)
    """The contacts the approval created or deactivated, comma-separated."""
    organisation_id: Mapped[int | None] = mapped_column(BigIntId, default=None)
