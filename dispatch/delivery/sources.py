"""Senders as plug-ins: what the delivery engine asks of whoever owns a kind of message.

The engine claims rows, sends and records; it never reads an incident, a pack or a campaign.
For each ``SourceKind`` one ``MessageSource``, registered by the composition root, loads what
its claimed rows need (``load``), turns one into the message a channel sends (``render``) and,
when a personal delivery fails for good, names the delivery on another channel
(``fallbacks``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import OutgoingMessage
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.delivery.outbox import OutboxItem
from dispatch.security.links import Links


@dataclass(slots=True)
class Job:
    """A claimed delivery: the outbox's own columns, and what its sender loaded for it."""

    id: int
    source_kind: str
    source_id: int
    channel: str
    address: str
    language: str
    attempts: int
    """Tries so far, this one included."""
    priority: int
    """0 for main contacts and Teams, which go first, also under a provider's rate limit."""
    recipient_id: int | None = None
    provider: str | None = None
    """The provider that got the last try, if any."""
    sending_at: datetime | None = None
    """When this try was claimed."""
    uncertain_since: datetime | None = None
    """An earlier try's outcome is unknown from this time: ask the provider before sending."""
    lookups: int = 0
    """Failed look-ups of that earlier try so far."""
    payload: Any = None
    """What the sender's ``load`` gave for this delivery; the engine only passes it back."""


JOB_COLUMNS = (
    Delivery.id,
    Delivery.source_kind,
    Delivery.source_id,
    Delivery.channel,
    Delivery.address,
    Delivery.language,
    Delivery.attempts,
    Delivery.priority,
    Delivery.recipient_id,
    Delivery.provider,
)
"""The outbox columns a ``Job`` is made of (select or return them, then ``job_of``)."""


def job_of(row: Any, **more: Any) -> Job:
    """A ``Job`` from a row with ``JOB_COLUMNS`` (and ``more`` of its fields)."""
    return Job(
        id=row.id,
        source_kind=row.source_kind,
        source_id=row.source_id,
        channel=row.channel,
        address=row.address or "",
        language=row.language,
        attempts=row.attempts,
        priority=row.priority,
        recipient_id=row.recipient_id,
        provider=row.provider,
        **more,
    )


class MessageSource(Protocol):
    """A sender's side of the outbox: one per ``SourceKind``."""

    kind: SourceKind

    async def load(self, session: AsyncSession, jobs: Sequence[Job]) -> Mapping[int, Any]:
        """What rendering needs for each job, by delivery id, in as few queries as it can; a
        delivery missing from the answer has no message any more and fails."""
        ...

    def render(self, job: Job, links: Links) -> OutgoingMessage:
        """The message for one job (``job.payload`` is what ``load`` gave); ``links`` mints
        this delivery's tokens. Pure: no database, no network."""
        ...

    async def fallbacks(self, session: AsyncSession, failed: Sequence[Job]) -> list[OutboxItem]:
        """For deliveries that failed for good, the deliveries to try instead (another channel
        of the same person); none where there is no other way."""
        ...


class Sources:
    """The registered senders, by kind."""

    def __init__(self, sources: Iterable[MessageSource]) -> None:
        self._by_kind: dict[str, MessageSource] = {}
        for source in sources:
            if source.kind in self._by_kind:
                raise ValueError(f"two message sources for {source.kind}")
            self._by_kind[source.kind] = source

    def get(self, kind: str) -> MessageSource:
        """The sender of ``kind``; ``KeyError`` when none is registered."""
        try:
            return self._by_kind[kind]
        except KeyError:
            raise KeyError(f"no message source is registered for {kind!r}") from None

    def __contains__(self, kind: object) -> bool:
        return kind in self._by_kind


class Suppressions(Protocol):
    """Addresses that must not be sent to on a channel (an SMS opt-out, say), and why."""

    async def suppressed(
        self, session: AsyncSession, channel: str, addresses: Sequence[str]
    ) -> Mapping[str, str]:
        """Of ``addresses``, those suppressed on ``channel``, each with a reason a coordinator
        can read."""
        ...


class NoSuppressions:
    """Suppresses nothing."""

    async def suppressed(
        self, session: AsyncSession, channel: str, addresses: Sequence[str]
    ) -> Mapping[str, str]:
        return {}
