"""What members send in for the next newsletter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, IdMixin, UTCDateTime, utcnow


class NewsletterContribution(IdMixin, Base):
    __tablename__ = "newsletter_contributions"

    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(35))
    read: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
