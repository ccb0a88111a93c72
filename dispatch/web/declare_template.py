"""Declaring from a template on the dashboard: the template's fields as inputs, and its
languages filled in as the declaration's columns, which the coordinator can still edit."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromQuery
from litestar.response import Template

from dispatch.alert_templates.render import fill_in
from dispatch.db.session import DbSession
from dispatch.errors import InvalidInputError
from dispatch.security.guards import WRITE_INCIDENTS
from dispatch.web.forms import IncidentForm, MessageForm, incident_form, template_use
from dispatch.web.incidents import chosen_template, declare_page
from dispatch.web.render import DashboardRequest, page
from translations.strings.marking import N_
from translations.text import Text


class DeclareFromTemplate(Controller):
    path = "/incidents/new"

    @get("/template-fields", guards=[WRITE_INCIDENTS])
    async def template_fields(
        self, request: DashboardRequest, db_session: DbSession, template_id: FromQuery[str] = ""
    ) -> Template:
        """The chosen template's fields, for HTMX to put under the choice."""
        return page(
            request,
            "dashboard/_template_fields.html",
            alert_template=await chosen_template(db_session, template_id),
            form=IncidentForm(template_id=template_id),
        )

    @post("/fill", guards=[WRITE_INCIDENTS])
    async def fill(self, request: DashboardRequest, db_session: DbSession) -> Template:
        """The declaration page again, its columns the template's languages filled in (the
        approved ones, or all when asked), each marked with its review state; writes nothing."""
        typed = incident_form(await request.form())
        errors: list[str] = []
        use = template_use(errors, typed)
        if use is None and not errors:
            errors.append(Text(N_("choose a template from the list"), field="template_id"))
        filled = None
        if use is not None:
            filled = await fill_in(
                db_session,
                errors,
                template_id=use.id,
                values=use.fields,
                include_unreviewed=use.include_unreviewed,
            )
        if errors or filled is None:
            return await declare_page(
                request, db_session, typed, error=InvalidInputError.from_errors(errors)
            )
        typed.message = MessageForm(
            columns=list(filled.content),
            values={lang: dict(texts) for lang, texts in filled.content.items()},
        )
        typed.title = typed.title or filled.template.name
        return await declare_page(request, db_session, typed, review=filled.review)
