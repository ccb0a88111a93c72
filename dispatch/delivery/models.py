"""The delivery outbox: one row per recipient (or Teams channel) × channel × message.

What a row sends is named by ``source_kind`` and ``source_id``: an incident's message version,
a message pack's publication, a campaign's target (list review, newsletter, meeting). The
engine reads no further: the sender registered for the kind loads and renders it
(``dispatch.delivery.sources``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, IdMixin, UTCDateTime, utcnow


class DeliveryState(StrEnum):
    """Where a delivery is. States only move forward; see ``dispatch.delivery.states``."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"


class SourceKind(StrEnum):
    """Which sender owns a delivery's message; ``source_id`` is that sender's row."""

    INCIDENT = "incident"
    """An incident's message version: the alert, an update, the closing message, a reminder."""
    PACK = "pack"
    """A message pack's publication."""
    LIST_REVIEW = "list_review"
    """A yearly list review's request or reminder to one contact (a campaign target)."""
    NEWSLETTER = "newsletter"
    """A newsletter to one contact or network channel (a campaign target)."""
    MEETING = "meeting"
    """A meeting's invitation, reminder or cancellation (a campaign target)."""


class Delivery(IdMixin, Base):
    """One message to one target on one channel; the unique key makes a second send impossible."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("source_kind", "source_id", "target", "channel"),
        Index("ix_deliveries_state_enqueued_at", "state", "enqueued_at"),
        Index("ix_deliveries_incident_id_state", "incident_id", "state"),
        # Partial: a row is written without a provider and gets one when it is sent, so the
        # declaration's bulk insert does not pay for these two (decision 0023).
        Index(
            "ix_deliveries_provider_sent_at",
            "provider",
            "sent_at",
            postgresql_where=text("provider IS NOT NULL"),
            sqlite_where=text("provider IS NOT NULL"),
        ),
        Index(
            "ix_deliveries_provider_id",
            "provider_id",
            postgresql_where=text("provider_id IS NOT NULL"),
            sqlite_where=text("provider_id IS NOT NULL"),
        ),
    )

    source_kind: Mapped[str] = mapped_column(String(16))
    """A ``SourceKind``: which sender loads and renders this row's message."""
    source_id: Mapped[int] = mapped_column(BigIntId)
    """The sender's row: a message version, a publication or a campaign target."""
    incident_id: Mapped[int | None] = mapped_column(BigIntId, default=None)
    """The incident the message belongs to, for its counts and report; none outside one. No
    foreign key: incidents are never deleted, and the check cost a declaration 80 ms per 20,000
    rows (decision 0023)."""
    organisation_id: Mapped[int | None] = mapped_column(BigIntId, default=None)
    """The organisation a routine message goes to (a pack's main contact, a campaign target)."""
    recipient_id: Mapped[int | None] = mapped_column(BigIntId, index=True, default=None)
    """The recipient row (never deleted; no foreign key, as for ``incident_id``)."""
    network_code: Mapped[str | None] = mapped_column(String(16), default=None)
    """For Teams deliveries: the network whose channel is posted to."""
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(64))
    """``recipient:<id>``, ``contact:<id>`` or ``network:<code>``: who, in the unique key."""
    address: Mapped[str | None] = mapped_column(String(2000), default=None)
    """E-mail, E.164 number or webhook URL at the time of declaring."""
    language: Mapped[str] = mapped_column(String(35))
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    """Whether ``language`` is not the one the recipient prefers."""
    priority: Mapped[int] = mapped_column(Integer, default=1)
    """0 for main contacts and Teams (sent first), 1 for everyone else."""
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.QUEUED)
    provider: Mapped[str | None] = mapped_column(String(32), default=None)
    """The name of the provider that got the last try (``twilio``, ``smtp``, ``sandbox`` …):
    an uncertain try is looked up there, and its callbacks are its own."""
    provider_id: Mapped[str | None] = mapped_column(String(100), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    fallback_of_id: Mapped[int | None] = mapped_column(BigIntId, default=None)
    """The failed delivery this one replaces on another channel."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When the id was last handed to the broker; the sweeper re-enqueues what sat too long."""
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """A retry's earliest time after a transient error."""
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When this try was claimed."""
    lease_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When the worker sending this row last said it is still at it (at the claim, then every
    ``Engine.lease_s``): the sweeper takes back only rows whose lease ran out."""
    uncertain_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """Set when a try's outcome is unknown (its worker died, or the provider's answer was
    lost): the provider may have the message since then, and is asked before the next send."""
    lookups: Mapped[int] = mapped_column(Integer, default=0)
    """Failed attempts to ask the provider about an uncertain try; a few, and it is decided."""
    possible_duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    """Sent again without knowing whether an earlier try got through (see its history)."""
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
