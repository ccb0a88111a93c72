"""The codes in use, one row each: the primary key makes two holders of one code impossible."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, UTCDateTime, utcnow


class ReplyCode(Base):
    """A code held by an incident (until it is closed) or a meeting (until it starts)."""

    __tablename__ = "reply_codes"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    holder: Mapped[str] = mapped_column(String(16))
    """What holds it: ``incident`` or ``meeting``."""
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When it frees itself (a meeting's start); none: until released."""
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
