"""``/api/v1/campaigns``: start a list review and follow it."""

from __future__ import annotations

import msgspec
import structlog
from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from dispatch.campaigns import schemas, service
from dispatch.campaigns.models import Campaign
from dispatch.db.session import DbSession, commit_once
from dispatch.requests import AuthedRequest, IdempotencyKey, enqueuer_of
from dispatch.security.guards import READ_PERSONAL, WRITE_DIRECTORY

log = structlog.get_logger("dispatch.campaigns")


class StartedOut(msgspec.Struct):
    id: int
    state: str
    targets: int
    """Active contacts asked to confirm."""
    deliveries: int
    """Messages written now: one e-mail, or an SMS for a contact without e-mail."""
    unreachable: int
    """Active contacts with neither e-mail nor mobile: the coordinator must call them."""


class CampaignController(Controller):
    path = "/campaigns"
    tags = ("campaigns",)

    @post(
        "/list-review",
        guards=[WRITE_DIRECTORY],
        summary="Ask every active contact of the networks to confirm their details",
        description=(
            "Each contact gets a confirm link (`/confirm/{token}`), a reminder at `reminder_at` "
            "if still silent, and is deactivated (not deleted) at `deadline` if still silent. "
            "Times need an offset. `GET /api/v1/campaigns/{id}` follows it."
        ),
    )
    async def start_list_review(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        data: JSONBody[schemas.ListReviewIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[StartedOut]:
        started = await commit_once(
            db_session,
            idempotency_key,
            lambda: service.start_list_review(
                db_session, data=data, actor=request.user.actor, idempotency_key=idempotency_key
            ),
        )
        if started.created and started.delivery_ids:
            enqueuer = enqueuer_of(request)
            enqueuer.enqueue(started.delivery_ids)
            log.info(
                "list_review_started",
                campaign_id=started.campaign.id,
                targets=started.targets,
                deliveries=len(started.delivery_ids),
            )
        body = StartedOut(
            id=started.campaign.id,
            state=started.campaign.state,
            targets=started.targets,
            deliveries=len(started.delivery_ids),
            unreachable=started.unreachable,
        )
        return Response(body, status_code=201 if started.created else 200)

    @get("/", guards=[READ_PERSONAL], summary="Campaigns, newest first")
    async def list_campaigns(self, db_session: DbSession) -> list[schemas.CampaignOut]:
        ids = (await db_session.scalars(select(Campaign.id).order_by(Campaign.id.desc()))).all()
        return [await service.summary(db_session, i) for i in ids[:50]]

    @get(
        "/{campaign_id:int}",
        guards=[READ_PERSONAL],
        summary="A campaign: answers by network and organisation, who lost their last contact",
    )
    async def get_campaign(
        self, db_session: DbSession, campaign_id: FromPath[int]
    ) -> schemas.CampaignOut:
        return await service.summary(db_session, campaign_id)
