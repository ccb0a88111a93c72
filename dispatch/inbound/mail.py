"""E-mail replies as their handlers see them: the edge (``dispatch.mailin``) has read the
delivery from the Reply-To's token, and hands the reply to the handler registered for the
delivery's kind of message (an alert, a newsletter, …)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class MailReply:
    """A person's reply to one delivery's e-mail."""

    delivery_id: int
    source_kind: str
    source_id: int
    incident_id: int | None
    recipient_id: int | None
    organisation_id: int | None
    target: str
    """``recipient:<id>`` or ``contact:<id>``: who the e-mail went to."""
    language: str
    """The language the e-mail was sent in."""
    text: str
    """The person's own words, without the quoted message and the signature; may be empty."""


class ReplyHandler(Protocol):
    """Acts on a reply and says what it did (``acknowledged``, ``field_report`` …)."""

    async def __call__(self, session: AsyncSession, reply: MailReply) -> str: ...
