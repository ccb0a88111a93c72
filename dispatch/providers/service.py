"""Reading and changing the SMS providers' states: by the router's verdicts, and by an admin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from channels.providers import ProviderConfig
from dispatch.audit.service import SYSTEM, Actor, record
from dispatch.db.base import utcnow
from dispatch.errors import InvalidInputError, NotFoundError
from dispatch.lengths import Word
from dispatch.providers import reasons
from dispatch.providers.health import HealthCounters
from dispatch.providers.models import ProviderState, SmsProviderState
from dispatch.settings import Settings
from translations.strings.marking import N_
from translations.text import Text


@dataclass(frozen=True, slots=True)
class StateRow:
    """A provider's state as last read."""

    name: str
    state: str
    weight: int | None
    changed_at: datetime
    reason: str

    def age_s(self) -> float:
        """Seconds since the state last changed."""
        return (utcnow() - self.changed_at).total_seconds()


def _row(found: SmsProviderState) -> StateRow:
    return StateRow(found.name, found.state, found.weight, found.changed_at, found.reason)


async def load_states(
    session: AsyncSession, configs: Mapping[str, ProviderConfig]
) -> dict[str, StateRow]:
    """Every configured provider's state; one not seen before starts active."""
    if not configs:
        return {}
    now = utcnow()
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    module: Any = postgresql if dialect == "postgresql" else sqlite
    fresh = [
        {"name": name, "state": ProviderState.ACTIVE, "changed_at": now,
         "reason": reasons.CONFIGURED, "changed_by": SYSTEM.label}
        for name in configs
    ]  # fmt: skip
    await session.execute(
        module.insert(SmsProviderState).on_conflict_do_nothing(index_elements=["name"]), fresh
    )
    rows = await session.scalars(
        select(SmsProviderState).where(SmsProviderState.name.in_(list(configs)))
    )
    return {r.name: _row(r) for r in rows}


async def load_state(session: AsyncSession, name: str) -> StateRow:
    """One provider's state."""
    found = await session.get(SmsProviderState, name)
    if found is None:
        raise NotFoundError(Text(N_("There is no SMS provider called '%(name)s'."), name=name))
    return _row(found)


async def change_state(
    session: AsyncSession,
    name: str,
    *,
    before: str,
    after: str,
    reason: str,
    actor: Actor = SYSTEM,
) -> bool:
    """Move ``name`` from ``before`` to ``after``, audited with the reason; False when another
    process moved it first."""
    moved = await session.execute(
        update(SmsProviderState)
        .where(SmsProviderState.name == name, SmsProviderState.state == before)
        .values(state=after, changed_at=utcnow(), reason=reason[:1000], changed_by=actor.label)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        return False
    record(
        session,
        actor=actor,
        action=f"sms_provider.{after}",
        entity_type="sms_provider",
        entity_id=name,
        details={"provider": name, "from": before, "to": after, "reason": reason[:1000]},
    )
    return True


class LastChange(msgspec.Struct):
    at: datetime
    reason: str


class ProviderOut(msgspec.Struct):
    """A provider as the API and the dashboard show it."""

    name: str
    kind: str
    state: str
    weight: int
    segments_per_second: float
    sent_last_minute: int
    errors_last_minute: int
    last_change: LastChange
    changed_by: str = ""


class ProviderPatch(msgspec.Struct, forbid_unknown_fields=True):
    """An admin's change: take a provider out or put it back, or give it another weight."""

    state: Word | None = None
    weight: int | None = None


async def listing(
    session: AsyncSession, configs: Sequence[ProviderConfig], counters: HealthCounters
) -> list[ProviderOut]:
    """Every configured provider with its state and its last minute."""
    states = await load_states(session, {c.name: c for c in configs})
    out = []
    for config in configs:
        row = states[config.name]
        minute = await counters.window(config.name, 60)
        found = await session.get(SmsProviderState, config.name)
        out.append(
            ProviderOut(
                name=config.name,
                kind=config.kind,
                state=row.state,
                weight=row.weight if row.weight is not None else config.weight,
                segments_per_second=config.segments_per_second,
                sent_last_minute=minute["sent"],
                errors_last_minute=minute["failed"],
                last_change=LastChange(at=row.changed_at, reason=row.reason),
                changed_by=found.changed_by if found is not None else "",
            )
        )
    return out


async def patch(
    session: AsyncSession,
    configs: Sequence[ProviderConfig],
    name: str,
    change: ProviderPatch,
    *,
    actor: Actor,
    by: str = "",
) -> None:
    """Apply an admin's change, audited; a 422 that says what is wrong otherwise. ``by`` names
    the admin in the reason a reader sees (the actor's label otherwise)."""
    if name not in {c.name for c in configs}:
        raise NotFoundError(Text(N_("There is no SMS provider called '%(name)s'."), name=name))
    errors: list[str] = []
    if change.state is None and change.weight is None:
        errors.append(Text(N_('give "state" (disabled or active) or "weight"')))
    if change.state is not None and change.state not in (
        ProviderState.DISABLED,
        ProviderState.ACTIVE,
    ):
        errors.append(Text(N_('state must be "disabled" or "active"'), field="state"))
    if change.weight is not None and not 0 <= change.weight <= 1000:
        errors.append(Text(N_("weight must be a whole number from 0 to 1000"), field="weight"))
    if errors:
        raise InvalidInputError.from_errors(errors)
    await load_states(session, {c.name: c for c in configs})
    current = await load_state(session, name)
    if change.state is not None and change.state != current.state:
        said = reasons.TAKEN_OUT if change.state == ProviderState.DISABLED else reasons.PUT_BACK
        await change_state(
            session,
            name,
            before=current.state,
            after=change.state,
            reason=said.format(actor=by or actor.label),
            actor=actor,
        )
    if change.weight is not None:
        await session.execute(
            update(SmsProviderState)
            .where(SmsProviderState.name == name)
            .values(weight=change.weight)
        )
        record(
            session,
            actor=actor,
            action="sms_provider.weight",
            entity_type="sms_provider",
            entity_id=name,
            details={"provider": name, "weight": change.weight},
        )


async def capacity(session: AsyncSession, settings: Settings) -> float:
    """Segments a second the providers that take traffic now can carry together; in sandbox
    mode, what one provider at ``DISPATCH_SMS_RATE_PER_SECOND`` would (the sandbox itself
    takes everything at once, which says nothing about the real day)."""
    configs = settings.sms_provider_configs()
    if not configs:
        return float(settings.sms_rate_per_second)
    states = await load_states(session, {c.name: c for c in configs})
    usable = [
        c for c in configs if states[c.name].state in (ProviderState.ACTIVE, ProviderState.DEGRADED)
    ]
    return sum(c.segments_per_second for c in usable or configs)


async def names_with_state(session: AsyncSession, state: str) -> list[str]:
    """Providers in ``state`` (for a warning on the dashboard)."""
    rows = await session.scalars(
        select(SmsProviderState.name).where(SmsProviderState.state == state)
    )
    return list(rows.all())
