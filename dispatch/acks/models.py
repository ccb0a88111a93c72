"""Acknowledgements, field reports and SMS opt-outs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, IdMixin, UTCDateTime, utcnow


class AckVia(StrEnum):
    SMS = "sms"
    LINK = "link"
    API = "api"
    EMAIL = "email"
    """A reply to the alert's e-mail (``dispatch mail-in``)."""


class Acknowledgement(IdMixin, Base):
    """A person confirmed they received an incident; once per person and incident."""

    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("incident_id", "recipient_id"),)

    incident_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("recipients.id", ondelete="CASCADE"), index=True
    )
    delivery_id: Mapped[int | None] = mapped_column(BigIntId, default=None)
    via: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FieldReport(IdMixin, Base):
    """What a member sees and hears (lyttepost-melding), linked to an incident where it can be."""

    __tablename__ = "field_reports"

    incident_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("incidents.id", ondelete="SET NULL"), index=True, default=None
    )
    recipient_id: Mapped[int | None] = mapped_column(BigIntId, default=None)
    contact_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("contacts.id", ondelete="SET NULL"), default=None
    )
    organisation_id: Mapped[int | None] = mapped_column(BigIntId, default=None, index=True)
    network_code: Mapped[str | None] = mapped_column(String(16), default=None, index=True)
    language: Mapped[str | None] = mapped_column(String(35), default=None)
    source: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(String(20), default=None)
    """The number of an unknown sender, so a coordinator can call back."""
    unknown_sender: Mapped[bool] = mapped_column(Boolean, default=False)
    read: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class SmsOptOut(Base):
    """A number that replied STOP; SMS to it are not sent until it replies START."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
