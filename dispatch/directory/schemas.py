"""What the directory API reads and writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from dispatch.lengths import Email, LanguageTag, Name, Number, OrganisationName, Phone, Url, Word


class NetworkOut(msgspec.Struct):
    code: str
    name: str
    teams_webhook_url: str | None
    """The webhook's address, for admins and coordinators only (null for other roles)."""
    has_teams_webhook: bool = False


class NetworkPatch(msgspec.Struct, forbid_unknown_fields=True):
    teams_webhook_url: Url | None
    """An https address of the network's Teams Workflows webhook, or null to remove it."""


class MembershipIO(msgspec.Struct):
    code: Word
    """Network code: NIK, NONEMI or NIFS."""
    role: Word = "member"
    """``member`` or ``observer``."""


class OrganisationIn(msgspec.Struct, forbid_unknown_fields=True):
    name: OrganisationName
    kind: Word
    organisation_number: Number | None = None
    municipality_number: Number | None = None
    teams_webhook_url: Url | None = None
    networks: list[MembershipIO] = msgspec.field(default_factory=list)


class OrganisationPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: OrganisationName | UnsetType = UNSET
    kind: Word | UnsetType = UNSET
    organisation_number: Number | UnsetType | None = UNSET
    municipality_number: Number | UnsetType | None = UNSET
    teams_webhook_url: Url | UnsetType | None = UNSET
    networks: list[MembershipIO] | UnsetType = UNSET
    """Replaces the organisation's memberships when given."""


class OrganisationOut(msgspec.Struct):
    id: int
    name: str
    kind: str
    organisation_number: str | None
    municipality_number: str | None
    teams_webhook_url: str | None
    """The webhook's address, for admins and coordinators only (null for other roles)."""
    networks: list[MembershipIO]
    created_at: datetime
    updated_at: datetime
    has_teams_webhook: bool = False


class ContactIn(msgspec.Struct, forbid_unknown_fields=True):
    organisation_id: int
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    language: LanguageTag = "nb"
    channels: list[Word] | None = None
    """``email`` and/or ``sms``; defaults to every channel the contact has an address for."""
    main_contact: bool = False
    active: bool = True


class ContactPatch(msgspec.Struct, forbid_unknown_fields=True):
    organisation_id: int | UnsetType = UNSET
    name: Name | UnsetType = UNSET
    email: Email | UnsetType | None = UNSET
    phone: Phone | UnsetType | None = UNSET
    language: LanguageTag | UnsetType = UNSET
    channels: list[Word] | UnsetType = UNSET
    main_contact: bool | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class EmailBouncedOut(msgspec.Struct):
    """The contact's e-mail address bounced for good: correct it, or ask the person."""

    at: datetime
    reason: str
    """The mail server's status and words, e.g. ``5.1.1 User unknown``."""


class ContactOut(msgspec.Struct):
    id: int
    organisation_id: int
    name: str
    email: str | None
    phone: str | None
    language: str
    channels: list[str]
    main_contact: bool
    active: bool
    last_confirmed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    email_bounced: EmailBouncedOut | None = None
    """Set while the address is flagged as bouncing (``dispatch mail-in``)."""


class ImportRejection(msgspec.Struct):
    row: int
    """Data row number, counting from 1 (the header is not a row)."""
    errors: list[str]


class ImportResult(msgspec.Struct):
    created_organisations: int
    created_contacts: int
    updated_contacts: int
    rejected: list[ImportRejection]
    updated_organisations: int = 0
    """Existing organisations that gained a network membership."""
    unchanged_contacts: int = 0
    dry_run: bool = False


def given_fields(struct: Any) -> list[tuple[str, Any]]:
    """The fields a patch sets (those not ``UNSET``), as name and value, in declaration order."""
    return [
        (name, getattr(struct, name))
        for name in struct.__struct_fields__
        if getattr(struct, name) is not UNSET
    ]
