"""Inbound messages already handled: SMS by their provider's id, so a provider's retry acts once;
e-mail that came back to a delivery's return addresses (bounces, replies, automatic answers)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, IdMixin, UTCDateTime, utcnow


class InboundSms(IdMixin, Base):
    """An SMS a provider delivered to us, by ``<provider>:<its id>``: providers retry a webhook
    that timed out, and anyone holding a signed request could send it again. The second time,
    the stored answer is repeated and nothing is recorded again. No number and no text are kept
    here."""

    __tablename__ = "inbound_sms"

    message_sid: Mapped[str] = mapped_column(String(140), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    """The SMS we answered with, sent again to a repeat."""


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
