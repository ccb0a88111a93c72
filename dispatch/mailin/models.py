"""What came back to our e-mail addresses, one row per message and delivery: the record that
bounces and automatic answers leave even when they change nothing else. No text and no address
is kept here (a reply's words become a field report or a contribution)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, IdMixin, UTCDateTime, utcnow


class MailKind(StrEnum):
    BOUNCE = "bounce"
    """The server will never deliver it (5.x.x)."""
    DELAY = "delay"
    """The server is still trying (4.x.x)."""
    REPLY = "reply"
    """A person answered."""
    AUTO_REPLY = "auto_reply"
    """A program answered (out of office, ``Auto-Submitted``): recorded, nothing more."""


class InboundMail(IdMixin, Base):
    """One message that reached a return address of one delivery."""

    __tablename__ = "inbound_mail"

    message_key: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the address's purpose, the delivery and the message's id (or its bytes): the
    same message delivered twice (a server that retried) is recorded and acted on once."""
    delivery_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16), default=None)
    """A bounce's enhanced status code (``5.1.1``)."""
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    """A bounce's reason, or why a message counts as automatic."""
    outcome: Mapped[str] = mapped_column(String(32))
    """What it did: ``failed``, ``recorded``, ``acknowledged``, ``field_report`` …"""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
