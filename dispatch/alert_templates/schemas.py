"""What the templates API reads and writes."""

from __future__ import annotations

from datetime import datetime

import msgspec

from dispatch.lengths import Body, LanguageTag, Name, Sms, Subject, Word


class FieldIn(msgspec.Struct, forbid_unknown_fields=True):
    """A typed field: its name is the placeholder (``place`` → ``{place}``)."""

    name: Word
    kind: Word = "text"
    """``text``, ``date``, ``time``, ``phone`` or ``url``."""


class TemplateLanguageIn(msgspec.Struct, forbid_unknown_fields=True):
    """One language of a template, with ``{placeholders}`` naming its fields."""

    subject: Subject = ""
    sms: Sms = ""
    body: Body = ""
    instruction: Body = ""


class TemplateIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    content: dict[LanguageTag, TemplateLanguageIn]
    fields: list[FieldIn] = msgspec.field(default_factory=list)
    source_language: LanguageTag = "nb"
    """The language the others are translated from (it must be among ``content``)."""


class ContentIn(msgspec.Struct, forbid_unknown_fields=True):
    subject: Subject = ""
    sms: Sms = ""
    body: Body = ""
    instruction: Body = ""
    approved: bool = False
    """Only a coordinator may approve; a translator's text is always a draft."""


class FieldOut(msgspec.Struct):
    name: str
    kind: str


class TemplateCreatedOut(msgspec.Struct):
    id: int
    version: int


class TemplateLanguageOut(msgspec.Struct):
    language: str
    name: str
    """The language's name in its own script."""
    direction: str
    review: str
    """``draft``, ``approved`` or ``needs_review``."""
    source: bool
    subject: str
    sms: str
    body: str
    instruction: str
    updated_by: str
    updated_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    approved_version: int | None


class TemplateSummaryOut(msgspec.Struct):
    id: int
    name: str
    version: int
    source_language: str
    fields: list[FieldOut]
    languages: dict[str, str]
    """Language → review state."""


class TemplateOut(msgspec.Struct):
    id: int
    name: str
    version: int
    source_language: str
    fields: list[FieldOut]
    created_by: str
    created_at: datetime
    updated_at: datetime
    library: bool
    """Loaded from the starter library."""
    languages: list[TemplateLanguageOut]
