"""Dashboard pages for what comes in and what would have gone out: the field-report inbox and,
in the embedded mode, the sandbox outbox."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select

from dispatch.acks.models import FieldReport
from dispatch.db.session import DbSession
from dispatch.delivery.sandbox import list_messages
from dispatch.directory.models import Contact
from dispatch.directory.organisations import organisation_names
from dispatch.errors import DomainError, NotFoundError
from dispatch.inbound.api import SmsReplyOut, reply_as_member
from dispatch.incidents.models import Incident
from dispatch.paging import PageNumber, paginate
from dispatch.security.guards import READ_PERSONAL, WRITE_INCIDENTS
from dispatch.web.auth import settings_of
from dispatch.web.render import DashboardRequest, page
from translations.strings.marking import N_
from translations.text import Text

PAGE_SIZE = 50
SANDBOX_CHANNELS = ("email", "sms", "teams")


class InboxPages(Controller):
    path = "/"

    @get("/field-reports", guards=[READ_PERSONAL])
    async def field_reports(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        unread: FromQuery[bool] = False,
        incident: FromQuery[int | None] = None,
        page_number: PageNumber = 1,
    ) -> Template:
        """What members report from their communities, newest first."""
        query = select(FieldReport)
        if unread:
            query = query.where(FieldReport.read.is_(False))
        if incident is not None:
            query = query.where(FieldReport.incident_id == incident)
        rows, total = await paginate(
            db_session, query.order_by(FieldReport.id.desc()), page=page_number, page_size=PAGE_SIZE
        )
        return page(
            request,
            "dashboard/field_reports.html",
            reports=rows,
            **await _about(db_session, list(rows)),
            total=total,
            unread=unread,
            page_number=page_number,
            pages=max(1, -(-total // PAGE_SIZE)),
        )

    @post("/field-reports/{report_id:int}/read", guards=[WRITE_INCIDENTS])
    async def mark_read(
        self, request: DashboardRequest, db_session: DbSession, report_id: FromPath[int]
    ) -> Any:
        """Mark a report read (or unread again); HTMX swaps the row, a plain form reloads."""
        report = await db_session.get(FieldReport, report_id)
        if report is None:
            raise NotFoundError(Text(N_("There is no field report with id %(id)d."), id=report_id))
        form = await request.form()
        report.read = form.get("read", "true") != "false"
        await db_session.commit()
        if request.headers.get("hx-request"):
            return page(
                request,
                "dashboard/_field_report.html",
                report=report,
                **await _about(db_session, [report]),
            )
        return Redirect(path="/field-reports", status_code=303)

    @get("/sandbox", guards=[READ_PERSONAL])
    async def sandbox(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        channel: FromQuery[str] = "",
        to: FromQuery[str] = "",
    ) -> Template:
        """What the sandbox channels would have sent, newest first, with each message's link."""
        return await _sandbox_page(request, db_session, channel=channel, to=to)

    @post("/sandbox/sms-replies", guards=[WRITE_INCIDENTS])
    async def sms_reply(self, request: DashboardRequest, db_session: DbSession) -> Template:
        """Reply to an SMS as the member would: handled as a provider's inbound SMS."""
        form = await request.form()
        sender = str(form.get("from") or "")[:100]
        body = str(form.get("body") or "")[:5000]
        try:
            outcome = await reply_as_member(request, db_session, sender=sender, body=body)
        except DomainError as exc:
            await db_session.rollback()
            return await _sandbox_page(
                request, db_session, error=exc, reply={"from": sender, "body": body}
            )
        return await _sandbox_page(
            request, db_session, channel="sms", to=sender, replied=outcome, reply={"from": sender}
        )


async def _sandbox_page(
    request: DashboardRequest,
    db_session: DbSession,
    *,
    channel: str = "",
    to: str = "",
    error: DomainError | None = None,
    replied: SmsReplyOut | None = None,
    reply: dict[str, str] | None = None,
) -> Template:
    chosen = channel if channel in SANDBOX_CHANNELS else ""
    rows = await list_messages(db_session, channel=chosen or None, to=to.strip() or None, limit=200)
    fragment = bool(request.headers.get("hx-request"))
    return page(
        request,
        "dashboard/_sandbox_rows.html" if fragment else "dashboard/sandbox.html",
        status_code=error.status_code if error else 200,
        messages=rows,
        channel=chosen,
        to=to,
        channels=SANDBOX_CHANNELS,
        sms_sandbox=not settings_of(request).sms_provider_configs(),
        error=error,
        replied=replied,
        reply=reply or ({"from": to} if chosen == "sms" else {}),
    )


async def _about(db_session: DbSession, reports: list[FieldReport]) -> dict[str, Any]:
    """Who sent the reports (name, e-mail, mobile), their organisations, and their incidents'
    codes and titles, for the inbox to show beside each report."""
    org_ids = {r.organisation_id for r in reports if r.organisation_id is not None}
    incident_ids = {r.incident_id for r in reports if r.incident_id is not None}
    contact_ids = {r.contact_id for r in reports if r.contact_id is not None}
    incidents = {
        row.id: row
        for row in await db_session.execute(
            select(Incident.id, Incident.code, Incident.title).where(Incident.id.in_(incident_ids))
        )
    }
    contacts = {
        row.id: row
        for row in await db_session.execute(
            select(Contact.id, Contact.name, Contact.email, Contact.phone).where(
                Contact.id.in_(contact_ids)
            )
        )
    }
    return {
        "organisations": await organisation_names(db_session, org_ids),
        "incidents": incidents,
        "contacts": contacts,
    }
