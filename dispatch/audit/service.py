"""Recording audit events in the caller's transaction: an action and its record commit together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.models import AuditEvent
from dispatch.db.base import utcnow


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: ``token:12 (ops script)``, ``user:3``, ``cli`` or ``system``."""

    label: str

    @classmethod
    def token(cls, token_id: int, name: str) -> Actor:
        return cls(f"token:{token_id} ({name})")

    @classmethod
    def user(cls, user_id: int) -> Actor:
        return cls(f"user:{user_id}")


CLI = Actor("cli")
SYSTEM = Actor("system")


def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: int | str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Add one audit event to the session's transaction."""
    session.add(
        AuditEvent(
            actor=actor.label,
            action=action,
            entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id),
            details=dict(details or {}),
        )
    )


async def record_many(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entries: Iterable[tuple[int | str | None, Mapping[str, Any]]],
) -> None:
    """Bulk-insert one audit event per entry, for imports of thousands of rows."""
    now = utcnow()
    rows = [
        {
            "at": now,
            "actor": actor.label,
            "action": action,
            "entity_type": entity_type,
            "entity_id": None if entity_id is None else str(entity_id),
            "details": dict(details),
        }
        for entity_id, details in entries
    ]
    if rows:
        await session.execute(insert(AuditEvent), rows)
