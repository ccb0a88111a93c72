"""Dashboard actions that send a new version of an incident's message: an update, and closing
(which asks first and shows what will go to whom), with the live preview both forms share."""

from __future__ import annotations

from typing import Any

from litestar import Controller, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from dispatch.db.session import DbSession
from dispatch.errors import ConflictError, DomainError
from dispatch.incidents import queries as incident_queries
from dispatch.incidents import service
from dispatch.incidents.models import IncidentState, MessageKind
from dispatch.incidents.schemas import LanguageContent
from dispatch.incidents.version_preview import preview_version
from dispatch.providers import service as providers
from dispatch.security.guards import WRITE_INCIDENTS
from dispatch.web.forms import PARTS, MessageForm, message_form, message_of
from dispatch.web.incidents import incident_page
from dispatch.web.render import DashboardRequest, enqueue, page
from translations.strings.marking import N_
from translations.text import Text

CONFIRMED = "yes"
"""The closing form's ``confirmed`` value once the coordinator has seen what it will do."""


class IncidentMessagePages(Controller):
    path = "/incidents/{incident_id:int}"

    @post("/message-preview", guards=[WRITE_INCIDENTS], status_code=200)
    async def preview(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        incident_id: FromPath[int],
        kind: FromQuery[str] = "update",
    ) -> Template:
        """Who would get which language of an update or closing message, as typed."""
        incident = await incident_queries.get_incident(db_session, incident_id)
        message = None
        try:
            message = message_of(message_form(await request.form()))
            if not message and kind == "close":
                return page(request, "dashboard/_preview.html", preview=None, quiet_close=True)
            capacity = await providers.capacity(db_session, request.app.state["settings"])
            outcome = await preview_version(db_session, incident, message, sms_capacity=capacity)
        except DomainError as exc:
            return page(request, "dashboard/_preview.html", preview=None, error=exc)
        return page(request, "dashboard/_preview.html", preview=outcome)

    @post("/updates", guards=[WRITE_INCIDENTS])
    async def update(
        self, request: DashboardRequest, db_session: DbSession, incident_id: FromPath[int]
    ) -> Any:
        """Send an update to everyone the alert went to."""
        typed = message_form(await request.form())
        try:
            outcome = await service.add_version(
                db_session,
                incident_id=incident_id,
                message=message_of(typed),
                kind=MessageKind.UPDATE,
                actor=request.user.actor,
            )
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            return await incident_page(
                request, db_session, incident_id, error=exc, error_for="update", update_form=typed
            )
        enqueue(request, outcome.delivery_ids)
        return Redirect(path=f"/incidents/{incident_id}?done=update", status_code=303)

    @post("/close", guards=[WRITE_INCIDENTS])
    async def close(
        self, request: DashboardRequest, db_session: DbSession, incident_id: FromPath[int]
    ) -> Any:
        """Close the incident, with a closing message if one is written; the first press shows
        what closing will do and to whom, and only the second closes."""
        form = await request.form()
        typed = message_form(form)
        try:
            message = message_of(typed)
            if form.get("confirmed") != CONFIRMED:
                return await self._confirm(request, db_session, incident_id, typed, message)
            outcome = await service.close(
                db_session,
                incident_id=incident_id,
                message=message or None,
                actor=request.user.actor,
            )
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            return await incident_page(
                request, db_session, incident_id, error=exc, error_for="close", close_form=typed
            )
        if outcome is not None:
            enqueue(request, outcome.delivery_ids)
        return Redirect(path=f"/incidents/{incident_id}?done=closed", status_code=303)

    async def _confirm(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        incident_id: int,
        typed: MessageForm,
        message: dict[str, LanguageContent],
    ) -> Template:
        incident = await incident_queries.get_incident(db_session, incident_id)
        if incident.state != IncidentState.ACTIVE:
            raise ConflictError(Text(N_("Incident %(id)d is already closed."), id=incident_id))
        outcome = None
        if message:
            outcome = await preview_version(db_session, incident, message)
        return page(
            request,
            "dashboard/close_confirm.html",
            incident=incident,
            preview=outcome,
            message=message,
            typed=typed,
            parts=PARTS,
            confirmed=CONFIRMED,
        )
