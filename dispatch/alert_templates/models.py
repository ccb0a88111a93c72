"""An alert template and its text per language, each language with its review state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.alert_templates.fields import Field, FieldKind
from dispatch.db.base import Base, BigIntId, IdMixin, TimestampMixin, UTCDateTime, utcnow


class Review(StrEnum):
    """Whether a language may be sent: only ``approved`` is, unless the coordinator asks for
    the unreviewed ones too."""

    DRAFT = "draft"
    """Written or changed and not yet approved by a coordinator."""
    APPROVED = "approved"
    NEEDS_REVIEW = "needs_review"
    """It was approved, then the source language's text changed under it."""


class AlertTemplate(IdMixin, TimestampMixin, Base):
    """An alert prepared before the crisis: its fields, and its languages (``TemplateContent``)."""

    __tablename__ = "alert_templates"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    fields: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    """``[{"name": "place", "kind": "text"}, …]`` in the order the forms ask for them."""
    source_language: Mapped[str] = mapped_column(String(35), default="nb")
    """The language the others are translated from; a change to it marks them needs_review."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Raised by every change to a language's text: approvals and incidents name it."""
    library_key: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)
    """The starter library's file it was loaded from (so loading again adds nothing)."""
    created_by: Mapped[str] = mapped_column(String(200))

    def typed_fields(self) -> list[Field]:
        return [Field(name=f["name"], kind=FieldKind(f["kind"])) for f in self.fields]


class TemplateContent(IdMixin, Base):
    """One language of a template: subject, SMS text, body and instruction, with placeholders."""

    __tablename__ = "alert_template_contents"
    __table_args__ = (UniqueConstraint("template_id", "language"),)

    template_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("alert_templates.id", ondelete="CASCADE")
    )
    language: Mapped[str] = mapped_column(String(35))
    subject: Mapped[str] = mapped_column(String(300), default="")
    sms: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    instruction: Mapped[str] = mapped_column(Text, default="")
    review: Mapped[str] = mapped_column(String(16), default=Review.DRAFT)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(200), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    approved_version: Mapped[int | None] = mapped_column(Integer, default=None)
    """The template's version when this language was last approved."""

    def texts(self) -> dict[str, str]:
        return {
            "subject": self.subject,
            "sms": self.sms,
            "body": self.body,
            "instruction": self.instruction,
        }
