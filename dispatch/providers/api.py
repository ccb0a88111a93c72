"""The SMS providers' states: who is carrying the traffic, and an admin's hand on it."""

from __future__ import annotations

from litestar import Controller, get, patch
from litestar.params import FromPath, JSONBody

from dispatch.db.session import DbSession
from dispatch.providers import service
from dispatch.providers.health import HealthCounters
from dispatch.providers.service import ProviderOut, ProviderPatch
from dispatch.requests import AuthedRequest
from dispatch.security.guards import ADMIN_ONLY, READ
from dispatch.settings import Settings

COUNTERS_STATE_KEY = "dispatch_sms_health"


def _parts(request: AuthedRequest) -> tuple[Settings, HealthCounters]:
    return request.app.state["settings"], request.app.state[COUNTERS_STATE_KEY]


class SmsProviderController(Controller):
    path = "/sms/providers"
    tags = ("sms providers",)

    @get("/", guards=[READ], summary="The SMS providers, their state and their last minute")
    async def list_providers(
        self, request: AuthedRequest, db_session: DbSession
    ) -> list[ProviderOut]:
        settings, counters = _parts(request)
        found = await service.listing(db_session, settings.sms_provider_configs(), counters)
        await db_session.commit()
        return found

    @patch(
        "/{name:str}",
        guards=[ADMIN_ONLY],
        summary="Take a provider out or put it back, or give it another weight (admin)",
    )
    async def patch_provider(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        name: FromPath[str],
        data: JSONBody[ProviderPatch],
    ) -> ProviderOut:
        settings, counters = _parts(request)
        configs = settings.sms_provider_configs()
        await service.patch(
            db_session, configs, name, data, actor=request.user.actor, by=request.user.name
        )
        found = await service.listing(db_session, configs, counters)
        await db_session.commit()
        return next(p for p in found if p.name == name)
