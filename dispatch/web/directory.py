"""Dashboard pages for the directory: search contacts, edit one, import a CSV file."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from dispatch.acks.optouts import stopped_at, stopped_numbers
from dispatch.db.session import DbSession
from dispatch.directory import bounces, importer
from dispatch.directory.api import IMPORT_MAX_BYTES
from dispatch.directory.contacts import get_contact, list_contacts, update_contact
from dispatch.directory.models import Organisation
from dispatch.directory.networks import list_networks
from dispatch.directory.organisations import organisation_names
from dispatch.directory.schemas import ContactPatch
from dispatch.errors import DomainError
from dispatch.paging import PageNumber
from dispatch.security.guards import READ_PERSONAL, WRITE_DIRECTORY
from dispatch.web.render import DashboardRequest, page

PAGE_SIZE = 50


class DirectoryPages(Controller):
    path = "/directory"

    @get("/", guards=[READ_PERSONAL])
    async def search(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        q: FromQuery[str] = "",
        network: FromQuery[str] = "",
        page_number: PageNumber = 1,
        saved: FromQuery[int | None] = None,
        sms_stopped: FromQuery[str] = "",
    ) -> Template:
        """Contacts matching a name, address, number or organisation; those whose number
        replied STOP are marked, and can be listed alone."""
        networks = await list_networks(db_session)
        chosen = network if network in {n.code for n in networks} else ""
        only_stopped = sms_stopped == "1"
        rows, total = await list_contacts(
            db_session,
            network=chosen or None,
            organisation_id=None,
            active=None,
            page=page_number,
            page_size=PAGE_SIZE,
            search=q[:200],
            phone_in=stopped_numbers() if only_stopped else None,
        )
        org_ids = {c.organisation_id for c in rows}
        names = await organisation_names(db_session, org_ids)
        stopped = await stopped_at(db_session, [c.phone for c in rows if c.phone])
        bounced = await bounces.flagged(db_session, [c.email for c in rows if c.email])
        fragment = bool(request.headers.get("hx-request"))
        return page(
            request,
            "dashboard/_contacts.html" if fragment else "dashboard/directory.html",
            contacts=rows,
            organisations=names,
            total=total,
            q=q,
            network=chosen,
            networks=networks,
            page_number=page_number,
            pages=max(1, -(-total // PAGE_SIZE)),
            saved=saved,
            stopped=stopped,
            bounced=bounced,
            only_stopped=only_stopped,
        )

    @get("/contacts/{contact_id:int}", guards=[READ_PERSONAL])
    async def contact(
        self, request: DashboardRequest, db_session: DbSession, contact_id: FromPath[int]
    ) -> Template:
        """One contact's details, as a form for those who may change them."""
        found = await get_contact(db_session, contact_id)
        organisation = await db_session.get(Organisation, found.organisation_id)
        values = {
            "name": found.name,
            "email": found.email or "",
            "phone": found.phone or "",
            "language": found.language,
            "channels": list(found.channels),
            "main_contact": found.main_contact,
            "active": found.active,
        }
        return page(
            request,
            "dashboard/contact.html",
            contact=found,
            organisation=organisation,
            values=values,
            error=None,
            stopped_at=(await stopped_at(db_session, [found.phone] if found.phone else [])).get(
                found.phone or ""
            ),
        )

    @post("/contacts/{contact_id:int}", guards=[WRITE_DIRECTORY])
    async def save_contact(
        self, request: DashboardRequest, db_session: DbSession, contact_id: FromPath[int]
    ) -> Any:
        """Save the form; the same checks as the API, and nothing saved if one fails."""
        form = await request.form()
        name, email, phone, language = (
            str(form.get(field) or "").strip() for field in ("name", "email", "phone", "language")
        )
        channels = [c for c in form.getall("channels", []) if isinstance(c, str)]
        main_contact, active = form.get("main_contact") == "on", form.get("active") == "on"
        values = {
            "name": name,
            "email": email,
            "phone": phone,
            "language": language,
            "channels": channels,
            "main_contact": main_contact,
            "active": active,
        }
        patch = ContactPatch(
            name=name,
            email=email or None,
            phone=phone or None,
            language=language,
            channels=channels,
            main_contact=main_contact,
            active=active,
        )
        try:
            await update_contact(
                db_session, contact_id=contact_id, patch=patch, actor=request.user.actor
            )
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            found = await get_contact(db_session, contact_id)
            organisation = await db_session.get(Organisation, found.organisation_id)
            return page(
                request,
                "dashboard/contact.html",
                status_code=exc.status_code,  # 409 for an address another contact has
                contact=found,
                organisation=organisation,
                values=values,
                error=exc,
                stopped_at=None,
            )
        return Redirect(path=f"/directory?saved={contact_id}", status_code=303)

    @get("/import", guards=[WRITE_DIRECTORY])
    async def import_form(self, request: DashboardRequest) -> Template:
        """Upload a CSV file; try it first, then import."""
        return page(request, "dashboard/import.html", outcome=None, error=None, filename="")

    @post("/import", guards=[WRITE_DIRECTORY], request_max_body_size=IMPORT_MAX_BYTES)
    async def run_import(self, request: DashboardRequest, db_session: DbSession) -> Template:
        """Every row checked; each accepted or rejected with its reasons, shown row by row."""
        form = await request.form()
        upload = form.get("file")
        dry_run = form.get("dry_run") == "on"
        if not isinstance(upload, UploadFile) or not upload.filename:
            return page(
                request,
                "dashboard/import.html",
                status_code=422,
                outcome=None,
                error="no-file",
                filename="",
            )
        data = await upload.read()
        try:
            outcome = await importer.import_directory(
                db_session, data=data, dry_run=dry_run, actor=request.user.actor
            )
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            return page(
                request,
                "dashboard/import.html",
                status_code=422,
                outcome=None,
                error=exc,
                filename=upload.filename,
            )
        return page(
            request,
            "dashboard/import.html",
            outcome=outcome,
            error=None,
            filename=upload.filename,
        )
