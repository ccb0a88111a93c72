"""Dashboard page for the channels themselves: which SMS providers carry the traffic now and
why, an admin's hand on them, and a test card to each network's Teams channel."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from channels.base import ChannelKind
from dispatch.db.session import DbSession
from dispatch.directory import networks
from dispatch.errors import DomainError
from dispatch.providers import reasons
from dispatch.providers import service as providers
from dispatch.providers.api import COUNTERS_STATE_KEY
from dispatch.providers.models import ProviderState
from dispatch.requests import channels_of
from dispatch.security.guards import ADMIN_ONLY, READ, WRITE_DIRECTORY
from dispatch.web.render import DashboardRequest, gettext_for, language_of, page
from translations.locales import babel_locale


class ChannelPages(Controller):
    path = "/channels"

    async def _page(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        *,
        test_card: networks.TestCard | None = None,
        error: DomainError | None = None,
    ) -> Template:
        settings = request.app.state["settings"]
        found = await providers.listing(
            db_session, settings.sms_provider_configs(), request.app.state[COUNTERS_STATE_KEY]
        )
        await db_session.commit()  # a provider seen for the first time is recorded as active
        return page(
            request,
            "dashboard/channels.html",
            status_code=422 if error else 200,
            providers=found,
            networks=await networks.list_networks(db_session),
            test_card=test_card,
            error=error,
            ProviderState=ProviderState,
            explain=lambda reason: reasons.explain(reason, gettext_for(request)),
            number=lambda value: format_decimal(value, locale=babel_locale(language_of(request))),
        )

    @get("/", guards=[READ])
    async def overview(self, request: DashboardRequest, db_session: DbSession) -> Template:
        """Each SMS provider's state, weight, capacity and last minute; each network's Teams."""
        return await self._page(request, db_session)

    @post("/sms/{name:str}", guards=[ADMIN_ONLY])
    async def set_provider_state(
        self, request: DashboardRequest, db_session: DbSession, name: FromPath[str]
    ) -> Any:
        """Take a provider out, or put it back (audited, as through the API)."""
        form = await request.form()
        change = providers.ProviderPatch(state=str(form.get("state") or "")[:16])
        try:
            await providers.patch(
                db_session,
                request.app.state["settings"].sms_provider_configs(),
                name,
                change,
                actor=request.user.actor,
                by=request.user.name,
            )
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            return await self._page(request, db_session, error=exc)
        return Redirect(path="/channels", status_code=303)

    @post("/teams/{code:str}/test-card", guards=[WRITE_DIRECTORY])
    async def send_test_card(
        self, request: DashboardRequest, db_session: DbSession, code: FromPath[str]
    ) -> Template:
        """Post a test card to the network's channel and say what Teams answered."""
        try:
            sent = await networks.send_test_card(
                db_session,
                code=code[:16],
                teams=channels_of(request).get(ChannelKind.TEAMS),
                actor=request.user.actor,
            )
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            return await self._page(request, db_session, error=exc)
        return await self._page(request, db_session, test_card=sent)
