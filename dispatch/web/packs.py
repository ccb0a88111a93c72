"""Dashboard page for message packs: each pack with the state of every language."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from dispatch.db.session import DbSession
from dispatch.packs import passedon, service
from dispatch.packs.render import page_url
from dispatch.paging import PageNumber
from dispatch.security.guards import READ
from dispatch.web.auth import settings_of
from dispatch.web.render import DashboardRequest, page

PAGE_SIZE = 25


class PackPages(Controller):
    path = "/packs"

    @get("/", guards=[READ])
    async def list_packs(
        self, request: DashboardRequest, db_session: DbSession, page_number: PageNumber = 1
    ) -> Template:
        """Packs, newest first: draft and approved languages, publication, and public page."""
        rows, total = await service.list_packs(
            db_session, offset=(page_number - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        base_url = settings_of(request).base_url
        packs = [
            {
                "pack": pack,
                "languages": languages,
                "approved": sum(1 for s in languages.values() if s == "approved"),
                "url": page_url(base_url, pack.slug) if pack.published_at else "",
                "passed_on": passedon.add_totals(
                    list((await passedon.passed_on_totals(db_session, pack.id)).values())
                ),
            }
            for pack, languages in rows
        ]
        return page(
            request,
            "dashboard/packs.html",
            packs=packs,
            total=total,
            page_number=page_number,
            pages=max(1, -(-total // PAGE_SIZE)),
        )
