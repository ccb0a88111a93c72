"""The meeting API's bodies and answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from dispatch.campaigns.models import Campaign
from dispatch.lengths import Body, LanguageTag, Subject, Url, Word
from dispatch.meetings.models import Meeting

CHANNELS = ("email", "sms", "teams")


class MeetingText(msgspec.Struct, forbid_unknown_fields=True):
    title: Subject
    agenda: Body = ""


class MeetingIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: Word
    """``network`` (two a year) or ``topical`` (up to four, possibly for all networks)."""
    networks: list[Word]
    starts_at: datetime
    ends_at: datetime
    join_url: Url
    """The Teams meeting link (https)."""
    content: dict[LanguageTag, MeetingText]
    """Title and agenda per language; each contact gets theirs or the closest one written."""
    channels: list[Word] = msgspec.field(default_factory=lambda: ["email", "teams"])
    """Contacts without an e-mail address get an SMS whatever this says."""
    reminder_at: datetime | None = None
    """When to remind those who have not declined; the day before the start by default."""


class CallIn(msgspec.Struct, forbid_unknown_fields=True):
    """Call the incident's networks to an emergency meeting: one step, sensible defaults."""

    join_url: Url
    starts_at: datetime | None = None
    """Thirty minutes from now by default."""
    duration_minutes: int = 60
    agenda: dict[LanguageTag, Body] | None = None
    """Agenda per language; a standard emergency agenda in the incident's languages otherwise."""
    channels: list[Word] = msgspec.field(default_factory=lambda: list(CHANNELS))


@dataclass(slots=True)
class Created:
    campaign: Campaign
    meeting: Meeting
    invited: int
    delivery_ids: list[int]
    warnings: list[str] = field(default_factory=list)
    created: bool = True


class AnswerCounts(msgspec.Struct):
    invited: int = 0
    accepted: int = 0
    declined: int = 0
    pending: int = 0


class Attendee(msgspec.Struct):
    contact_id: int
    name: str
    organisation: str
    networks: list[Word]
    answer: str
    via: str | None
    answered_at: datetime | None
