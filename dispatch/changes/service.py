"""Members' change requests: submitted on a public page, applied only when a coordinator
approves, each decision in the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.changes.models import ChangeKind, ChangeRequest, ChangeState
from dispatch.db.base import utcnow
from dispatch.directory import validation
from dispatch.directory.contacts import create_contact
from dispatch.directory.models import Contact
from dispatch.directory.organisations import get_organisation
from dispatch.directory.schemas import ContactIn
from dispatch.errors import ConflictError, InvalidInputError, NotFoundError
from dispatch.lengths import Reason
from dispatch.paging import paginate
from translations import strings
from translations.strings.marking import N_
from translations.text import Text

LIMITS = {"organisation": 300, "name": 200, "comment": 2000}
MISSING = {"organisation": N_("the organisation is missing"), "name": N_("the name is missing")}
TOO_LONG = {
    "organisation": N_("the organisation is longer than %(limit)d characters"),
    "name": N_("the name is longer than %(limit)d characters"),
}
ALREADY = {
    ChangeState.APPROVED: N_("Change request %(id)d is already approved."),
    ChangeState.REJECTED: N_("Change request %(id)d is already rejected."),
}


@dataclass(slots=True)
class Submitted:
    """The form as the member filled it in."""

    kind: str
    organisation: str
    name: str
    email: str
    phone: str
    language: str
    comment: str


def check(given: Submitted) -> tuple[dict[str, str | None], list[str]]:
    """Cleaned values and every problem, so the form can show them all at once."""
    errors: list[str] = []
    if given.kind not in {k.value for k in ChangeKind}:
        errors.append(Text(N_("choose whether to add or to remove the person"), field="kind"))
    values: dict[str, str | None] = {"kind": given.kind}
    for field in ("organisation", "name"):
        text = getattr(given, field).strip()
        if not text:
            errors.append(Text(MISSING[field], field=field))
        elif len(text) > LIMITS[field]:
            errors.append(Text(TOO_LONG[field], field=field, limit=LIMITS[field]))
        values[field] = text
    values["email"] = values["phone"] = None
    if given.email.strip():
        try:
            values["email"] = validation.email(given.email)
        except validation.InvalidValue as exc:
            errors.append(exc.reason)
    if given.phone.strip():
        try:
            values["phone"] = validation.mobile(given.phone)
        except validation.InvalidValue as exc:
            errors.append(exc.reason)
    if not given.email.strip() and not given.phone.strip():
        # The page's own message id, so the member reads it in their language.
        errors.append(strings.CHANGES_NEED_ADDRESS)
    values["language"] = "nb"
    if given.language.strip():
        try:
            values["language"] = validation.language(given.language)
        except validation.InvalidValue as exc:
            errors.append(exc.reason)
    values["comment"] = given.comment.strip()[: LIMITS["comment"]]
    return values, errors


async def submit(session: AsyncSession, given: Submitted) -> ChangeRequest:
    """Queue the request for a coordinator; the directory is not touched."""
    values, errors = check(given)
    if errors:
        raise InvalidInputError.from_errors(errors)
    request = ChangeRequest(
        kind=values["kind"],
        organisation_text=values["organisation"],
        name=values["name"],
        email=values["email"],
        phone=values["phone"],
        language=values["language"],
        comment=values["comment"] or "",
    )
    session.add(request)
    await session.flush()
    record(
        session,
        actor=Actor("member (change request page)"),
        action="change_request.received",
        entity_type="change_request",
        entity_id=request.id,
        details={"kind": request.kind},
    )
    return request


async def list_requests(
    session: AsyncSession, *, state: str | None, page: int, page_size: int
) -> tuple[Sequence[ChangeRequest], int]:
    query = select(ChangeRequest)
    if state:
        query = query.where(ChangeRequest.state == state)
    return await paginate(
        session, query.order_by(ChangeRequest.id.desc()), page=page, page_size=page_size
    )


async def _pending(session: AsyncSession, request_id: int) -> ChangeRequest:
    request = await session.get(ChangeRequest, request_id)
    if request is None:
        raise NotFoundError(Text(N_("There is no change request with id %(id)d."), id=request_id))
    if request.state != ChangeState.PENDING:
        raise ConflictError(Text(ALREADY[ChangeState(request.state)], id=request_id))
    return request


class ApproveIn(msgspec.Struct, forbid_unknown_fields=True):
    organisation_id: int | None = None
    """For an addition: the organisation the new contact belongs to."""


async def approve(
    session: AsyncSession, *, request_id: int, data: ApproveIn, actor: Actor
) -> ChangeRequest:
    """Apply the request: add the contact, or deactivate every active contact with that
    address. The caller commits; a failure leaves the request pending and nothing changed."""
    request = await _pending(session, request_id)
    if request.kind == ChangeKind.ADD:
        if data.organisation_id is None:
            raise InvalidInputError(
                Text(
                    N_("Choose the organisation the new contact belongs to (organisation_id)."),
                    field="organisation_id",
                )
            )
        await get_organisation(session, data.organisation_id)
        contact = await create_contact(
            session,
            data=ContactIn(
                organisation_id=data.organisation_id,
                name=request.name,
                email=request.email,
                phone=request.phone,
                language=request.language,
            ),
            actor=actor,
        )
        changed = [contact.id]
        request.organisation_id = data.organisation_id
    else:
        matches = [
            Contact.email == request.email if request.email else None,
            Contact.phone == request.phone if request.phone else None,
        ]
        changed = list(
            (
                await session.scalars(
                    select(Contact.id).where(
                        Contact.active.is_(True), or_(*[m for m in matches if m is not None])
                    )
                )
            ).all()
        )
        if not changed:
            raise ConflictError(
                Text(N_("No active contact has that e-mail address or mobile number."))
            )
        await session.execute(update(Contact).where(Contact.id.in_(changed)).values(active=False))
        for contact_id in changed:
            record(
                session,
                actor=actor,
                action="contact.deactivated",
                entity_type="contact",
                entity_id=contact_id,
                details={"reason": "change request", "change_request_id": request.id},
            )
    request.state = ChangeState.APPROVED
    request.decided_at = utcnow()
    request.decided_by = actor.label
    request.contact_ids = ",".join(str(c) for c in changed)
    record(
        session,
        actor=actor,
        action="change_request.approved",
        entity_type="change_request",
        entity_id=request.id,
        details={"kind": request.kind, "contacts": changed},
    )
    return request


class RejectIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""


async def reject(
    session: AsyncSession, *, request_id: int, data: RejectIn, actor: Actor
) -> ChangeRequest:
    """Close the request without changing the directory."""
    request = await _pending(session, request_id)
    request.state = ChangeState.REJECTED
    request.decided_at = utcnow()
    request.decided_by = actor.label
    request.reason = data.reason.strip()[:2000] or None
    record(
        session,
        actor=actor,
        action="change_request.rejected",
        entity_type="change_request",
        entity_id=request.id,
        details={},
    )
    return request
