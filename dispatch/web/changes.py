"""Dashboard page for members' change requests: approve (choosing the organisation for an
addition) or reject; nothing in the directory changes until a coordinator does."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import select

from dispatch.changes import service
from dispatch.changes.models import ChangeState
from dispatch.db.session import DbSession
from dispatch.directory.models import Organisation
from dispatch.errors import DomainError
from dispatch.security.guards import READ_PERSONAL, WRITE_DIRECTORY
from dispatch.web.render import DashboardRequest, page


class ChangePages(Controller):
    path = "/change-requests"

    async def _queue(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        *,
        state: str,
        error: DomainError | None = None,
    ) -> Template:
        shown = state if state in {s.value for s in ChangeState} else ChangeState.PENDING.value
        rows, total = await service.list_requests(db_session, state=shown, page=1, page_size=200)
        organisations = (
            await db_session.execute(
                select(Organisation.id, Organisation.name).order_by(Organisation.name)
            )
        ).all()
        return page(
            request,
            "dashboard/change_requests.html",
            status_code=422 if error else 200,
            requests=rows,
            total=total,
            state=shown,
            organisations=organisations,
            error=error,
        )

    @get("/", guards=[READ_PERSONAL])
    async def queue(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        wanted: Annotated[str, QueryParameter(name="state")] = "pending",
    ) -> Template:
        """Waiting requests first; approved and rejected ones on their own tabs."""
        return await self._queue(request, db_session, state=wanted)

    @post("/{request_id:int}/approve", guards=[WRITE_DIRECTORY])
    async def approve(
        self, request: DashboardRequest, db_session: DbSession, request_id: FromPath[int]
    ) -> Any:
        form = await request.form()
        raw = str(form.get("organisation_id") or "")
        data = service.ApproveIn(organisation_id=int(raw) if raw.isdecimal() else None)
        try:
            await service.approve(
                db_session, request_id=request_id, data=data, actor=request.user.actor
            )
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            return await self._queue(request, db_session, state="pending", error=exc)
        return Redirect(path="/change-requests", status_code=303)

    @post("/{request_id:int}/reject", guards=[WRITE_DIRECTORY])
    async def reject(
        self, request: DashboardRequest, db_session: DbSession, request_id: FromPath[int]
    ) -> Any:
        form = await request.form()
        data = service.RejectIn(reason=str(form.get("reason") or ""))
        try:
            await service.reject(
                db_session, request_id=request_id, data=data, actor=request.user.actor
            )
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            return await self._queue(request, db_session, state="pending", error=exc)
        return Redirect(path="/change-requests", status_code=303)
