"""The delivery outbox: one row per recipient (or Teams channel) × channel × message.

A message is an incident's message version, a message pack's publication, or a list review's
request or reminder to one contact; exactly one of ``message_version_id``, ``publication_id``
and ``campaign_target_id`` is set.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
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


ONE_MESSAGE = (
    "(CASE WHEN message_version_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN publication_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN campaign_target_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class Delivery(IdMixin, Base):
    """One message to one target on one channel; the unique key makes a second send impossible."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("message_version_id", "target", "channel"),
        UniqueConstraint("publication_id", "target", "channel"),
        UniqueConstraint("campaign_target_id", "target", "channel"),
        CheckConstraint(ONE_MESSAGE, name="one_message"),
        Index("ix_deliveries_state_enqueued_at", "state", "enqueued_at"),
        Index("ix_deliveries_incident_id_state", "incident_id", "state"),
    )

    incident_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("incidents.id", ondelete="CASCADE"), default=None
    )
    message_version_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("message_versions.id", ondelete="CASCADE"), default=None
    )
    publication_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("pack_publications.id", ondelete="CASCADE"), index=True, default=None
    )
    campaign_target_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("campaign_targets.id", ondelete="CASCADE"), index=True, default=None
    )
    organisation_id: Mapped[int | None] = mapped_column(BigIntId, default=None)
    """For a pack's e-mail: the organisation whose main contact it goes to."""
    recipient_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("recipients.id", ondelete="CASCADE"), index=True, default=None
    )
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
    provider_id: Mapped[str | None] = mapped_column(String(100), index=True, default=None)
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
    uncertain_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """Set when a try's outcome is unknown (its worker died, or the provider's answer was
    lost): the provider may have the message since then, and is asked before the next send."""
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
