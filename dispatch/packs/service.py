"""Message packs: create, edit and approve languages, and what the public pages show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.db.base import utcnow
from dispatch.errors import ConflictError, InvalidInputError, NotFoundError
from dispatch.packs.models import Pack, PackContent
from dispatch.packs.schemas import ContentIn, PackIn
from dispatch.packs.validation import (
    check_content,
    check_language,
    check_slug,
    slugify,
)
from translations import strings
from translations.locales import language_name
from translations.strings.marking import N_
from translations.text import Text

# Norwegian first, then Northern Sami and English, then the rest by tag.
_FIRST = ("nb", "nn", "se", "en")


def language_order(tag: str) -> tuple[int, str]:
    """Sort key for the languages of a pack, as the public pages and e-mails list them."""
    return (_FIRST.index(tag) if tag in _FIRST else len(_FIRST), tag)


async def get_pack(session: AsyncSession, pack_id: int) -> Pack:
    pack = await session.get(Pack, pack_id)
    if pack is None:
        raise NotFoundError(Text(N_("There is no message pack with id %(id)d."), id=pack_id))
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
        errors.append(Text(N_("the pack's title is empty"), field="title"))
    elif len(title) > 200:
        errors.append(Text(N_("the pack's title is longer than 200 characters"), field="title"))
    if not data.content:
        errors.append(
            Text(N_('the content is empty: give at least one language, e.g. "nb"'), field="content")
        )
    contents: dict[str, dict[str, Any]] = {}
    for raw, item in data.content.items():
        lang = check_language(errors, raw)
        if lang in contents:
            errors.append(
                Text(
                    N_("language '%(given)s' is the same as another one given (%(language)s)"),
                    field="content",
                    given=raw,
                    language=lang,
                )
            )
        contents[lang] = check_content(
            errors, lang, title=item.title, short=item.short, body=item.body, links=item.links
        )
    slug = check_slug(errors, data.slug) if data.slug is not None else None
    if errors:
        raise InvalidInputError.from_errors(errors)
    if slug is None:
        slug = await _free_slug(session, slugify(title))
    elif await session.scalar(select(Pack.id).where(Pack.slug == slug)) is not None:
        raise ConflictError(
            Text(
                N_("The address /packs/%(slug)s is taken; choose another slug."),
                field="slug",
                slug=slug,
            )
        )
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
        raise NotFoundError(Text(strings.PACK_NOT_FOUND))
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
        raise NotFoundError(Text(strings.PACK_NOT_FOUND))
    return pack, languages
