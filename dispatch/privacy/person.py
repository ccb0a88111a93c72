"""Who a privacy request is about, and where the service keeps them.

A person is found from a directory contact (with their other organisations' listings: alerts
already treat the same e-mail address or mobile number as one person), or from an address
alone: someone who texted our number without ever being sent an alert, or someone a contact
named as their replacement in a list review. Both kinds are held in rows no contact id points
at, so every lookup here goes by contact ids *and* by addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from dispatch.acks.models import FieldReport
from dispatch.campaigns.models import CampaignTarget
from dispatch.directory.contacts import get_contact
from dispatch.directory.models import Contact
from dispatch.incidents.models import Recipient

ERASED = "(erased)"
"""What stands where a person's words or name were."""


@dataclass(frozen=True, slots=True)
class Person:
    """The directory listings of one person and every address they are known by."""

    listings: tuple[Contact, ...]
    emails: frozenset[str]
    phones: frozenset[str]

    @property
    def contact_ids(self) -> list[int]:
        return [c.id for c in self.listings]

    @property
    def addresses(self) -> list[str]:
        return sorted(self.emails | self.phones)


def _person(listings: Sequence[Contact], emails: set[str], phones: set[str]) -> Person:
    emails |= {c.email for c in listings if c.email}
    phones |= {c.phone for c in listings if c.phone}
    return Person(tuple(listings), frozenset(emails), frozenset(phones))


async def person_of_contact(session: AsyncSession, contact_id: int) -> tuple[Contact, Person]:
    """The contact asked about (404 if none) and the person: every listing with the same
    e-mail address or mobile number."""
    contact = await get_contact(session, contact_id)
    same = [Contact.id == contact.id]
    if contact.email:
        same.append(Contact.email == contact.email)
    if contact.phone:
        same.append(Contact.phone == contact.phone)
    listings = (await session.scalars(select(Contact).where(or_(*same)).order_by(Contact.id))).all()
    return contact, _person(listings, set(), set())


async def person_at(session: AsyncSession, *, email: str | None, phone: str | None) -> Person:
    """The person known by this e-mail address or mobile number (already normalised), with
    the directory listings that carry either, if any."""
    same: list[ColumnElement[bool]] = []
    if email:
        same.append(Contact.email == email)
    if phone:
        same.append(Contact.phone == phone)
    listings = (await session.scalars(select(Contact).where(or_(*same)).order_by(Contact.id))).all()
    return _person(listings, {email} if email else set(), {phone} if phone else set())


async def recipients_of(session: AsyncSession, person: Person) -> Sequence[Recipient]:
    """Their places in incident audiences: by contact, or by address (a contact deleted
    since, or two listings sent one message)."""
    return (
        await session.scalars(
            select(Recipient)
            .where(
                or_(
                    Recipient.contact_id.in_(person.contact_ids),
                    Recipient.email.in_(person.emails),
                    Recipient.phone.in_(person.phones),
                )
            )
            .order_by(Recipient.id)
        )
    ).all()


def field_reports_of(person: Person, recipient_ids: Sequence[int]) -> ColumnElement[bool]:
    """Their field reports: through an alert they got, from their listing, or texted from
    their number by someone the service had never alerted (kept with the number only)."""
    return or_(
        FieldReport.contact_id.in_(person.contact_ids),
        FieldReport.recipient_id.in_(list(recipient_ids)),
        FieldReport.sender.in_(person.phones),
    )


async def named_as_replacement(session: AsyncSession, person: Person) -> list[CampaignTarget]:
    """List-review answers in which someone else named this person to take over.

    By address anywhere; by name alone (a replacement given without an address) only where
    the naming contact sits in an organisation the person is listed for, as the same name
    elsewhere is more likely someone else.
    """
    email = CampaignTarget.replacement["email"].as_string()
    phone = CampaignTarget.replacement["phone"].as_string()
    organisations = {c.organisation_id for c in person.listings}
    candidates = (
        await session.scalars(
            select(CampaignTarget)
            .where(
                or_(
                    email.in_(person.emails),
                    phone.in_(person.phones),
                    CampaignTarget.organisation_id.in_(organisations),
                )
            )
            .order_by(CampaignTarget.id)
        )
    ).all()
    names = {_folded(c.name) for c in person.listings}
    own = set(person.contact_ids)  # what they named themselves is theirs, not about them
    found = []
    for target in candidates:
        named = target.replacement if isinstance(target.replacement, dict) else {}
        if not named or target.contact_id in own or named == {"name": ERASED}:
            continue
        if (
            named.get("email") in person.emails
            or named.get("phone") in person.phones
            or (
                target.organisation_id in organisations
                and _folded(str(named.get("name", ""))) in names
            )
        ):
            found.append(target)
    return found


def _folded(name: str) -> str:
    return " ".join(name.casefold().split())


async def count_update(session: AsyncSession, statement: Any) -> int:
    """Run an UPDATE or DELETE and say how many rows it changed."""
    result = await session.execute(statement, execution_options={"synchronize_session": False})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def anonymise_recipients(session: AsyncSession, where: Any) -> int:
    """No address, no number; a person key that names no one (it stays unique per row)."""
    return await count_update(
        session,
        update(Recipient)
        .where(where)
        .values(
            email=None,
            phone=None,
            person_key=literal("erased:") + cast(Recipient.id, String),
        ),
    )
