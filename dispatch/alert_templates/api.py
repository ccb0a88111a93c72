"""HTTP controllers for alert templates: create, read, and write or approve a language."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, JSONBody

from dispatch.alert_templates import service
from dispatch.alert_templates.models import AlertTemplate, TemplateContent
from dispatch.alert_templates.schemas import (
    ContentIn,
    FieldOut,
    TemplateCreatedOut,
    TemplateIn,
    TemplateLanguageOut,
    TemplateOut,
    TemplateSummaryOut,
)
from dispatch.db.session import DbSession
from dispatch.paging import Page, PageNumber, PageSize, offset
from dispatch.requests import AuthedRequest
from dispatch.security.guards import READ, WRITE_INCIDENTS, WRITE_PACK_CONTENT
from dispatch.security.models import Role
from translations.locales import language_name, text_direction

APPROVERS = (Role.COORDINATOR, Role.ADMIN)


def language_out(content: TemplateContent, template: AlertTemplate) -> TemplateLanguageOut:
    return TemplateLanguageOut(
        language=content.language,
        name=language_name(content.language),
        direction=text_direction(content.language),
        review=content.review,
        source=content.language == template.source_language,
        subject=content.subject,
        sms=content.sms,
        body=content.body,
        instruction=content.instruction,
        updated_by=content.updated_by,
        updated_at=content.updated_at,
        approved_by=content.approved_by,
        approved_at=content.approved_at,
        approved_version=content.approved_version,
    )


def fields_out(template: AlertTemplate) -> list[FieldOut]:
    return [FieldOut(name=f["name"], kind=f["kind"]) for f in template.fields]


async def template_out(db_session: DbSession, template_id: int) -> TemplateOut:
    template = await service.get_template(db_session, template_id)
    contents = await service.contents_of(db_session, template_id)
    return TemplateOut(
        id=template.id,
        name=template.name,
        version=template.version,
        source_language=template.source_language,
        fields=fields_out(template),
        created_by=template.created_by,
        created_at=template.created_at,
        updated_at=template.updated_at,
        library=template.library_key is not None,
        languages=[language_out(c, template) for c in contents],
    )


class TemplateController(Controller):
    path = "/templates"
    tags = ("templates",)

    @post("/", guards=[WRITE_INCIDENTS], summary="Create an alert template; every language a draft")
    async def create(
        self, request: AuthedRequest, db_session: DbSession, data: JSONBody[TemplateIn]
    ) -> TemplateCreatedOut:
        template = await service.create_template(db_session, data=data, actor=request.user.actor)
        await db_session.commit()
        return TemplateCreatedOut(id=template.id, version=template.version)

    @get("/", guards=[READ], summary="Alert templates by name, with each language's review state")
    async def list_templates(
        self, db_session: DbSession, page: PageNumber = 1, page_size: PageSize = 50
    ) -> Page[TemplateSummaryOut]:
        rows, total = await service.list_templates(
            db_session, offset=offset(page, page_size), limit=page_size
        )
        return Page(
            items=[
                TemplateSummaryOut(
                    id=t.id,
                    name=t.name,
                    version=t.version,
                    source_language=t.source_language,
                    fields=fields_out(t),
                    languages=states,
                )
                for t, states in rows
            ],
            total=total,
            page=page,
            page_size=page_size,
        )

    @get("/{template_id:int}", guards=[READ], summary="A template with every language")
    async def get_template(self, db_session: DbSession, template_id: FromPath[int]) -> TemplateOut:
        return await template_out(db_session, template_id)

    @put(
        "/{template_id:int}/content/{lang:str}",
        guards=[WRITE_PACK_CONTENT],
        summary="Write one language; a coordinator may approve it",
    )
    async def save_content(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        template_id: FromPath[int],
        lang: FromPath[str],
        data: JSONBody[ContentIn],
    ) -> TemplateLanguageOut:
        if data.approved and request.user.role not in APPROVERS:
            raise PermissionDeniedException(
                detail="Only a coordinator may approve a language. Nothing was saved: send "
                'the text without "approved": true, and ask a coordinator to approve it.'
            )
        content = await service.save_content(
            db_session,
            template_id=template_id,
            raw_lang=lang,
            data=data,
            actor=request.user.actor,
        )
        await db_session.commit()
        template = await service.get_template(db_session, template_id)
        return language_out(content, template)
