"""Templates: create them, write and approve their languages, and keep review states true.

Only a coordinator approves; every approval is an audit event naming the template's version.
A change to the source language's text marks every approved translation ``needs_review``: it
was checked against a text that no longer exists.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.alert_templates import checks
from dispatch.alert_templates.models import AlertTemplate, Review, TemplateContent
from dispatch.alert_templates.schemas import ContentIn, TemplateIn
from dispatch.audit.service import Actor, record
from dispatch.db.base import utcnow
from dispatch.errors import ConflictError, InvalidInputError, NotFoundError
from translations.strings.marking import N_
from translations.text import LanguageName, Text

# Norwegian first, then Northern Sami and English, then the rest by tag.
_FIRST = ("nb", "nn", "se", "en")


def language_order(tag: str) -> tuple[int, str]:
    return (_FIRST.index(tag) if tag in _FIRST else len(_FIRST), tag)


async def get_template(session: AsyncSession, template_id: int) -> AlertTemplate:
    template = await session.get(AlertTemplate, template_id)
    if template is None:
        raise NotFoundError(
            Text(N_("There is no template with id %(id)d."), id=template_id, field="template")
        )
    return template


async def contents_of(session: AsyncSession, template_id: int) -> list[TemplateContent]:
    rows = (
        await session.scalars(
            select(TemplateContent).where(TemplateContent.template_id == template_id)
        )
    ).all()
    return sorted(rows, key=lambda c: language_order(c.language))


async def create_template(
    session: AsyncSession, *, data: TemplateIn, actor: Actor, library_key: str | None = None
) -> AlertTemplate:
    """Write a template with every language a draft; the caller commits."""
    errors: list[str] = []
    name = checks.check_name(errors, data.name)
    fields = checks.check_fields(errors, data.fields)
    source = checks.check_language(errors, data.source_language, where="source_language")
    if not data.content:
        errors.append(
            Text(
                N_('the template is empty: write at least one language, e.g. "nb"'), field="content"
            )
        )
    contents: dict[str, dict[str, str]] = {}
    for raw, item in data.content.items():
        lang = checks.check_language(errors, raw)
        if lang in contents:
            errors.append(
                Text(N_("the language '%(tag)s' is given twice"), field="content", tag=raw)
            )
        texts = {
            "subject": item.subject,
            "sms": item.sms,
            "body": item.body,
            "instruction": item.instruction,
        }
        contents[lang] = checks.check_texts(errors, lang, texts, fields)
    if data.content and source not in contents:
        errors.append(
            Text(
                N_("the source language %(language)s has no text; write it first"),
                field="source_language",
                language=LanguageName(source),
            )
        )
    if errors:
        raise InvalidInputError.from_errors(errors)
    if await session.scalar(select(AlertTemplate.id).where(AlertTemplate.name == name)):
        raise ConflictError(
            Text(
                N_("A template is already called '%(name)s'; choose another name."),
                name=name,
                field="name",
            )
        )
    template = AlertTemplate(
        name=name,
        fields=[{"name": f.name, "kind": f.kind.value} for f in fields],
        source_language=source,
        version=1,
        library_key=library_key,
        created_by=actor.label,
    )
    session.add(template)
    await session.flush()
    for lang, texts in contents.items():
        session.add(
            TemplateContent(
                template_id=template.id,
                language=lang,
                review=Review.DRAFT,
                updated_by=actor.label,
                **texts,
            )
        )
    record(
        session,
        actor=actor,
        action="template.created",
        entity_type="template",
        entity_id=template.id,
        details={"name": name, "languages": sorted(contents), "version": 1},
    )
    await session.flush()
    return template


async def save_content(
    session: AsyncSession,
    *,
    template_id: int,
    raw_lang: str,
    data: ContentIn,
    actor: Actor,
) -> TemplateContent:
    """Write one language, as a draft or approved (the caller has checked the role); the
    caller commits. Nothing is written if a check fails."""
    template = await get_template(session, template_id)
    errors: list[str] = []
    lang = checks.check_language(errors, raw_lang)
    texts = checks.check_texts(
        errors,
        lang,
        {
            "subject": data.subject,
            "sms": data.sms,
            "body": data.body,
            "instruction": data.instruction,
        },
        template.typed_fields(),
    )
    if errors:
        raise InvalidInputError.from_errors(errors)
    contents = {c.language: c for c in await contents_of(session, template.id)}
    row = contents.get(lang)
    now = utcnow()
    changed = row is None or row.texts() != texts
    if changed:
        template.version += 1
        template.updated_at = now
    if row is None:
        row = TemplateContent(template_id=template.id, language=lang, updated_by=actor.label)
        session.add(row)
    if changed:
        for key, value in texts.items():
            setattr(row, key, value)
        row.updated_by, row.updated_at = actor.label, now
    reset: list[str] = []
    if changed and lang == template.source_language:
        for other in contents.values():
            if other.language != lang and other.review == Review.APPROVED:
                other.review = Review.NEEDS_REVIEW
                reset.append(other.language)
    if data.approved:
        row.review = Review.APPROVED
        row.approved_by, row.approved_at = actor.label, now
        row.approved_version = template.version
    elif changed:
        row.review = Review.DRAFT
    record(
        session,
        actor=actor,
        action="template.content_approved" if data.approved else "template.content_saved",
        entity_type="template",
        entity_id=template.id,
        details={
            "language": lang,
            "version": template.version,
            "changed": changed,
            **({"needs_review": sorted(reset)} if reset else {}),
        },
    )
    await session.flush()
    return row


async def list_templates(
    session: AsyncSession, *, offset: int, limit: int
) -> tuple[list[tuple[AlertTemplate, dict[str, str]]], int]:
    """Templates by name, each with its languages' review states."""
    total = await session.scalar(select(func.count()).select_from(AlertTemplate)) or 0
    templates = (
        await session.scalars(
            select(AlertTemplate).order_by(AlertTemplate.name).offset(offset).limit(limit)
        )
    ).all()
    states: dict[int, dict[str, str]] = defaultdict(dict)
    for content in (
        await session.scalars(
            select(TemplateContent).where(
                TemplateContent.template_id.in_([t.id for t in templates])
            )
        )
    ).all():
        states[content.template_id][content.language] = content.review
    return [
        (t, dict(sorted(states[t.id].items(), key=lambda kv: language_order(kv[0]))))
        for t in templates
    ], total
