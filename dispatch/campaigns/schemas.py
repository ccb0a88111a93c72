"""The list review's request body and summary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from dispatch.lengths import Word


class ListReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    networks: list[Word]
    deadline: datetime
    reminder_at: datetime | None = None


class Counts(msgspec.Struct):
    contacts: int = 0
    confirmed: int = 0
    pending: int = 0
    deactivated: int = 0


class OrganisationCounts(msgspec.Struct):
    id: int
    name: str
    counts: Counts
    active_contacts: int


class CampaignOut(msgspec.Struct):
    id: int
    kind: str
    state: str
    networks: list[str]
    reminder_at: datetime | None
    deadline: datetime | None
    reminded_at: datetime | None
    finished_at: datetime | None
    totals: Counts
    by_network: dict[str, Counts]
    organisations: list[OrganisationCounts]
    lost_last_contact: list[OrganisationCounts] = msgspec.field(default_factory=list)
    """Organisations the review left without an active contact: the coordinator's to-do."""
    replacements: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """People that contacts named to take over, for the coordinator to add."""
