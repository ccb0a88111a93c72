"""Message packs: create, edit and approve languages, publish through the outbox, and count
what organisations say they passed on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.db.base import utcnow
from dispatch.db.upsert import upsert
from dispatch.delivery import outbox
from dispatch.delivery.models import Delivery, DeliveryState, SourceKind
from dispatch.directory.models import Contact, Membership, Network, Organisation
from dispatch.errors import ConflictError, InvalidInputError, NotFoundError
from dispatch.incidents.validation import check_networks
from dispatch.packs.models import Pack, PackContent, PackPublication, PassedOn
from dispatch.packs.outbox import pack_item
from dispatch.packs.schemas import ContentIn, PackIn, PassedOnTotals
from dispatch.packs.validation import (
    check_content,
    check_language,
    check_slug,
    slugify,
)
from translations.locales import language_name

MAX_PEOPLE = 1_000_000
# Norwegian first, then Northern Sami and English, then the rest by tag.
_FIRST = ("nb", "nn", "se", "en")


def language_order(tag: str) -> tuple[int, str]:
    """Sort key for the languages of a pack, as the public pages and e-mails list them."""
    return (_FIRST.index(tag) if tag in _FIRST else len(_FIRST), tag)


@dataclass(slots=True)
class Published:
    """What a publication wrote: its row, the deliveries to enqueue, and what it could not reach."""

    publication: PackPublication
    delivery_ids: list[int]
    organisations: int
    by_channel: dict[str, int]
    without_main_contact: list[str] = field(default_factory=list)
    created: bool = True


async def get_pack(session: AsyncSession, pack_id: int) -> Pack:
    pack = await session.get(Pack, pack_id)
    if pack is None:
        raise NotFoundError(f"There is no message pack with id {pack_id}.")
    return pack


async def contents_of(session: AsyncSession, pack_id: int) -> list[PackContent]:
    rows = (await session.scalars(select(PackContent).where(PackContent.pack_id == pack_id))).all()
    return sorted(rows, key=lambda c: language_order(c.language))


async def _free_slug(session: AsyncSession, base: str) -> str:
    taken = set(
        (
            await session.scalars(
                select(Pack.slug).where((Pack.slug == base) | Pack.slug.like(f"{base}-%"))
            )
        ).all()
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


async def create_pack(session: AsyncSession, *, data: PackIn, actor: Actor) -> Pack:
    """Write a pack with every language as a draft; the caller commits."""
    errors: list[str] = []
    title = data.title.strip()
    if not title:
        errors.append("the pack's title is empty")
    elif len(title) > 200:
        errors.append("the pack's title is longer than 200 characters")
    if not data.content:
        errors.append('the content is empty: give at least one language, e.g. "nb"')
    contents: dict[str, dict[str, Any]] = {}
    for raw, item in data.content.items():
        lang = check_language(errors, raw)
        if lang in contents:
            errors.append(f"language '{raw}' is the same as another one given ({lang})")
        contents[lang] = check_content(
            errors, lang, title=item.title, short=item.short, body=item.body, links=item.links
        )
    slug = check_slug(errors, data.slug) if data.slug is not None else None
    if errors:
        raise InvalidInputError.from_errors(errors)
    if slug is None:
        slug = await _free_slug(session, slugify(title))
    elif await session.scalar(select(Pack.id).where(Pack.slug == slug)) is not None:
        raise ConflictError(f"The address /packs/{slug} is taken; choose another slug.")
    now = utcnow()
    pack = Pack(slug=slug, title=title, created_by=actor.label, created_at=now, updated_at=now)
    session.add(pack)
    await session.flush()
    for lang, fields in contents.items():
        session.add(PackContent(pack_id=pack.id, language=lang, updated_by=actor.label, **fields))
    record(
        session,
        actor=actor,
        action="pack.created",
        entity_type="pack",
        entity_id=pack.id,
        details={"slug": slug, "languages": sorted(contents)},
    )
    await session.flush()
    return pack


async def save_content(
    session: AsyncSession,
    *,
    pack_id: int,
    raw_lang: str,
    data: ContentIn,
    actor: Actor,
    may_approve: bool,
) -> PackContent:
    """Write one language's text, as a draft or approved; the caller commits.

    ``may_approve`` is checked by the caller's role; asking to approve without it is refused
    before anything is written.
    """
    pack = await get_pack(session, pack_id)
    errors: list[str] = []
    lang = check_language(errors, raw_lang)
    fields = check_content(
        errors, lang, title=data.title, short=data.short, body=data.body, links=data.links
    )
    if errors:
        raise InvalidInputError.from_errors(errors)
    row = await session.scalar(
        select(PackContent).where(PackContent.pack_id == pack.id, PackContent.language == lang)
    )
    now = utcnow()
    if row is None:
        row = PackContent(pack_id=pack.id, language=lang, updated_by=actor.label, **fields)
        session.add(row)
    else:
        for key, value in fields.items():
            setattr(row, key, value)
    row.updated_by, row.updated_at = actor.label, now
    if data.approved:
        assert may_approve, "the caller checks the role before approving"
        row.approved, row.approved_by, row.approved_at = fields, actor.label, now
    pack.updated_at = now
    record(
        session,
        actor=actor,
        action="pack.content_approved" if data.approved else "pack.content_saved",
        entity_type="pack",
        entity_id=pack.id,
        details={"language": lang},
    )
    await session.flush()
    return row


async def find_publication(session: AsyncSession, key: str) -> PackPublication | None:
    return await session.scalar(
        select(PackPublication).where(PackPublication.idempotency_key == key)
    )


async def publish(
    session: AsyncSession,
    *,
    pack_id: int,
    networks: Sequence[str],
    actor: Actor,
    idempotency_key: str | None = None,
) -> Published:
    """Write a publication and its deliveries: one e-mail per main contact of each organisation
    in the networks, one Teams post per network. The caller commits, then enqueues."""
    pack = await get_pack(session, pack_id)
    if idempotency_key and (earlier := await find_publication(session, idempotency_key)):
        return Published(earlier, [], 0, await _planned(session, earlier.id), created=False)
    errors: list[str] = []
    known = list((await session.scalars(select(Network.code).order_by(Network.id))).all())
    chosen = check_networks(errors, list(networks), known)
    if errors:
        raise InvalidInputError.from_errors(errors)
    languages = sorted(
        (c.language for c in await contents_of(session, pack.id) if c.approved is not None),
        key=language_order,
    )
    if not languages:
        raise ConflictError(
            "Nothing to publish: no language of this pack is approved yet. A coordinator "
            'approves a language by saving it with "approved": true.'
        )
    now = utcnow()
    publication = PackPublication(
        pack_id=pack.id,
        networks=chosen,
        languages=languages,
        published_by=actor.label,
        published_at=now,
        idempotency_key=idempotency_key,
    )
    session.add(publication)
    pack.published_at = pack.published_at or now
    await session.flush()
    organisations = (
        await session.execute(
            select(Organisation.id, Organisation.name)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .join(Network, Network.id == Membership.network_id)
            .where(Network.code.in_(chosen))
            .distinct()
        )
    ).all()
    contacts = (
        await session.execute(
            select(Contact.id, Contact.organisation_id, Contact.email, Contact.language)
            .where(
                Contact.organisation_id.in_([o.id for o in organisations]),
                Contact.active.is_(True),
                Contact.main_contact.is_(True),
                Contact.email.is_not(None),
            )
            .order_by(Contact.id)
        )
    ).all()
    reached = {c.organisation_id for c in contacts}
    items = [
        pack_item(
            publication,
            channel="email",
            target=f"contact:{c.id}",
            address=c.email,
            language=c.language,
            organisation_id=c.organisation_id,
        )
        for c in contacts
    ]
    webhooks = (
        await session.execute(
            select(Network.code, Network.teams_webhook_url).where(
                Network.code.in_(chosen), Network.teams_webhook_url.is_not(None)
            )
        )
    ).all()
    items += [
        pack_item(
            publication,
            channel="teams",
            target=f"network:{code}",
            address=url,
            language="nb",
            network_code=code,
        )
        for code, url in webhooks
    ]
    ids = await outbox.write(session, items)
    by_channel = {"email": len(contacts), "teams": len(webhooks)}
    missed = sorted(name for org_id, name in organisations if org_id not in reached)
    record(
        session,
        actor=actor,
        action="pack.published",
        entity_type="pack",
        entity_id=pack.id,
        details={
            "publication_id": publication.id,
            "networks": chosen,
            "languages": languages,
            "deliveries": by_channel,
        },
    )
    return Published(publication, ids, len(reached), by_channel, missed)


async def _planned(session: AsyncSession, publication_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Delivery.channel, func.count())
        .where(Delivery.source_kind == SourceKind.PACK, Delivery.source_id == publication_id)
        .group_by(Delivery.channel)
    )
    return {"email": 0, "teams": 0, **dict(rows.all())}


async def publications_of(
    session: AsyncSession, pack_id: int
) -> list[tuple[PackPublication, dict[str, int]]]:
    """Each publication, newest first, with its deliveries counted by state."""
    publications = (
        await session.scalars(
            select(PackPublication)
            .where(PackPublication.pack_id == pack_id)
            .order_by(PackPublication.id.desc())
        )
    ).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = await session.execute(
        select(Delivery.source_id, Delivery.state, func.count())
        .where(
            Delivery.source_kind == SourceKind.PACK,
            Delivery.source_id.in_([p.id for p in publications]),
        )
        .group_by(Delivery.source_id, Delivery.state)
    )
    for publication_id, state, n in rows.all():
        counts[publication_id or 0][state] = n
    return [
        (p, {s.value: counts[p.id].get(s.value, 0) for s in DeliveryState}) for p in publications
    ]


async def passed_on_totals(session: AsyncSession, pack_id: int) -> dict[str, PassedOnTotals]:
    """Per language: organisations that reported and their people; unattributed reports apart."""
    rows = await session.execute(
        select(
            PassedOn.language,
            PassedOn.organisation_id.is_(None),
            func.count(),
            func.coalesce(func.sum(PassedOn.people), 0),
        )
        .where(PassedOn.pack_id == pack_id)
        .group_by(PassedOn.language, PassedOn.organisation_id.is_(None))
    )
    totals: dict[str, PassedOnTotals] = defaultdict(PassedOnTotals)
    for language, unattributed, count, people in rows.all():
        total = totals[language]
        if unattributed:
            total.unattributed_reports += count
            total.unattributed_people += int(people)
        else:
            total.organisations += count
            total.people += int(people)
    return totals


def add_totals(parts: Sequence[PassedOnTotals]) -> PassedOnTotals:
    return PassedOnTotals(
        organisations=sum(p.organisations for p in parts),
        people=sum(p.people for p in parts),
        unattributed_reports=sum(p.unattributed_reports for p in parts),
        unattributed_people=sum(p.unattributed_people for p in parts),
    )


async def list_packs(
    session: AsyncSession, *, offset: int, limit: int
) -> tuple[list[tuple[Pack, dict[str, str]]], int]:
    total = await session.scalar(select(func.count()).select_from(Pack)) or 0
    packs = (
        await session.scalars(select(Pack).order_by(Pack.id.desc()).offset(offset).limit(limit))
    ).all()
    states: dict[int, dict[str, str]] = defaultdict(dict)
    for content in (
        await session.scalars(
            select(PackContent).where(PackContent.pack_id.in_([p.id for p in packs]))
        )
    ).all():
        states[content.pack_id][content.language] = content.state.value
    return [
        (p, dict(sorted(states[p.id].items(), key=lambda kv: language_order(kv[0])))) for p in packs
    ], total


# --- The public side ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicLanguage:
    """One approved language as the public pages show it."""

    tag: str
    name: str
    title: str
    short: str
    body: str
    links: list[dict[str, str]]
    approved_at: Any


async def published_pack(session: AsyncSession, slug: str) -> tuple[Pack, list[PublicLanguage]]:
    """A published pack and its approved languages; 404 for anything else."""
    pack = await session.scalar(select(Pack).where(Pack.slug == slug))
    if pack is None or pack.published_at is None:
        raise NotFoundError("This information is not available.")
    languages = [
        PublicLanguage(
            tag=c.language,
            name=language_name(c.language),
            title=c.approved["title"],
            short=c.approved["short"],
            body=c.approved["body"],
            links=list(c.approved.get("links", [])),
            approved_at=c.approved_at,
        )
        for c in await contents_of(session, pack.id)
        if c.approved is not None
    ]
    if not languages:
        raise NotFoundError("This information is not available.")
    return pack, languages


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who a passed-on link was sent to: the organisation, through one e-mail delivery."""

    delivery_id: int
    organisation_id: int
    organisation: str


