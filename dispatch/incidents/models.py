"""Incident, message version and recipient tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import (
    Base,
    BigIntId,
    IdMixin,
    IntList,
    StrList,
    TimestampMixin,
    UTCDateTime,
    utcnow,
)


class IncidentStatus(StrEnum):
    """CAP status: real, an exercise, or a technical test."""

    ACTUAL = "actual"
    EXERCISE = "exercise"
    TEST = "test"


class IncidentState(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class Severity(StrEnum):
    EXTREME = "extreme"
    SEVERE = "severe"
    MODERATE = "moderate"
    MINOR = "minor"
    UNKNOWN = "unknown"


class Urgency(StrEnum):
    IMMEDIATE = "immediate"
    EXPECTED = "expected"
    FUTURE = "future"
    PAST = "past"
    UNKNOWN = "unknown"


class Certainty(StrEnum):
    OBSERVED = "observed"
    LIKELY = "likely"
    POSSIBLE = "possible"
    UNLIKELY = "unlikely"
    UNKNOWN = "unknown"


class MessageKind(StrEnum):
    """CAP msgType of a version: the alert, an update, or the closing message."""

    ALERT = "alert"
    UPDATE = "update"
    CANCEL = "cancel"
    REMINDER = "reminder"
    """Not CAP: the alert again, to people who have not acknowledged by the deadline."""
    ESCALATION = "escalation"
    """Not CAP: the alert again, to main contacts of organisations where no one acknowledged."""


class Incident(IdMixin, TimestampMixin, Base):
    """A declared incident and the rules for reaching its audience."""

    __tablename__ = "incidents"

    code: Mapped[str] = mapped_column(String(8), index=True)
    """Short number members quote in SMS replies ("OK 4821")."""
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    certainty: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16), default="Health")
    networks: Mapped[list[str]] = mapped_column(JSON)
    channels: Mapped[list[str]] = mapped_column(JSON)
    ack_required: Mapped[bool] = mapped_column(Boolean, default=True)
    ack_deadline_minutes: Mapped[int] = mapped_column(Integer, default=30)
    ack_deadline_seconds: Mapped[int] = mapped_column(Integer, default=1800)
    """The deadline actually used: minutes × 60, or the seconds given for a drill."""
    state: Mapped[str] = mapped_column(String(16), default=IncidentState.ACTIVE, index=True)
    declared_by: Mapped[str] = mapped_column(String(200))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    template_id: Mapped[int | None] = mapped_column(BigIntId, default=None)
    """The alert template it was declared from (templates are never deleted)."""
    template_version: Mapped[int | None] = mapped_column(Integer, default=None)
    """That template's version at the declaration."""


class MessageVersion(IdMixin, Base):
    """One message of an incident, with its content per language."""

    __tablename__ = "message_versions"
    __table_args__ = (UniqueConstraint("incident_id", "sequence"),)

    incident_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON)
    """``{lang: {"subject", "sms", "body", "instruction"}}``."""
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    silent_organisation_ids: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    """For the main contacts' escalation: the organisations where no one had confirmed, which
    each main contact's message names (those of them the contact belongs to)."""


class Recipient(IdMixin, Base):
    """A person in an incident's audience, once however many contact rows name them."""

    __tablename__ = "recipients"
    __table_args__ = (UniqueConstraint("incident_id", "person_key"),)

    incident_id: Mapped[int] = mapped_column(BigIntId)
    """No foreign key and no index of its own: incidents are never deleted, and the unique key
    (incident, person) leads with it (decision 0023)."""
    person_key: Mapped[str] = mapped_column(String(400))
    contact_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("contacts.id", ondelete="SET NULL"), default=None
    )
    contact_ids: Mapped[list[int]] = mapped_column(IntList)
    organisation_ids: Mapped[list[int]] = mapped_column(IntList)
    network_codes: Mapped[list[str]] = mapped_column(StrList)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None, index=True)
    """Indexed: an SMS reply finds its sender's incidents by number."""
    language: Mapped[str] = mapped_column(String(35))
    """The language the person prefers (what they get may be a fallback)."""
    channels: Mapped[list[str]] = mapped_column(StrList)
    main_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """Set when escalation ended with no acknowledgement from this person."""
