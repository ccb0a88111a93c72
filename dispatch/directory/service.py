"""Directory service functions: the only place that changes networks, organisations and contacts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from msgspec import UNSET
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.directory import validation
from dispatch.directory.models import Contact, Membership, Network, Organisation
from dispatch.directory.schemas import (
    ContactIn,
    ContactPatch,
    MembershipIO,
    OrganisationIn,
    OrganisationPatch,
)
from dispatch.errors import ConflictError, InvalidInputError, NotFoundError
from dispatch.paging import paginate

NAME_MAX = 200
ORG_NAME_MAX = 300


# --- networks ---------------------------------------------------------------------------------


async def list_networks(session: AsyncSession) -> Sequence[Network]:
    """Every network, in a fixed order."""
    return (await session.scalars(select(Network).order_by(Network.id))).all()


async def network_codes(session: AsyncSession) -> dict[str, int]:
    """Network id by code."""
    return {n.code: n.id for n in await list_networks(session)}


async def update_network(
    session: AsyncSession, *, code: str, teams_webhook_url: str | None, actor: Actor
) -> Network:
    """Set or clear a network's Teams webhook."""
    network = await session.scalar(select(Network).where(Network.code == code.upper()))
    if network is None:
        raise NotFoundError(f"There is no network '{code}'; the networks are NIK, NONEMI and NIFS.")
    url = None
    if teams_webhook_url is not None and teams_webhook_url.strip():
        url = _clean(validation.webhook_url, teams_webhook_url)
    if network.teams_webhook_url != url:
        network.teams_webhook_url = url
        record(
            session,
            actor=actor,
            action="network.updated",
            entity_type="network",
            entity_id=network.code,
            details={"fields": ["teams_webhook_url"]},
        )
    await session.flush()
    return network


# --- organisations ----------------------------------------------------------------------------


async def list_organisations(
    session: AsyncSession, *, network: str | None, page: int, page_size: int
) -> tuple[Sequence[Organisation], int]:
    """A page of organisations by name, optionally only those in one network."""
    query = select(Organisation)
    if network:
        network_id = await _network_id(session, network)
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
        raise NotFoundError(f"There is no organisation with id {organisation_id}.")
    return organisation


async def create_organisation(
    session: AsyncSession, *, data: OrganisationIn, actor: Actor
) -> Organisation:
    """A new organisation with its memberships."""
    errors: list[str] = []
    values = _organisation_values(
        errors,
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
    session: AsyncSession, *, organisation_id: int, patch: OrganisationPatch, actor: Actor
) -> Organisation:
    """Change the given fields; ``networks`` replaces the memberships."""
    organisation = await get_organisation(session, organisation_id)
    errors: list[str] = []
    given = {k: v for k, v in _struct_items(patch) if k != "networks"}
    values = _organisation_values(errors, partial=True, **given)
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
            f"The organisation still has {count} contact(s); delete or move them first, "
            "or delete with ?cascade=true to remove them too."
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


# --- contacts ---------------------------------------------------------------------------------


async def list_contacts(
    session: AsyncSession,
    *,
    network: str | None,
    organisation_id: int | None,
    active: bool | None,
    page: int,
    page_size: int,
    search: str | None = None,
) -> tuple[Sequence[Contact], int]:
    """A page of contacts by name, filtered by network, organisation and active state, and by
    ``search`` in the name, e-mail, phone number or organisation name."""
    query = select(Contact)
    if search and search.strip():
        needle = search.strip()
        query = query.where(
            or_(
                Contact.name.icontains(needle, autoescape=True),
                Contact.email.icontains(needle, autoescape=True),
                Contact.phone.icontains(needle, autoescape=True),
                Contact.organisation_id.in_(
                    select(Organisation.id).where(
                        Organisation.name.icontains(needle, autoescape=True)
                    )
                ),
            )
        )
    if network:
        network_id = await _network_id(session, network)
        query = query.where(
            Contact.organisation_id.in_(
                select(Membership.organisation_id).where(Membership.network_id == network_id)
            )
        )
    if organisation_id is not None:
        query = query.where(Contact.organisation_id == organisation_id)
    if active is not None:
        query = query.where(Contact.active.is_(active))
    return await paginate(
        session, query.order_by(Contact.name, Contact.id), page=page, page_size=page_size
    )


