"""A person's rights of access and erasure, for the coordinator and the administrator who
handle the request: by contact (``/api/v1/contacts/{id}/export`` and ``/erase``), or by an
e-mail address or mobile number (``/api/v1/privacy/export`` and ``/erase``) for people the
directory does not hold: someone who texted us, someone named as a replacement."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody

from dispatch.db.session import DbSession
from dispatch.directory import validation
from dispatch.errors import InvalidInputError
from dispatch.lengths import Email, Phone
from dispatch.privacy import erase as erasure
from dispatch.privacy import export as exports
from dispatch.requests import AuthedRequest
from dispatch.security.guards import ADMIN_ONLY, READ_PERSONAL
from translations.strings.marking import N_
from translations.text import Text

NO_STORE = {"Cache-Control": "no-store"}


class ErasedOut(msgspec.Struct):
    contact_id: int
    changed: dict[str, int]
    """Rows anonymised or removed, by kind; recipients, deliveries and answers are kept."""


class AddressIn(msgspec.Struct, forbid_unknown_fields=True):
    """Whom a request is about. In the body, not the URL: an address in a URL ends up in
    proxies' and browsers' logs."""

    email: Email | None = None
    phone: Phone | None = None
    """Any form of a mobile number (``412 34 567``, ``+47 41234567``); compared in E.164."""


class AddressErasedOut(msgspec.Struct):
    changed: dict[str, int]
    """Rows anonymised or removed, by kind (``contacts``: directory listings deleted)."""


def _address(data: JSONBody[AddressIn]) -> tuple[str | None, str | None]:
    """The address in its stored form; 422 naming what is wrong, before anything is read."""
    raw_email, raw_phone = (data.email or "").strip(), (data.phone or "").strip()
    if not raw_email and not raw_phone:
        raise InvalidInputError(
            Text(N_("Give an e-mail address or a mobile number (or both)."), field="email")
        )
    errors: list[str] = []
    email = phone = None
    try:
        email = validation.email(raw_email) if raw_email else None
    except validation.InvalidValue as exc:
        errors.append(exc.reason)
    try:
        phone = validation.mobile(raw_phone) if raw_phone else None
    except validation.InvalidValue as exc:
        errors.append(exc.reason)
    if errors:
        raise InvalidInputError.from_errors(errors)
    return email, phone


class PrivacyController(Controller):
    path = "/contacts"
    tags = ("privacy",)

    @get(
        "/{contact_id:int}/export",
        guards=[READ_PERSONAL],
        summary="Everything held about one contact (GDPR access request)",
        description=(
            "The contact, their organisation, every incident they were sent (addresses used, "
            "deliveries and their states, acknowledgement and comment), field reports (also "
            "those texted from their number before any alert reached it), list review and "
            "meeting answers, where someone named them as a replacement, SMS STOP, change "
            "requests and newsletter contributions from their address, their addresses "
            "flagged as bounced (email_bounced) and what came back by e-mail to their "
            "deliveries (mail_received), and the audit events about them, as one JSON file."
        ),
    )
    async def export(
        self, db_session: DbSession, contact_id: FromPath[int]
    ) -> Response[dict[str, Any]]:
        body = await exports.export_contact(db_session, contact_id)
        return Response(
            body,
            headers={
                "Content-Disposition": f'attachment; filename="contact-{contact_id}.json"',
                **NO_STORE,
            },
        )

    @post(
        "/{contact_id:int}/erase",
        guards=[ADMIN_ONLY],
        status_code=200,
        summary="Erase a contact (GDPR erasure request; administrators only, cannot be undone)",
        description=(
            "Deletes the contact and removes what names them from incidents and campaigns: "
            "addresses, numbers, comments, the words of their field reports, and their name, "
            "address and number where someone named them as a replacement, their address's "
            "bounce flag and the mail servers' words about them. Recipients, "
            "deliveries and acknowledgements stay as anonymous rows, so reports keep their "
            "counts. Messages still queued to them are not sent. The audit log records the "
            "erasure by contact id only."
        ),
    )
    async def erase(
        self, request: AuthedRequest, db_session: DbSession, contact_id: FromPath[int]
    ) -> ErasedOut:
        changed = await erasure.erase_contact(db_session, contact_id, actor=request.user.actor)
        await db_session.commit()
        return ErasedOut(contact_id=contact_id, changed=changed)


class PrivacyByAddressController(Controller):
    path = "/privacy"
    tags = ("privacy",)

    @post(
        "/export",
        guards=[READ_PERSONAL],
        status_code=200,
        summary="Everything held under an e-mail address or mobile number (GDPR access request)",
        description=(
            "For a person the directory may not hold: someone who texted our number without "
            "ever being sent an alert (their field reports are kept with their number), or "
            "someone a contact named as a replacement in a list review. Also lists the "
            "directory contacts with that address. A POST so that the address stays out of "
            "URLs; it changes nothing."
        ),
    )
    async def export(
        self, db_session: DbSession, data: JSONBody[AddressIn]
    ) -> Response[dict[str, Any]]:
        email, phone = _address(data)
        body = await exports.export_address(db_session, email=email, phone=phone)
        return Response(body, headers=NO_STORE)

    @post(
        "/erase",
        guards=[ADMIN_ONLY],
        status_code=200,
        summary="Erase a person by e-mail address or mobile number (administrators only)",
        description=(
            "As the erasure of a contact, for everything held under the address, and the "
            "directory contacts that carry it. The audit log records what kinds of rows "
            "changed and which contact ids were deleted, never the address."
        ),
    )
    async def erase(
        self, request: AuthedRequest, db_session: DbSession, data: JSONBody[AddressIn]
    ) -> AddressErasedOut:
        email, phone = _address(data)
        changed = await erasure.erase_address(
            db_session, email=email, phone=phone, actor=request.user.actor
        )
        await db_session.commit()
        return AddressErasedOut(changed=changed)