async def reporter_of(session: AsyncSession, pack_id: int, delivery_id: int) -> Reporter | None:
    """The organisation behind a link's delivery, if that delivery belongs to this pack."""
    row = (
        await session.execute(
            select(Delivery.id, Organisation.id, Organisation.name)
            .join(PackPublication, PackPublication.id == Delivery.source_id)
            .join(Organisation, Organisation.id == Delivery.organisation_id)
            .where(
                Delivery.id == delivery_id,
                Delivery.source_kind == SourceKind.PACK,
                PackPublication.pack_id == pack_id,
            )
        )
    ).first()
    return None if row is None else Reporter(*row)


async def record_passed_on(
    session: AsyncSession,
    *,
    pack_id: int,
    language: str,
    people: int,
    reporter: Reporter | None,
) -> None:
    """Record a report; an organisation's later report for a language replaces its earlier one."""
    if not 1 <= people <= MAX_PEOPLE:
        raise InvalidInputError(f"Give a whole number of people between 1 and {MAX_PEOPLE:,}.")
    row = {
        "pack_id": pack_id,
        "language": language,
        "people": people,
        "reported_at": utcnow(),
        "organisation_id": reporter.organisation_id if reporter else None,
        "delivery_id": reporter.delivery_id if reporter else None,
    }
    table = cast(Table, PassedOn.__table__)
    if reporter is None:
        await session.execute(insert(table).values(row))
        return
    await upsert(
        session,
        table,
        row,
        key=["pack_id", "language", "organisation_id"],
        update=["people", "reported_at", "delivery_id"],
    )
