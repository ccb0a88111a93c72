"""The dashboard page that writes a new alert template: its name, its typed fields (rows added
and removed with plain form posts, no JavaScript needed) and the source language's text, saved
as a draft through the same checks as ``POST /api/v1/templates``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template

from dispatch.alert_templates import service
from dispatch.alert_templates.fields import MAX_FIELDS, PARTS, FieldKind
from dispatch.alert_templates.schemas import FieldIn, TemplateIn, TemplateLanguageIn
from dispatch.db.session import DbSession
from dispatch.errors import DomainError
from dispatch.security.guards import WRITE_INCIDENTS
from dispatch.web.incidents import language_choices
from dispatch.web.render import DashboardRequest, language_of, page
from translations.locales import UnknownLanguageError, canonical_tag
from translations.text import field_of

KINDS = tuple(k.value for k in FieldKind)
EMPTY_ROWS = 1
"""Empty field rows a new form starts with."""
MAX_ROWS = MAX_FIELDS + 5
"""Rows kept when the form is shown again: enough to show the "at most 20 fields" error."""


@dataclass(slots=True)
class FieldRow:
    name: str = ""
    kind: str = FieldKind.TEXT.value

    @property
    def empty(self) -> bool:
        return not self.name.strip()


@dataclass(slots=True)
class NewTemplateForm:
    """What the coordinator typed, kept as typed so a page with errors shows it again."""

    name: str = ""
    rows: list[FieldRow] = field(default_factory=lambda: [FieldRow() for _ in range(EMPTY_ROWS)])
    source_language: str = "nb"
    texts: dict[str, str] = field(default_factory=lambda: dict.fromkeys(PARTS, ""))

    def template_in(self) -> TemplateIn:
        """The API's input; empty rows are left out, everything else is checked by the service."""
        fields = [FieldIn(name=r.name.strip(), kind=r.kind) for r in self.rows if not r.empty]
        return TemplateIn(
            name=self.name,
            fields=fields,
            source_language=self.source_language,
            content={self.source_language: TemplateLanguageIn(**self.texts)},
        )


def _text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def new_template_form(form: FormMultiDict) -> NewTemplateForm:
    names = [v if isinstance(v, str) else "" for v in form.getall("field_name", [])]
    kinds = [v if isinstance(v, str) else "" for v in form.getall("field_kind", [])]
    kinds += [FieldKind.TEXT.value] * (len(names) - len(kinds))
    rows = [FieldRow(name=n, kind=k) for n, k in zip(names, kinds, strict=False)][:MAX_ROWS]
    return NewTemplateForm(
        name=_text(form, "name"),
        rows=rows,
        source_language=_text(form, "source_language").strip() or "nb",
        texts={part: _text(form, part) for part in PARTS},
    )


class NewTemplatePage(Controller):
    path = "/templates/new"

    @get("/", guards=[WRITE_INCIDENTS])
    async def new(self, request: DashboardRequest) -> Template:
        """An empty form: one field row, bokmål as the source language."""
        return _page(request, NewTemplateForm())

    @post("/", guards=[WRITE_INCIDENTS])
    async def create(self, request: DashboardRequest, db_session: DbSession) -> Any:
        """Add or remove a field row (nothing is saved), or save the template with its source
        language as a draft; a refused template writes nothing and shows why beside the field."""
        form = await request.form()
        typed = new_template_form(form)
        action = _text(form, "action")
        if action == "add_field":
            if len(typed.rows) < MAX_FIELDS:
                typed.rows.append(FieldRow())
            return _page(request, typed, focus=f"field-name-{len(typed.rows) - 1}")
        if action.startswith("remove_field:"):
            index = action.removeprefix("remove_field:")
            if index.isdigit() and int(index) < len(typed.rows):
                del typed.rows[int(index)]
            return _page(request, typed)
        try:
            template = await service.create_template(
                db_session, data=typed.template_in(), actor=request.user.actor
            )
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            return _page(request, typed, error=_beside_its_field(exc))
        return Redirect(path=f"/templates/{template.id}?done=created", status_code=303)


def _page(
    request: DashboardRequest,
    typed: NewTemplateForm,
    *,
    error: DomainError | None = None,
    focus: str = "",
) -> Template:
    return page(
        request,
        "dashboard/template_new.html",
        status_code=error.status_code if error else 200,
        form=typed,
        kinds=KINDS,
        max_fields=MAX_FIELDS,
        error=error,
        focus=focus,
        source_tag=_canonical(typed.source_language),
        language_choices=language_choices(language_of(request)),
    )


def _beside_its_field(error: DomainError) -> DomainError:
    """A refusal with only a detail (a name already taken) as a reason too, so that the page
    shows it beside the field it names."""
    if not error.errors and field_of(error.detail):
        error.errors = [error.detail]
    return error


def _canonical(raw: str) -> str:
    """The tag as the checks name it in ``content.<tag>.<part>`` (as typed if unknown)."""
    try:
        return canonical_tag(raw)
    except UnknownLanguageError:
        return raw
