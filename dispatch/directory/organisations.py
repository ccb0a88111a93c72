"""Organisations: listing, reading, creating, changing and deleting them with their memberships."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from msgspec import UNSET
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.directory import validation
from dispatch.directory.models import Contact, Membership, Organisation
from dispatch.directory.networks import network_codes, network_id_of
from dispatch.directory.schemas import MembershipIO, OrganisationIn, OrganisationPatch, given_fields
from dispatch.directory.validation import collect
from dispatch.errors import ConflictError, InvalidInputError, NotFoundError
from dispatch.paging import paginate
from translations.strings.marking import N_
from translations.text import Text

ORG_NAME_MAX = 300


async def list_organisations(
    session: AsyncSession, *, network: str | None, page: int, page_size: int
) -> tuple[Sequence[Organisation], int]:
    """A page of organisations by name, optionally only those in one network."""
    query = select(Organisation)
    if network:
        network_id = await network_id_of(session, network)
        query = query.where(
            Organisation.id.in_(
                select(Membership.organisation_id).where(Membership.network_id == network_id)
            )
        )
    return await paginate(
        session, query.order_by(Organisation.name, Organisation.id), page=page, page_size=page_size
    )


async def organisation_names(
    session: AsyncSession, ids: Iterable[int | None]
) -> dict[int | None, str]:
    """Id → name for the given organisations (one query; none for no ids); ``None`` (no
    organisation) is left out, so ``.get(None, "")`` gives the empty name."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
    )
    return dict(rows.all())


async def get_organisation(session: AsyncSession, organisation_id: int) -> Organisation:
    """One organisation, or a 404 that says which."""
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundError(
            Text(N_("There is no organisation with id %(id)d."), id=organisation_id)
        )
    return organisation


async def create_organisation(
    session: AsyncSession,
    *,
    data: OrganisationIn,
    actor: Actor,
    allow_loopback_webhooks: bool = False,
) -> Organisation:
    """A new organisation with its memberships."""
    errors: list[str] = []
    values = _organisation_values(
        errors,
        allow_loopback=allow_loopback_webhooks,
        name=data.name,
        kind=data.kind,
        organisation_number=data.organisation_number,
        municipality_number=data.municipality_number,
        teams_webhook_url=data.teams_webhook_url,
    )
    memberships = await _memberships(session, data.networks, errors)
    if errors:
        raise InvalidInputError.from_errors(errors)
    await _ensure_unique_number(session, values.get("organisation_number"), exclude_id=None)
    organisation = Organisation(**values)
    organisation.memberships = memberships
    session.add(organisation)
    await session.flush()
    await session.refresh(organisation, ["memberships"])
    record(
        session,
        actor=actor,
        action="organisation.created",
        entity_type="organisation",
        entity_id=organisation.id,
        details={"networks": [m.code for m in data.networks]},
    )
    return organisation


async def update_organisation(
    session: AsyncSession,
    *,
    organisation_id: int,
    patch: OrganisationPatch,
    actor: Actor,
    allow_loopback_webhooks: bool = False,
) -> Organisation:
    """Change the given fields; ``networks`` replaces the memberships."""
    organisation = await get_organisation(session, organisation_id)
    errors: list[str] = []
    given = {k: v for k, v in given_fields(patch) if k != "networks"}
    values = _organisation_values(
        errors, partial=True, allow_loopback=allow_loopback_webhooks, **given
    )
    memberships = None
    if patch.networks is not UNSET:
        memberships = await _memberships(session, patch.networks, errors)
    if errors:
        raise InvalidInputError.from_errors(errors)
    if values.get("organisation_number"):
        await _ensure_unique_number(
            session, values["organisation_number"], exclude_id=organisation.id
        )
    changed = [k for k, v in values.items() if getattr(organisation, k) != v]
    for key in changed:
        setattr(organisation, key, values[key])
    if memberships is not None:
        before = {(m.network_id, m.role) for m in organisation.memberships}
        after = {(m.network_id, m.role) for m in memberships}
        if before != after:
            organisation.memberships = memberships
            changed.append("networks")
    if changed:
        record(
            session,
            actor=actor,
            action="organisation.updated",
            entity_type="organisation",
            entity_id=organisation.id,
            details={"fields": changed},
        )
    await session.flush()
    await session.refresh(organisation, ["memberships", "updated_at"])
    return organisation


async def delete_organisation(
    session: AsyncSession, *, organisation_id: int, cascade: bool, actor: Actor
) -> None:
    """Remove an organisation; with contacts left, only when ``cascade`` says so."""
    organisation = await get_organisation(session, organisation_id)
    count = await session.scalar(
        select(func.count()).where(Contact.organisation_id == organisation_id)
    )
    if count and not cascade:
        raise ConflictError(
            Text(
                N_(
                    "The organisation still has %(count)d contact(s); delete or move them "
                    "first, or delete with ?cascade=true to remove them too."
                ),
                count=count,
            )
        )
    await session.delete(organisation)
    record(
        session,
        actor=actor,
        action="organisation.deleted",
        entity_type="organisation",
        entity_id=organisation_id,
        details={"contacts_removed": count or 0},
    )
    await session.flush()


def _organisation_values(
    errors: list[str], *, partial: bool = False, allow_loopback: bool = False, **given: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in given or not partial:
        collect(
            errors,
            values,
            "name",
            validation.text,
            given["name"],
            field="name",
            max_length=ORG_NAME_MAX,
        )
    if "kind" in given or not partial:
        collect(errors, values, "kind", validation.organisation_kind, given["kind"])
        if "kind" in values:
            values["kind"] = values["kind"].value
    optional = {
        "organisation_number": validation.organisation_number,
        "municipality_number": validation.municipality_number,
        "teams_webhook_url": validation.webhook_url,
    }
    for key, check in optional.items():
        if key not in given:
            continue
        raw = given[key]
        if raw is None or not str(raw).strip():
            values[key] = None
        elif key == "teams_webhook_url":
            collect(errors, values, key, check, raw, allow_loopback=allow_loopback)
        else:
            collect(errors, values, key, check, raw)
    return values


async def _memberships(
    session: AsyncSession, requested: list[MembershipIO], errors: list[str]
) -> list[Membership]:
    codes = await network_codes(session)
    seen: dict[int, Membership] = {}
    for item in requested:
        network_id = codes.get(item.code.strip().upper())
        if network_id is None:
            errors.append(
                Text(
                    N_("unknown network '%(code)s'; the networks are %(known)s"),
                    field="networks",
                    code=item.code,
                    known=", ".join(codes),
                )
            )
            continue
        try:
            role = validation.membership_role(item.role)
        except validation.InvalidValue as exc:
            errors.append(exc.reason)
            continue
        seen[network_id] = Membership(network_id=network_id, role=role.value)
    return list(seen.values())


async def _ensure_unique_number(
    session: AsyncSession, number: str | None, *, exclude_id: int | None
) -> None:
    if not number:
        return
    query = select(Organisation.id, Organisation.name).where(
        Organisation.organisation_number == number
    )
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    clash = (await session.execute(query)).first()
    if clash is not None:
        raise ConflictError(
            Text(
                N_(
                    "Organisation number %(number)s already belongs to organisation %(id)d (%(name)s)."  # noqa: E501
                ),
                field="organisation_number",
                number=number,
                id=clash.id,
                name=clash.name,
            )
        )
