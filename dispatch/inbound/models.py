"""Inbound messages already handled, by their provider's id, so a provider's retry acts once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, IdMixin, UTCDateTime, utcnow


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
