"""A list-review campaign and its targets: one row per contact asked to confirm their details.

A target's deliveries (the request and, if still silent, the reminder) are rows in the same
outbox as alerts, with the target as their source (``source_kind`` ``list_review``,
``newsletter`` or ``meeting``); its confirm link is an HMAC over the delivery, like the
acknowledgement links.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, IdMixin, TimestampMixin, UTCDateTime


class CampaignKind(StrEnum):
    LIST_REVIEW = "list_review"
    NEWSLETTER = "newsletter"
    MEETING = "meeting"


class CampaignState(StrEnum):
    ACTIVE = "active"
    """Waiting for answers; the reminder and the deadline are still to come."""
    FINISHED = "finished"
    """The deadline passed: the silent were deactivated."""


class TargetState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DEACTIVATED = "deactivated"


class Campaign(IdMixin, TimestampMixin, Base):
    __tablename__ = "campaigns"

    kind: Mapped[str] = mapped_column(String(32), default=CampaignKind.LIST_REVIEW)
    networks: Mapped[list[str]] = mapped_column(JSON)
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True, default=None)
    """A list review's deadline; a newsletter has none."""
    state: Mapped[str] = mapped_column(String(16), default=CampaignState.ACTIVE, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When the reminders were written; ``None`` until then, so a restart still sends them."""
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_by: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    title: Mapped[str | None] = mapped_column(String(300), default=None)
    """A newsletter's title."""
    content: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON, default=None)
    """A newsletter's text by language: ``{"nb": {"subject": …, "body": …}}``."""


class CampaignTarget(IdMixin, Base):
    __tablename__ = "campaign_targets"
    __table_args__ = (UniqueConstraint("campaign_id", "contact_id"),)

    campaign_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    """``None`` for a newsletter's post to a network's Teams channel."""
    organisation_id: Mapped[int | None] = mapped_column(BigIntId, index=True, default=None)
    """``None`` for a newsletter's post to a network's Teams channel."""
    network_codes: Mapped[list[str]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(35))
    state: Mapped[str] = mapped_column(String(16), default=TargetState.PENDING, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    """What the contact corrected on the page, field by field (old and new), for the audit."""
    replacement: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    """A person the contact named to take over, waiting for a coordinator."""
    answered_via: Mapped[str | None] = mapped_column(String(16), default=None)
    """A meeting answer's way in: ``link`` or ``sms``."""
