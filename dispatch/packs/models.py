"""Pack, its content per language, each publication, and the organisations' passed-on reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.db.base import Base, BigIntId, IdMixin, TimestampMixin, UTCDateTime, utcnow


class ContentState(StrEnum):
    """A language's state: its working text is either the approved one or a draft."""

    DRAFT = "draft"
    APPROVED = "approved"


class Pack(IdMixin, TimestampMixin, Base):
    """Public information in many languages, addressed by a slug in its public pages."""

    __tablename__ = "packs"

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    """The coordinators' name for the pack (the first language's title at creation)."""
    created_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """Set by the first publication; the public pages exist from then on."""


class PackContent(IdMixin, Base):
    """One language of a pack: the working text, and the text a coordinator last approved.

    The public pages show only the approved text, so a translator can improve a published
    language without readers seeing a half-done edit.
    """

    __tablename__ = "pack_contents"
    __table_args__ = (UniqueConstraint("pack_id", "language"),)

    pack_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("packs.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    title: Mapped[str] = mapped_column(String(200))
    short: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    """The approved ``{title, short, body, links}``, or None before the first approval."""
    approved_by: Mapped[str | None] = mapped_column(String(200), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    def working(self) -> dict[str, Any]:
        """The working text in the shape ``approved`` keeps."""
        return {
            "title": self.title,
            "short": self.short,
            "body": self.body,
            "links": list(self.links),
        }

    @property
    def state(self) -> ContentState:
        """Approved while the working text is the approved text; any edit makes it a draft."""
        if self.approved is not None and self.approved == self.working():
            return ContentState.APPROVED
        return ContentState.DRAFT


class PackPublication(IdMixin, Base):
    """One push of a pack to the chosen networks' organisations; its deliveries are outbox rows."""

    __tablename__ = "pack_publications"

    pack_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("packs.id", ondelete="CASCADE"), index=True
    )
    networks: Mapped[list[str]] = mapped_column(JSON)
    languages: Mapped[list[str]] = mapped_column(JSON)
    """The approved languages at the time, in the order the e-mail lists them."""
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    """A repeated publish request with the same key returns this publication, sending nothing."""


class PassedOn(IdMixin, Base):
    """An organisation's report that it passed one language on, to about ``people`` people.

    Reports through an e-mail's link name the organisation and replace its earlier number for
    that language; reports from the bare page have no organisation and are kept apart.
    """

    __tablename__ = "pack_passed_on"
    __table_args__ = (UniqueConstraint("pack_id", "language", "organisation_id"),)

    pack_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("packs.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(35))
    organisation_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("organisations.id", ondelete="SET NULL"), default=None
    )
    delivery_id: Mapped[int | None] = mapped_column(BigIntId, default=None)
    """The publication e-mail whose link was used."""
    people: Mapped[int] = mapped_column(Integer)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
