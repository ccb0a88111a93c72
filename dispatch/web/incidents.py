"""Dashboard pages for incidents: the list, declaring with a live preview, the incident page
with progress that updates itself, updates, closing, and the report."""

from __future__ import annotations

import secrets
from typing import Any

import structlog
from litestar import Controller, MediaType, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dispatch.acks.progress import progress
from dispatch.alert_templates import service as template_service
from dispatch.alert_templates.models import AlertTemplate
from dispatch.db.session import DbSession
from dispatch.directory.networks import list_networks
from dispatch.errors import DomainError, InvalidInputError
from dispatch.incidents import preview as incident_preview
from dispatch.incidents import queries as incident_queries
from dispatch.incidents import service
from dispatch.incidents.models import (
    IncidentState,
    IncidentStatus,
    MessageVersion,
    Severity,
)
from dispatch.incidents.validation import CHANNELS
from dispatch.incidents.version_preview import last_languages
from dispatch.paging import PageNumber
from dispatch.providers import service as providers
from dispatch.providers.models import ProviderState
from dispatch.reports import api as reports_api
from dispatch.reports.stats import incident_out
from dispatch.security.guards import READ, WRITE_INCIDENTS
from dispatch.security.models import Role
from dispatch.web.forms import (
    DEFAULT_COLUMNS,
    IncidentForm,
    MessageForm,
    incident_form,
    incident_in,
)
from dispatch.web.meetings import call_in
from dispatch.web.render import HEADERS, DashboardRequest, enqueue, language_of, page
from translations.catalog import available_languages
from translations.locales import UnknownLanguageError, canonical_tag, language_name
from translations.strings.marking import N_
from translations.text import Text

log = structlog.get_logger("dispatch.web")
PAGE_SIZE = 25
REPORT_FORMATS = ("html", "csv", "xlsx", "json")
COLUMNS_CHANGED = "columns-changed"
"""The event a form's preview listens for when a language column is added or removed."""


def language_choices(lang: str) -> list[tuple[str, str]]:
    """Every language with a catalog, named in the dashboard's language, sorted by name."""
    tags = sorted(available_languages() | {"nb", "nn", "en"})
    return sorted(((t, language_name(t, lang)) for t in tags), key=lambda pair: pair[1].lower())


async def incident_page(
    request: DashboardRequest,
    db_session: DbSession,
    incident_id: int,
    *,
    done: str | None = None,
    error: DomainError | None = None,
    error_for: str = "",
    update_form: MessageForm | None = None,
    close_form: MessageForm | None = None,
    call_in_values: dict[str, str] | None = None,
) -> Template:
    """The incident page; after a refused form, with its reasons and what was typed. The update
    and closing forms start with every language of the last message sent."""
    incident = await incident_queries.get_incident(db_session, incident_id)
    columns = await last_languages(db_session, incident_id) or list(DEFAULT_COLUMNS)
    summary = (await incident_out(db_session, [incident]))[0]
    versions = (
        await db_session.scalars(
            select(MessageVersion)
            .where(MessageVersion.incident_id == incident_id)
            .order_by(MessageVersion.sequence)
        )
    ).all()
    return page(
        request,
        "dashboard/incident.html",
        status_code=error.status_code if error else 200,
        incident=summary,
        active=incident.state == IncidentState.ACTIVE,
        versions=versions,
        progress=await progress(db_session, incident_id),
        stats=summary.stats,
        done=done if done in {"update", "closed"} else None,
        error=error,
        error_for=error_for,
        update_form=update_form or MessageForm(columns=list(columns)),
        close_form=close_form or MessageForm(columns=list(columns)),
        call_in=call_in_values or {"idempotency_key": secrets.token_urlsafe(16), "duration": "60"},
        language_choices=language_choices(language_of(request)),
        report_formats=REPORT_FORMATS,
    )


