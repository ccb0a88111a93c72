"""Dashboard pages for alert templates: the list, one template with its languages' review
states, and a language written beside the source language, saved as a draft or approved."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from dispatch.alert_templates import service
from dispatch.alert_templates.fields import PARTS
from dispatch.alert_templates.models import TemplateContent
from dispatch.alert_templates.schemas import ContentIn
from dispatch.db.session import DbSession
from dispatch.errors import DomainError, InvalidInputError
from dispatch.paging import PageNumber
from dispatch.security.guards import READ, WRITE_PACK_CONTENT
from dispatch.security.models import Role
from dispatch.web.incidents import language_choices
from dispatch.web.render import DashboardRequest, can, language_of, page
from translations.locales import UnknownLanguageError, canonical_tag
from translations.strings.marking import N_
from translations.text import Text

PAGE_SIZE = 50


class TemplatePages(Controller):
    path = "/templates"

    @get("/", guards=[READ])
    async def list_templates(
        self, request: DashboardRequest, db_session: DbSession, page_number: PageNumber = 1
    ) -> Template:
        """Templates by name, each language's review state beside it."""
        rows, total = await service.list_templates(
            db_session, offset=(page_number - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        return page(
            request,
            "dashboard/templates.html",
            templates=rows,
            total=total,
            page_number=page_number,
            pages=max(1, -(-total // PAGE_SIZE)),
        )

    @get("/{template_id:int}", guards=[READ])
    async def detail(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        template_id: FromPath[int],
        done: FromQuery[str | None] = None,
    ) -> Template:
        """One template: its fields, and every language with its state and who approved it
        (``done=created`` after the new-template page saved it)."""
        template = await service.get_template(db_session, template_id)
        contents = await service.contents_of(db_session, template_id)
        return page(
            request,
            "dashboard/template.html",
            alert_template=template,
            contents=contents,
            done="created" if done == "created" else None,
            language_choices=language_choices(language_of(request)),
        )

    @get("/{template_id:int}/compare", guards=[READ])
    async def compare(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        template_id: FromPath[int],
        language: FromQuery[str] = "",
        done: FromQuery[str | None] = None,
    ) -> Template:
        """The source language beside ``language``, which a translator or coordinator can edit
        (not ``lang``: that switches the dashboard's own language)."""
        return await self._compare_page(
            request, db_session, template_id, language, done=done if done in DONE else None
        )

    async def _compare_page(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        template_id: int,
        raw_lang: str,
        *,
        done: str | None = None,
        typed: dict[str, str] | None = None,
        error: DomainError | None = None,
    ) -> Template:
        template = await service.get_template(db_session, template_id)
        tag = _tag(raw_lang)
        contents = {c.language: c for c in await service.contents_of(db_session, template_id)}
        source = contents.get(template.source_language)
        current: TemplateContent | None = contents.get(tag)
        values = typed if typed is not None else (current.texts() if current else {})
        return page(
            request,
            "dashboard/template_compare.html",
            status_code=error.status_code if error else 200,
            alert_template=template,
            source=source,
            current=current,
            tag=tag,
            values={part: values.get(part, "") for part in PARTS},
            done=done,
            error=error,
            may_approve=can(request.user, Role.COORDINATOR),
        )

    @post("/{template_id:int}/compare", guards=[WRITE_PACK_CONTENT])
    async def save(
        self, request: DashboardRequest, db_session: DbSession, template_id: FromPath[int]
    ) -> Any:
        """Save the language as a draft, or (a coordinator) approve it; nothing is written if a
        check fails, and the page shows why beside the field."""
        form = await request.form()
        raw_lang = str(form.get("language") or "")
        typed = {part: str(form.get(part) or "") for part in PARTS}
        approve = form.get("action") == "approve"
        if approve and not can(request.user, Role.COORDINATOR):
            raise PermissionDeniedException(
                detail="Only a coordinator may approve a language. Nothing was saved."
            )
        try:
            content = await service.save_content(
                db_session,
                template_id=template_id,
                raw_lang=raw_lang,
                data=ContentIn(**typed, approved=approve),
                actor=request.user.actor,
            )
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            return await self._compare_page(
                request, db_session, template_id, raw_lang, typed=typed, error=exc
            )
        done = "approved" if approve else "saved"
        return Redirect(
            path=f"/templates/{template_id}/compare?language={content.language}&done={done}",
            status_code=303,
        )


DONE = {"saved", "approved"}


def _tag(raw: str) -> str:
    try:
        return canonical_tag(raw.strip())
    except UnknownLanguageError as exc:
        reason = Text(N_("'%(tag)s' is not a language tag we know"), tag=raw, field="language")
        raise InvalidInputError.from_errors([reason]) from exc
