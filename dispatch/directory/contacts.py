"""Contacts: listing, reading, validating, creating, changing and deleting them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.directory import validation
from dispatch.directory.models import Contact, Membership, Organisation
from dispatch.directory.networks import network_id_of
from dispatch.directory.schemas import ContactIn, ContactPatch, given_fields
from dispatch.directory.validation import collect
from dispatch.errors import ConflictError, InvalidInputError, NotFoundError
from dispatch.paging import paginate
from translations.strings.marking import N_
from translations.text import Text

NAME_MAX = 200


async def list_contacts(
    session: AsyncSession,
    *,
    network: str | None,
    organisation_id: int | None,
    active: bool | None,
    page: int,
    page_size: int,
    search: str | None = None,
    phone_in: Select[tuple[str]] | None = None,
) -> tuple[Sequence[Contact], int]:
    """A page of contacts by name, filtered by network, organisation and active state, by
    ``search`` in the name, e-mail, phone number or organisation name, and to the numbers
    ``phone_in`` selects (another package's list, such as the numbers that replied STOP)."""
    query = select(Contact)
    if phone_in is not None:
        query = query.where(Contact.phone.in_(phone_in))
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
        network_id = await network_id_of(session, network)
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
        raise NotFoundError(Text(N_("There is no contact with id %(id)d."), id=contact_id))
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
    collect(
        out.errors, out.values, "name", validation.text, name, field="name", max_length=NAME_MAX
    )
    if email is not None and email.strip():
        collect(out.errors, out.values, "email", validation.email, email)
    else:
        out.values["email"] = None
    if phone is not None and phone.strip():
        collect(out.errors, out.values, "phone", validation.mobile, phone)
    else:
        out.values["phone"] = None
    collect(out.errors, out.values, "language", validation.language, language)
    if channels is None:
        chosen = [c for c, v in (("email", email), ("sms", phone)) if v and v.strip()]
        out.values["channels"] = chosen
    else:
        collect(out.errors, out.values, "channels", validation.channels, channels)
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
        cleaned.errors.insert(
            0,
            Text(
                N_("there is no organisation with id %(id)d"),
                field="organisation_id",
                id=data.organisation_id,
            ),
        )
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
    given = dict(given_fields(patch))
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
        cleaned.errors.insert(
            0,
            Text(
                N_("there is no organisation with id %(id)d"),
                field="organisation_id",
                id=organisation_id,
            ),
        )
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


CLASH_EMAIL = N_(
    "Contact %(id)s at this organisation already has this e-mail address; edit that contact "
    "instead."
)
CLASH_PHONE = N_(
    "Contact %(id)s at this organisation already has this phone number; edit that contact instead."
)


async def _ensure_unique_contact(
    session: AsyncSession, organisation_id: int, values: dict[str, Any], *, exclude_id: int | None
) -> None:
    for key, message in (("email", CLASH_EMAIL), ("phone", CLASH_PHONE)):
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
            raise ConflictError(Text(message, field=key, id=clash))
