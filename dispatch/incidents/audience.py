"""Who an incident reaches: active contacts of the target networks, one entry per person.

A person is identified by e-mail and mobile: two contact rows that share either are the same
person (someone at two organisations, or in two networks), and get one message per channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.directory.models import Contact, Membership, Network


@dataclass(slots=True)
class Person:
    """One recipient, merged from every contact row that names them."""

    contact_ids: list[int]
    organisation_ids: list[int]
    network_codes: list[str]
    email: str | None
    phone: str | None
    language: str
    channels: list[str]
    main_contact: bool

    @property
    def key(self) -> str:
        """Stable identity within one incident."""
        return f"{(self.email or '').lower()}|{self.phone or ''}"


@dataclass(slots=True)
class ContactRow:
    """One active contact's listing in one network: what alerts, the list review and newsletters
    all start from."""

    contact_id: int
    organisation_id: int
    network: str
    email: str | None
    phone: str | None
    language: str
    channels: list[str]
    main_contact: bool
    newsletter_opt_out: bool = False


async def contact_rows(session: AsyncSession, networks: Sequence[str]) -> list[ContactRow]:
    """Active contacts of member and observer organisations in ``networks``, one row per
    contact and network, by contact id."""
    query = (
        select(
            Contact.id,
            Contact.organisation_id,
            Network.code,
            Contact.email,
            Contact.phone,
            Contact.language,
            Contact.channels,
            Contact.main_contact,
            Contact.newsletter_opt_out,
        )
        .join(Membership, Membership.organisation_id == Contact.organisation_id)
        .join(Network, Network.id == Membership.network_id)
        .where(Contact.active.is_(True), Network.code.in_(list(networks)))
        .order_by(Contact.id)
    )
    return [ContactRow(*r) for r in (await session.execute(query)).all()]


async def resolve_audience(session: AsyncSession, networks: Sequence[str]) -> list[Person]:
    """Active contacts of member and observer organisations in ``networks``, merged by person."""
    return merge_people(await contact_rows(session, networks))


def merge_people(rows: Iterable[ContactRow]) -> list[Person]:
    """Union contact rows that share an e-mail address or a mobile number."""
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows = list(rows)
    owner: dict[str, int] = {}
    for index, row in enumerate(rows):
        parent[index] = index
        for key in (
            f"e:{row.email.lower()}" if row.email else None,
            f"p:{row.phone}" if row.phone else None,
        ):
            if key is None:
                continue
            if key in owner:
                parent[find(index)] = find(owner[key])
            else:
                owner[key] = index
    groups: dict[int, list[ContactRow]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(find(index), []).append(row)
    return [_person(group) for group in groups.values()]


def _person(group: list[ContactRow]) -> Person:
    # Main-contact rows first, then by contact id: the first decides the language, and the
    # first with an address gives it (``written.py`` merges in SQL by the same rule).
    ordered = sorted(group, key=lambda r: (not r.main_contact, r.contact_id))
    channels = sorted({c for r in group for c in r.channels}, key=("email", "sms").index)
    return Person(
        contact_ids=sorted({r.contact_id for r in group}),
        organisation_ids=sorted({r.organisation_id for r in group}),
        network_codes=sorted({r.network for r in group}),
        email=next((r.email for r in ordered if r.email), None),
        phone=next((r.phone for r in ordered if r.phone), None),
        language=ordered[0].language,
        channels=channels,
        main_contact=any(r.main_contact for r in group),
    )