async def get_contact(session: AsyncSession, contact_id: int) -> Contact:
    """One contact, or a 404 that says which."""
    contact = await session.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError(f"There is no contact with id {contact_id}.")
    return contact


@dataclass(slots=True)
class ContactFields:
    """A contact's cleaned values, or the reasons they could not be cleaned."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def clean_contact(
    *,
    name: str,
    email: str | None,
    phone: str | None,
    language: str,
    channels: list[str] | None,
) -> ContactFields:
    """Validate a whole contact; shared by the API and the CSV import."""
    out = ContactFields()
    _try(out.errors, out.values, "name", validation.text, name, field="name", max_length=NAME_MAX)
    if email is not None and email.strip():
        _try(out.errors, out.values, "email", validation.email, email)
    else:
        out.values["email"] = None
    if phone is not None and phone.strip():
        _try(out.errors, out.values, "phone", validation.mobile, phone)
    else:
        out.values["phone"] = None
    _try(out.errors, out.values, "language", validation.language, language)
    if channels is None:
        chosen = [c for c, v in (("email", email), ("sms", phone)) if v and v.strip()]
        out.values["channels"] = chosen
    else:
        _try(out.errors, out.values, "channels", validation.channels, channels)
    if "channels" in out.values and "email" in out.values and "phone" in out.values:
        out.errors.extend(
            validation.channels_fit(
                out.values["channels"], email=out.values["email"], phone=out.values["phone"]
            )
        )
    return out


async def create_contact(session: AsyncSession, *, data: ContactIn, actor: Actor) -> Contact:
    """A new contact at an existing organisation."""
    cleaned = clean_contact(
        name=data.name,
        email=data.email,
        phone=data.phone,
        language=data.language,
        channels=data.channels,
    )
    if await session.get(Organisation, data.organisation_id) is None:
        cleaned.errors.insert(0, f"there is no organisation with id {data.organisation_id}")
    if cleaned.errors:
        raise InvalidInputError.from_errors(cleaned.errors)
    await _ensure_unique_contact(session, data.organisation_id, cleaned.values, exclude_id=None)
    contact = Contact(
        organisation_id=data.organisation_id,
        main_contact=data.main_contact,
        active=data.active,
        **cleaned.values,
    )
    session.add(contact)
    await session.flush()
    record(
        session,
        actor=actor,
        action="contact.created",
        entity_type="contact",
        entity_id=contact.id,
        details={"organisation_id": data.organisation_id},
    )
    return contact


async def update_contact(
    session: AsyncSession, *, contact_id: int, patch: ContactPatch, actor: Actor
) -> Contact:
    """Change the given fields; the result must still be a reachable contact."""
    contact = await get_contact(session, contact_id)
    given = dict(_struct_items(patch))
    merged = {
        "name": given.get("name", contact.name),
        "email": given.get("email", contact.email),
        "phone": given.get("phone", contact.phone),
        "language": given.get("language", contact.language),
        "channels": given.get("channels", contact.channels),
    }
    if "channels" not in given and ("email" in given or "phone" in given):
        # Removing an address drops its channel rather than failing; adding one adds it.
        merged["channels"] = None
    cleaned = clean_contact(**merged)
    organisation_id = given.get("organisation_id", contact.organisation_id)
    if organisation_id != contact.organisation_id and (
        await session.get(Organisation, organisation_id) is None
    ):
        cleaned.errors.insert(0, f"there is no organisation with id {organisation_id}")
    if cleaned.errors:
        raise InvalidInputError.from_errors(cleaned.errors)
    await _ensure_unique_contact(session, organisation_id, cleaned.values, exclude_id=contact.id)
    values: dict[str, Any] = {
        **cleaned.values,
        "organisation_id": organisation_id,
        **{k: given[k] for k in ("main_contact", "active") if k in given},
    }
    changed = [k for k, v in values.items() if getattr(contact, k) != v]
    for key in changed:
        setattr(contact, key, values[key])
    if changed:
        record(
            session,
            actor=actor,
            action="contact.updated",
            entity_type="contact",
            entity_id=contact.id,
            details={"fields": changed},
        )
        await session.flush()
        await session.refresh(contact, ["updated_at"])
    return contact


async def delete_contact(session: AsyncSession, *, contact_id: int, actor: Actor) -> None:
    """Remove a contact from the directory."""
    contact = await get_contact(session, contact_id)
    await session.delete(contact)
    record(
        session, actor=actor, action="contact.deleted", entity_type="contact", entity_id=contact_id
    )
    await session.flush()


# --- helpers ----------------------------------------------------------------------------------


def _clean(check: Any, raw: Any, **kwargs: Any) -> Any:
    try:
        return check(raw, **kwargs)
    except validation.InvalidValue as exc:
        raise InvalidInputError.from_errors([str(exc)]) from exc


def _try(
    errors: list[str], values: dict[str, Any], key: str, check: Any, raw: Any, **kwargs: Any
) -> None:
    try:
        values[key] = check(raw, **kwargs)
    except validation.InvalidValue as exc:
        errors.append(str(exc))


def _struct_items(struct: Any) -> list[tuple[str, Any]]:
    return [
        (name, getattr(struct, name))
        for name in struct.__struct_fields__
        if getattr(struct, name) is not UNSET
    ]


def _organisation_values(
    errors: list[str], *, partial: bool = False, **given: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in given or not partial:
        _try(
            errors,
            values,
            "name",
            validation.text,
            given["name"],
            field="name",
            max_length=ORG_NAME_MAX,
        )
    if "kind" in given or not partial:
        _try(errors, values, "kind", validation.organisation_kind, given["kind"])
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
        else:
            _try(errors, values, key, check, raw)
    return values


async def _memberships(
    session: AsyncSession, requested: list[MembershipIO], errors: list[str]
) -> list[Membership]:
    codes = await network_codes(session)
    seen: dict[int, Membership] = {}
    for item in requested:
        network_id = codes.get(item.code.strip().upper())
        if network_id is None:
            errors.append(f"unknown network '{item.code}'; the networks are {', '.join(codes)}")
            continue
        try:
            role = validation.membership_role(item.role)
        except validation.InvalidValue as exc:
            errors.append(str(exc))
            continue
        seen[network_id] = Membership(network_id=network_id, role=role.value)
    return list(seen.values())


async def _network_id(session: AsyncSession, code: str) -> int:
    codes = await network_codes(session)
    network_id = codes.get(code.strip().upper())
    if network_id is None:
        raise InvalidInputError(f"Unknown network '{code}'; the networks are {', '.join(codes)}.")
    return network_id


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
            f"Organisation number {number} already belongs to organisation {clash.id} "
            f"({clash.name})."
        )


async def _ensure_unique_contact(
    session: AsyncSession, organisation_id: int, values: dict[str, Any], *, exclude_id: int | None
) -> None:
    for key, label in (("email", "e-mail address"), ("phone", "phone number")):
        if not values.get(key):
            continue
        column = getattr(Contact, key)
        query = select(Contact.id).where(
            Contact.organisation_id == organisation_id, column == values[key]
        )
        if exclude_id is not None:
            query = query.where(Contact.id != exclude_id)
        clash = await session.scalar(query)
        if clash is not None:
            raise ConflictError(
                f"Contact {clash} at this organisation already has this {label}; "
                "edit that contact instead."
            )
