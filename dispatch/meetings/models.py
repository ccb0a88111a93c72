"""A meeting is a campaign of kind ``meeting`` plus the row here: when, where, and which code
members quote in an SMS answer. The invited are the campaign's targets; their ``state`` is the
answer (``pending``, ``accepted``, ``declined``) and ``answered_via`` how it came.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, UTCDateTime


class MeetingKind(StrEnum):
    NETWORK = "network"
    """A network's own meeting; the mandates foresee two a year."""
    TOPICAL = "topical"
    """A meeting on one subject, possibly for all three networks; up to four a year."""
    EMERGENCY = "emergency"
    """Called in from an incident."""


class Answer(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


# How many of each kind a network's mandate foresees in a year; more is allowed, with a warning.
PER_YEAR = {MeetingKind.NETWORK: 2, MeetingKind.TOPICAL: 4}


class Meeting(Base):
    __tablename__ = "meetings"

    campaign_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    join_url: Mapped[str] = mapped_column(Text)
    """The Teams meeting link."""
    channels: Mapped[list[str]] = mapped_column(JSON)
    """``email``, ``sms``, ``teams``: how invitations go (SMS also to anyone without e-mail)."""
    code: Mapped[str] = mapped_column(String(8), index=True)
    """Four digits members quote in an SMS answer ("JA 4821"); unlike any open incident's."""
    incident_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("incidents.id", ondelete="SET NULL"), index=True, default=None
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
