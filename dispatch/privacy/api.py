"""``/api/v1/contacts/{id}/export`` and ``/api/v1/contacts/{id}/erase``: a person's rights of
access and erasure, for the coordinator and the administrator who handle the request."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath

from dispatch.db.session import DbSession
from dispatch.privacy import service
from dispatch.requests import AuthedRequest
from dispatch.security.guards import ADMIN_ONLY, READ_PERSONAL


class ErasedOut(msgspec.Struct):
    contact_id: int
    changed: dict[str, int]
    """Rows anonymised or removed, by kind; recipients, deliveries and answers are kept."""


class PrivacyController(Controller):
    path = "/contacts"
    tags = ("privacy",)

    @get(
        "/{contact_id:int}/export",
        guards=[READ_PERSONAL],
        summary="Everything held about one contact (GDPR access request)",
        description=(
            "The contact, their organisation, every incident they were sent (addresses used, "
            "deliveries and their states, acknowledgement and comment), field reports, list "
            "review and meeting answers, SMS STOP, change requests and newsletter contributions "
            "from their address, and the audit events about them, as one JSON file."
        ),
    )
    async def export(
        self, db_session: DbSession, contact_id: FromPath[int]
    ) -> Response[dict[str, Any]]:
        body = await service.export_contact(db_session, contact_id)
        return Response(
            body,
            headers={
                "Content-Disposition": f'attachment; filename="contact-{contact_id}.json"',
                "Cache-Control": "no-store",
            },
        )

    @post(
        "/{contact_id:int}/erase",
        guards=[ADMIN_ONLY],
        status_code=200,
        summary="Erase a contact (GDPR erasure request; administrators only, cannot be undone)",
        description=(
            "Deletes the contact and removes what names them from incidents and campaigns: "
            "addresses, numbers, comments and the words of their field reports. Recipients, "
            "deliveries and acknowledgements stay as anonymous rows, so reports keep their "
            "counts. Messages still queued to them are not sent. The audit log records the "
            "erasure by contact id only."
        ),
    )
    async def erase(
        self, request: AuthedRequest, db_session: DbSession, contact_id: FromPath[int]
    ) -> ErasedOut:
        changed = await service.erase_contact(db_session, contact_id, actor=request.user.actor)
        await db_session.commit()
        return ErasedOut(contact_id=contact_id, changed=changed)