async def declare_page(
    request: DashboardRequest,
    db_session: DbSession,
    typed: IncidentForm,
    *,
    error: DomainError | None = None,
    review: dict[str, str] | None = None,
) -> Template:
    """The declaration form as typed, with its reasons beside the fields after a refusal, and
    the templates to start from (``review``: each column's state after filling one in)."""
    networks = await list_networks(db_session)
    templates, _ = await template_service.list_templates(db_session, offset=0, limit=500)
    chosen = await chosen_template(db_session, typed.template_id)
    return page(
        request,
        "dashboard/declare.html",
        status_code=error.status_code if error else 200,
        form=typed,
        error=error,
        networks=networks,
        channels=CHANNELS,
        severities=[s.value for s in Severity],
        language_choices=language_choices(language_of(request)),
        templates=[t for t, _ in templates],
        alert_template=chosen,
        review=review or {},
    )


async def chosen_template(db_session: DbSession, template_id: str) -> AlertTemplate | None:
    """The template the form names, if it names one that exists."""
    if not template_id.strip().isdigit():
        return None
    return await db_session.get(AlertTemplate, int(template_id))


def _canonical_or_same(tag: str) -> str:
    try:
        return canonical_tag(tag.strip())
    except UnknownLanguageError:
        return tag


class IncidentPages(Controller):
    path = "/"

    @get(["/", "/incidents"], guards=[READ], name="dashboard")
    async def list_incidents(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        status: FromQuery[str | None] = None,
        page_number: PageNumber = 1,
    ) -> Template:
        """Incidents, newest first; exercises and tests marked."""
        shown = status if status in {s.value for s in IncidentStatus} else None
        rows, total = await incident_queries.list_incidents(
            db_session, status=shown, state=None, page=page_number, page_size=PAGE_SIZE
        )
        return page(
            request,
            "dashboard/incidents.html",
            incidents=await incident_out(db_session, list(rows)),
            total=total,
            page_number=page_number,
            pages=max(1, -(-total // PAGE_SIZE)),
            status=shown,
        )

    @get("/incidents/new", guards=[WRITE_INCIDENTS])
    async def new(self, request: DashboardRequest, db_session: DbSession) -> Template:
        """The declaration form, with nb and en side by side and room for more languages."""
        return await self._declare_form(
            request, db_session, IncidentForm(idempotency_key=secrets.token_urlsafe(16))
        )

    async def _declare_form(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        typed: IncidentForm,
        *,
        error: DomainError | None = None,
    ) -> Template:
        return await declare_page(request, db_session, typed, error=error)

    @get("/incidents/new/column", guards=[WRITE_INCIDENTS])
    async def column(
        self,
        request: DashboardRequest,
        add_language: FromQuery[str] = "",
        prefix: FromQuery[str] = "msg",
        language: FromQuery[list[str] | None] = None,
    ) -> Template | Response[str]:
        """One more language column, for HTMX to add beside the others (``language``: those
        already on the page; a language already there is not added twice)."""
        try:
            tag = canonical_tag(add_language.strip())
        except UnknownLanguageError as exc:
            reason = Text(N_("'%(tag)s' is not a language tag we know"), tag=add_language)
            raise InvalidInputError.from_errors([reason]) from exc
        if tag in {_canonical_or_same(t) for t in language or []}:
            return Response(content="", media_type=MediaType.HTML, headers=HEADERS)
        return page(
            request,
            "dashboard/_column.html",
            tag=tag,
            prefix=prefix if prefix.isalpha() else "msg",
            message=MessageForm(columns=[tag]),
            headers={"HX-Trigger": COLUMNS_CHANGED},
        )

    @get("/incidents/new/column/remove", guards=[WRITE_INCIDENTS])
    async def remove_column(self) -> Response[str]:
        """Nothing: HTMX removes the column the button is in, and the preview follows."""
        return Response(
            content="",
            media_type=MediaType.HTML,
            headers={**HEADERS, "HX-Trigger": COLUMNS_CHANGED},
        )

    @post("/incidents/preview", guards=[WRITE_INCIDENTS], status_code=200)
    async def preview(self, request: DashboardRequest, db_session: DbSession) -> Template:
        """Who would get what: recipients, languages, fallbacks and SMS segments, as typed."""
        typed = incident_form(await request.form())
        try:
            if not typed.status:
                typed.status = IncidentStatus.EXERCISE.value  # not asked yet; counts the same
            capacity = await providers.capacity(db_session, request.app.state["settings"])
            outcome = await incident_preview.preview(
                db_session, incident_in(typed), sms_capacity=capacity
            )
        except DomainError as exc:
            return page(request, "dashboard/_preview.html", preview=None, error=exc)
        out_of_service = [
            name
            for state in (ProviderState.DOWN, ProviderState.DISABLED)
            for name in await providers.names_with_state(db_session, state)
        ]
        return page(
            request,
            "dashboard/_preview.html",
            preview=outcome,
            error=None,
            providers_down=sorted(out_of_service),
        )

    @post("/incidents", guards=[WRITE_INCIDENTS])
    async def declare(self, request: DashboardRequest, db_session: DbSession) -> Any:
        """Declare and send; the form's one-time key makes a double click declare once."""
        typed = incident_form(await request.form())
        key = typed.idempotency_key or None
        try:
            data = incident_in(typed)
            outcome = await service.declare(
                db_session, data=data, actor=request.user.actor, idempotency_key=key
            )
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            return await self._declare_form(request, db_session, typed, error=exc)
        except IntegrityError:
            # The same form sent twice at once: the first one declared; show that incident.
            await db_session.rollback()
            existing = await service.find_by_idempotency_key(db_session, key or "")
            if existing is None:
                raise
            return Redirect(path=f"/incidents/{existing.id}", status_code=303)
        if outcome.created:
            enqueue(request, outcome.delivery_ids)
            log.info(
                "incident_declared",
                incident_id=outcome.incident.id,
                recipients=outcome.recipients,
                deliveries=len(outcome.delivery_ids),
                via="dashboard",
            )
        return Redirect(path=f"/incidents/{outcome.incident.id}", status_code=303)

    @get("/incidents/{incident_id:int}", guards=[READ])
    async def detail(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        incident_id: FromPath[int],
        done: FromQuery[str | None] = None,
    ) -> Template:
        """The incident as it happens: progress, messages sent, updating and closing."""
        return await incident_page(request, db_session, incident_id, done=done)

    @get("/incidents/{incident_id:int}/progress", guards=[READ])
    async def progress_fragment(
        self, request: DashboardRequest, db_session: DbSession, incident_id: FromPath[int]
    ) -> Template:
        """The progress section alone; the incident page asks for it every few seconds."""
        incident = await incident_queries.get_incident(db_session, incident_id)
        summary = (await incident_out(db_session, [incident]))[0]
        return page(
            request,
            "dashboard/_progress.html",
            incident=summary,
            stats=summary.stats,
            progress=await progress(db_session, incident_id),
        )

    @post("/incidents/{incident_id:int}/meeting", guards=[WRITE_INCIDENTS])
    async def call_in(
        self, request: DashboardRequest, db_session: DbSession, incident_id: FromPath[int]
    ) -> Any:
        """Call the incident's networks in to an emergency meeting, in one step."""
        try:
            return await call_in(request, db_session, incident_id)
        except DomainError as exc:
            await db_session.rollback()
            form = await request.form()
            typed = {
                name: str(form.get(name) or "")
                for name in ("join_url", "starts_at", "duration", "idempotency_key")
            }
            return await incident_page(
                request,
                db_session,
                incident_id,
                error=exc,
                error_for="call_in",
                call_in_values=typed,
            )

    @get("/incidents/{incident_id:int}/report/{format:str}", guards=[READ])
    async def report(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        incident_id: FromPath[int],
        format: FromPath[str],
    ) -> Any:
        """The post-incident report to download, with headings in the dashboard's language."""
        if format not in REPORT_FORMATS:
            raise InvalidInputError(
                Text(
                    N_("There is no report as '%(format)s'; choose %(formats)s."),
                    format=format,
                    formats=", ".join(REPORT_FORMATS),
                )
            )
        return await reports_api.respond(
            request,
            db_session,
            incident_id,
            format=format,
            lang=language_of(request),
            personal=request.user.role in {Role.COORDINATOR, Role.ADMIN},
            download=True,
        )
