"""What the packs API reads and writes."""

from __future__ import annotations

from datetime import datetime

import msgspec

from dispatch.lengths import Body, LanguageTag, Name, Slug, Sms, Url, Word


class Link(msgspec.Struct, forbid_unknown_fields=True):
    """A web link under a pack's text."""

    url: Url
    label: Name = ""


class PackLanguageIn(msgspec.Struct, forbid_unknown_fields=True):
    """One language of a pack: a title, a short text fit for one SMS, and the long text."""

    title: Name
    short: Sms = ""
    body: Body = ""
    links: list[Link] = msgspec.field(default_factory=list)


class PackIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Name
    content: dict[LanguageTag, PackLanguageIn]
    slug: Slug | None = None
    """The public address (``/packs/<slug>``); made from the title when not given."""


class ContentIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Name
    short: Sms = ""
    body: Body = ""
    links: list[Link] = msgspec.field(default_factory=list)
    approved: bool = False
    """Only a coordinator may approve; a translator's text is always a draft."""


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    networks: list[Word]


class SmsFit(msgspec.Struct):
    """How the short text goes out as SMS."""

    encoding: str
    segments: int
    characters: int
    offenders: list[str] = msgspec.field(default_factory=list)
    """Characters with a GSM-7 look-alike that force UCS-2, with their position."""


class PassedOnTotals(msgspec.Struct):
    """The second hop: who said they passed a language on, and to about how many people."""

    organisations: int = 0
    people: int = 0
    unattributed_reports: int = 0
    """Reports from the page without an organisation's link (counted apart, not verified)."""
    unattributed_people: int = 0


class LanguageOut(msgspec.Struct):
    language: str
    name: str
    """The language's name in its own script."""
    direction: str
    state: str
    title: str
    short: str
    body: str
    links: list[Link]
    short_sms: SmsFit
    updated_by: str
    updated_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    public: bool
    """Whether an approved text is on the public page (it may be older than a draft)."""
    url: str | None
    passed_on: PassedOnTotals


class PublicationOut(msgspec.Struct):
    id: int
    networks: list[str]
    languages: list[str]
    published_by: str
    published_at: datetime
    deliveries: dict[str, int]
    """Delivery rows by state."""


class PackCreatedOut(msgspec.Struct):
    id: int
    slug: str
    url: str


class PackSummaryOut(msgspec.Struct):
    id: int
    slug: str
    title: str
    created_by: str
    created_at: datetime
    published_at: datetime | None
    languages: dict[str, str]
    """Language → draft or approved."""


class PackOut(msgspec.Struct):
    id: int
    slug: str
    title: str
    url: str
    created_by: str
    created_at: datetime
    published_at: datetime | None
    languages: list[LanguageOut]
    publications: list[PublicationOut]
    passed_on: PassedOnTotals


class PublishedOut(msgspec.Struct):
    publication_id: int
    url: str
    languages: list[str]
    organisations: int
    deliveries: dict[str, int]
    """Planned deliveries by channel: one e-mail per main contact, one Teams post per network."""
    organisations_without_main_contact: list[str]
    """Organisations that get nothing: no active main contact with an e-mail address."""
