"""What the incidents API reads and writes."""

from __future__ import annotations

from datetime import datetime

import msgspec

from dispatch.lengths import Body, LanguageTag, Reason, Sms, Subject, Word


class LanguageContent(msgspec.Struct, forbid_unknown_fields=True):
    """One language of a message. Which fields are needed depends on the channels."""

    subject: Subject = ""
    sms: Sms = ""
    body: Body = ""
    instruction: Body = ""


class TemplateUse(msgspec.Struct, forbid_unknown_fields=True):
    """Declaring from a template: its id and a value for each of its fields."""

    id: int
    fields: dict[Word, Reason] = msgspec.field(default_factory=dict)
    include_unreviewed: bool = False
    """Send draft and needs-review languages too (otherwise their readers get the fallback)."""


class IncidentIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Subject
    networks: list[Word]
    message: dict[LanguageTag, LanguageContent] = msgspec.field(default_factory=dict)
    """The text per language; with ``template``, a language given here replaces the template's."""
    template: TemplateUse | None = None
    include_unreviewed: bool = False
    """The same as ``template.include_unreviewed`` (either one is enough)."""
    status: Word = "actual"
    severity: Word = "severe"
    urgency: Word = "immediate"
    certainty: Word = "likely"
    ack_required: bool = True
    ack_deadline_minutes: int = 30
    ack_deadline_seconds: int | None = None
    """For drills: a deadline in seconds (10 to 604800) instead of minutes."""
    channels: list[Word] = msgspec.field(default_factory=lambda: ["email", "sms", "teams"])


class MessageIn(msgspec.Struct, forbid_unknown_fields=True):
    message: dict[LanguageTag, LanguageContent]


class CloseIn(msgspec.Struct, forbid_unknown_fields=True):
    message: dict[LanguageTag, LanguageContent] | None = None


class SmsLanguage(msgspec.Struct):
    encoding: str
    segments: int
    characters: int
    offenders: list[str] = msgspec.field(default_factory=list)
    """Characters that force UCS-2 in otherwise GSM-7 text, with their position."""
    text: str = ""
    """The SMS exactly as sent (marker and reply instruction included)."""


class SmsPreview(msgspec.Struct):
    segments_total: int
    per_language: dict[str, SmsLanguage]


class Estimate(msgspec.Struct):
    """Seconds until every SMS is handed over, at the providers' capacity in segments a second
    (main contacts first); e-mail and Teams go out within seconds."""

    main_contacts: int
    all: int


class PreviewOut(msgspec.Struct):
    recipients: int
    by_language: dict[str, int]
    """Recipients by the language they will get."""
    fallbacks: dict[str, str]
    """Preferred language → the language sent instead, for languages the message lacks."""
    sms: SmsPreview
    deliveries: dict[str, int]
    """Planned deliveries by channel."""
    main_contacts: int
    estimated_seconds: Estimate = msgspec.field(default_factory=lambda: Estimate(0, 0))
    fallback_recipients: dict[str, int] = msgspec.field(default_factory=dict)
    """Recipients who get a language other than their own, by the language they get."""
    unread: list[str] = msgspec.field(default_factory=list)
    """Languages written that no recipient will get (no one reads them, nor falls back to them)."""
    review: dict[str, str] = msgspec.field(default_factory=dict)
    """From a template: every language's review state (``draft``, ``approved``,
    ``needs_review``), also of those left out."""
    left_out: list[str] = msgspec.field(default_factory=list)
    """From a template: unreviewed languages not sent; their readers get the fallback."""
    edited: list[str] = msgspec.field(default_factory=list)
    """From a template: languages whose text the coordinator changed before sending."""
    template_version: int | None = None
    system_words: dict[str, str] = msgspec.field(default_factory=dict)
    """For each language sent: the review state of the system's own words in it (markers, SMS
    reply instruction, acknowledgement page): ``approved``, ``draft`` or ``needs_review``. An
    exercise or test marker not approved goes with bokmål's beside it."""


class DeliveryCounts(msgspec.Struct):
    queued: int = 0
    sending: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    undeliverable: int = 0


class EmailCounts(msgspec.Struct):
    """What became of the e-mail: taken by the mail server, bounced back for good, answered by a
    person, answered by a program (out of office). Bounces and replies are read only with
    ``DISPATCH_INBOUND_MAIL_DOMAIN`` set."""

    accepted: int = 0
    bounced: int = 0
    replied: int = 0
    automatic: int = 0
    sms_beside_bounced: int = 0
    """SMS sent at once beside an e-mail to an address that had bounced before (the person
    would otherwise have got the SMS only after the e-mail bounced again)."""


class Stats(msgspec.Struct):
    recipients: int
    acknowledged: int
    deliveries: DeliveryCounts
    unreachable: int = 0
    """People still silent when escalation ended."""
    email: EmailCounts = msgspec.field(default_factory=EmailCounts)


class TemplateRef(msgspec.Struct):
    """The template an incident was declared from, and its version then."""

    id: int
    version: int


class IncidentOut(msgspec.Struct):
    id: int
    code: str
    title: str
    state: str
    status: str
    severity: str
    urgency: str
    certainty: str
    networks: list[str]
    channels: list[str]
    ack_required: bool
    ack_deadline_minutes: int
    declared_by: str
    declared_at: datetime
    closed_at: datetime | None
    stats: Stats
    template: TemplateRef | None = None


class Planned(msgspec.Struct):
    planned: int


class DeclaredOut(msgspec.Struct):
    id: int
    code: str
    state: str
    status: str
    recipients: int
    deliveries: Planned


class VersionOut(msgspec.Struct):
    id: int
    sequence: int
    kind: str
    deliveries: Planned


class DeliveryEventOut(msgspec.Struct):
    """A decision about a delivery: ``failover``, ``decided``, ``reconciled``, ``bounced``,
    ``bounced_later`` or ``beside_bounced`` (an SMS sent at once because the person's e-mail
    address had bounced before), and why."""

    at: datetime
    kind: str
    detail: str


class DeliveryOut(msgspec.Struct):
    id: int
    message_version_id: int
    channel: str
    recipient_id: int | None
    network_code: str | None
    language: str
    fallback: bool
    state: str
    attempts: int
    provider_id: str | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    provider: str | None = None
    """The provider that got the last try (``twilio``, ``link``, ``smtp``, ``teams`` …)."""
    possible_duplicate: bool = False
    """Sent again without knowing whether an earlier try got through (its history says why)."""
    history: list[DeliveryEventOut] = msgspec.field(default_factory=list)
    """What the engine decided about it that its state does not tell, oldest first."""
