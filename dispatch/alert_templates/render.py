"""Filling a template in for a declaration: each language with the coordinator's values written
the way its readers write them, and only the approved languages unless asked otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.alert_templates.fields import PARTS, fill, format_value, parse_value
from dispatch.alert_templates.models import AlertTemplate, Review, TemplateContent
from dispatch.alert_templates.service import contents_of
from translations.strings.marking import N_
from translations.text import Text


@dataclass(slots=True)
class Filled:
    """A template filled in: what will be sent, and every language's review state."""

    template: AlertTemplate
    content: dict[str, dict[str, str]]
    """The languages to send, with the values in place."""
    review: dict[str, str]
    """Every language of the template → ``draft``, ``approved`` or ``needs_review``."""
    left_out: list[str] = field(default_factory=list)
    """Unreviewed languages not sent: their readers get the fallback."""


def sendable(review: str, include_unreviewed: bool) -> bool:
    return review == Review.APPROVED or include_unreviewed


async def fill_in(
    session: AsyncSession,
    errors: list[str],
    *,
    template_id: int,
    values: dict[str, str],
    include_unreviewed: bool,
) -> Filled | None:
    """The template's languages filled in with ``values``; None (with the reasons added to
    ``errors``) when the template is unknown, a field is missing or a value is wrong."""
    template = await session.get(AlertTemplate, template_id)
    if template is None:
        errors.append(
            Text(N_("There is no template with id %(id)d."), id=template_id, field="template")
        )
        return None
    contents = await contents_of(session, template.id)
    return fill_contents(
        errors, template, contents, values=values, include_unreviewed=include_unreviewed
    )


def fill_contents(
    errors: list[str],
    template: AlertTemplate,
    contents: list[TemplateContent],
    *,
    values: dict[str, str],
    include_unreviewed: bool,
) -> Filled | None:
    fields = template.typed_fields()
    known = {f.name for f in fields}
    before = len(errors)
    for name in values:
        if name not in known:
            errors.append(
                Text(
                    N_("the template has no field {%(name)s}; its fields are %(known)s"),
                    field="template.fields",
                    name=name,
                    known=", ".join(f.name for f in fields) or "-",
                )
            )
    parsed = {f.name: parse_value(errors, f, values.get(f.name, "")) for f in fields}
    review = {c.language: c.review for c in contents}
    chosen = [c for c in contents if sendable(c.review, include_unreviewed)]
    if not chosen:
        errors.append(
            Text(
                N_(
                    "no language of this template is approved yet: approve one, or tick "
                    '"send unreviewed languages too"'
                ),
                field="template",
            )
        )
    if len(errors) > before:
        return None
    content: dict[str, dict[str, str]] = {}
    for row in chosen:
        formatted = {
            f.name: format_value(f, value, row.language)
            for f in fields
            if (value := parsed[f.name]) is not None
        }
        texts = row.texts()
        content[row.language] = {part: fill(texts[part], formatted) for part in PARTS}
    left_out = [c.language for c in contents if c not in chosen]
    return Filled(template=template, content=content, review=review, left_out=left_out)
