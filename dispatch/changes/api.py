"""``/api/v1/change-requests``: the coordinator's queue of members' change requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from dispatch.changes import service
from dispatch.changes.models import ChangeRequest
from dispatch.db.session import DbSession
from dispatch.paging import Page, PageNumber, PageSize
from dispatch.requests import AuthedRequest
from dispatch.security.guards import READ_PERSONAL, WRITE_DIRECTORY


class ChangeRequestOut(msgspec.Struct):
    id: int
    kind: str
    state: str
    organisation_text: str
    name: str
    email: str | None
    phone: str | None
    language: str
    comment: str
    received_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None
    organisation_id: int | None
    contact_ids: list[int]


def out(r: ChangeRequest) -> ChangeRequestOut:
    return ChangeRequestOut(
        id=r.id,
        kind=r.kind,
        state=r.state,
        organisation_text=r.organisation_text,
        name=r.name,
        email=r.email,
        phone=r.phone,
        language=r.language,
        comment=r.comment,
        received_at=r.received_at,
        decided_at=r.decided_at,
        decided_by=r.decided_by,
        reason=r.reason,
        organisation_id=r.organisation_id,
        contact_ids=[int(c) for c in (r.contact_ids or "").split(",") if c],
    )


class ChangeRequestController(Controller):
    path = "/change-requests"
    tags = ("change requests",)

    @get("/", guards=[READ_PERSONAL], summary="Members' change requests, newest first")
    async def list_requests(
        self,
        db_session: DbSession,
        wanted: Annotated[str | None, QueryParameter(name="state")] = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> Page[ChangeRequestOut]:
        rows, total = await service.list_requests(
            db_session, state=wanted, page=page, page_size=page_size
        )
        return Page(items=[out(r) for r in rows], total=total, page=page, page_size=page_size)

    @post(
        "/{request_id:int}/approve",
        guards=[WRITE_DIRECTORY],
        status_code=200,
        summary="Apply it: add the contact (give organisation_id) or deactivate the address",
    )
    async def approve(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        request_id: FromPath[int],
        data: JSONBody[service.ApproveIn],
    ) -> ChangeRequestOut:
        done = await service.approve(
            db_session, request_id=request_id, data=data, actor=request.user.actor
        )
        await db_session.commit()
        return out(done)

    @post(
        "/{request_id:int}/reject",
        guards=[WRITE_DIRECTORY],
        status_code=200,
        summary="Close it without changing the directory",
    )
    async def reject(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        request_id: FromPath[int],
        data: JSONBody[service.RejectIn],
    ) -> ChangeRequestOut:
        done = await service.reject(
            db_session, request_id=request_id, data=data, actor=request.user.actor
        )
        await db_session.commit()
        return out(done)
