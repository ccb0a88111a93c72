"""A channel that sends nothing: it hands every message to a sink so a person can read it.

Used by the embedded mode for any channel without settings, and by tests. It can be told to fail
for given addresses, so that error handling can be exercised without a real provider.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from channels.base import ChannelError, ChannelKind, OutgoingMessage, Receipt


@dataclass(frozen=True, slots=True)
class SandboxRecord:
    """One message the sandbox would have sent."""

    channel: ChannelKind
    to: str
    subject: str
    text: str
    html: str
    language: str
    direction: str
    link: str
    reference: str
    sent_at: datetime
    """When the sandbox took the message, in UTC."""
    provider_id: str = ""
    """The ``provider_id`` of the receipt the sandbox returned for it."""
    attachments: tuple[str, ...] = ()
    """The attached files' names."""


Sink = Callable[[SandboxRecord], Awaitable[None]]
"""Where sandbox messages go: a database table, a list in memory, …"""


class MemorySink:
    """A sink that keeps records in a list, for tests and the embedded mode."""

    def __init__(self) -> None:
        self.records: list[SandboxRecord] = []

    async def __call__(self, record: SandboxRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def to(self, address: str) -> list[SandboxRecord]:
        """The records sent to one address, oldest first."""
        return [record for record in self.records if record.to == address]


class SandboxChannel:
    """Records messages through ``sink`` instead of sending them."""

    def __init__(
        self,
        kind: ChannelKind,
        sink: Sink,
        *,
        fail_addresses: Mapping[str, ChannelError] | None = None,
    ) -> None:
        self.kind = kind
        self.name = "sandbox"
        self._sink = sink
        self.fail_addresses: dict[str, ChannelError] = dict(fail_addresses or {})
        """Addresses for which ``send`` raises the given error instead of recording."""

    async def send(self, message: OutgoingMessage) -> Receipt:
        """Record the message, or raise the error configured for its address."""
        failure = self.fail_addresses.get(message.to)
        if failure is not None:
            # A copy, so that each raise starts with a fresh traceback.
            raise copy.copy(failure)
        provider_id = f"sandbox-{uuid.uuid4()}"
        await self._sink(
            SandboxRecord(
                channel=self.kind,
                to=message.to,
                subject=message.subject,
                text=message.text,
                html=message.html,
                language=message.language,
                direction=message.direction,
                link=message.link,
                reference=message.reference,
                sent_at=datetime.now(UTC),
                provider_id=provider_id,
                attachments=tuple(a.filename for a in message.attachments),
            )
        )
        return Receipt(provider_id=provider_id, delivered=True)

    async def close(self) -> None:
        """Nothing to release."""
