"""Each SMS provider's state, kept in the database so every process and the dashboard agree."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, UTCDateTime, utcnow


class ProviderState(StrEnum):
    """How a provider is doing, and so how much traffic it gets."""

    ACTIVE = "active"
    """Its full weight."""
    DEGRADED = "degraded"
    """A quarter of its weight: failing now and then, or just back from being down."""
    DOWN = "down"
    """No traffic but a trickle of tries, until it answers again."""
    DISABLED = "disabled"
    """Taken out by an admin; only an admin puts it back."""


class SmsProviderState(Base):
    """One configured provider's state, weight override and the last change with its reason."""

    __tablename__ = "sms_provider_states"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default=ProviderState.ACTIVE)
    weight: Mapped[int | None] = mapped_column(Integer, default=None)
    """An admin's weight; none: the configured one."""
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="configured")
    changed_by: Mapped[str] = mapped_column(String(200), default="system")
