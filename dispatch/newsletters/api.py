"""``/api/v1/newsletters``: send a newsletter, follow it, and read members' contributions."""

from __future__ import annotations

from datetime import datetime

import msgspec
import structlog
from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from dispatch.campaigns import base as campaigns
from dispatch.db.session import DbSession, commit_once
from dispatch.newsletters import service
from dispatch.newsletters.models import NewsletterContribution
from dispatch.paging import Page, PageNumber, PageSize, paginate
from dispatch.requests import AuthedRequest, IdempotencyKey, enqueuer_of
from dispatch.security.guards import READ, READ_PERSONAL, WRITE_INCIDENTS

log = structlog.get_logger("dispatch.newsletters")


class NewsletterOut(msgspec.Struct):
    id: int
    title: str
    networks: list[str]
    languages: list[str]
    recipients: int
    opted_out: int
    """Contacts who stopped newsletters and were left out (alerts still reach them)."""
    deliveries: dict[str, int]
    sent_at: datetime


class ContributionOut(msgspec.Struct):
    id: int
    name: str
    organisation: str
    email: str | None
    text: str
    language: str
    received_at: datetime


class NewsletterController(Controller):
    path = "/newsletters"
    tags = ("newsletters",)

    @post(
        "/",
        guards=[WRITE_INCIDENTS],
        summary="Send a newsletter by e-mail and Teams",
        description=(
            "`content` has a subject and body per language; each contact gets their language "
            "or the closest one written. Contacts who stopped newsletters are left out; "
            "emergency alerts ignore that choice. E-mails carry List-Unsubscribe (one click)."
        ),
    )
    async def send(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        data: JSONBody[service.NewsletterIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[NewsletterOut]:
        sent = await commit_once(
            db_session,
            idempotency_key,
            lambda: service.send(
                db_session, data=data, actor=request.user.actor, idempotency_key=idempotency_key
            ),
        )
        if sent.created and sent.delivery_ids:
            enqueuer = enqueuer_of(request)
            enqueuer.enqueue(sent.delivery_ids)
            log.info(
                "newsletter_sent", campaign_id=sent.campaign.id, deliveries=len(sent.delivery_ids)
            )
        body = await _out(db_session, sent.campaign.id, sent.recipients, sent.opted_out)
        return Response(body, status_code=201 if sent.created else 200)

    @get("/{newsletter_id:int}", guards=[READ], summary="A newsletter and its deliveries")
    async def get_newsletter(
        self, db_session: DbSession, newsletter_id: FromPath[int]
    ) -> NewsletterOut:
        return await _out(db_session, newsletter_id, None, None)

    @get("/contributions", guards=[READ_PERSONAL], summary="Members' contributions, newest first")
    async def contributions(
        self, db_session: DbSession, page: PageNumber = 1, page_size: PageSize = 50
    ) -> Page[ContributionOut]:
        rows, total = await paginate(
            db_session,
            select(NewsletterContribution).order_by(NewsletterContribution.id.desc()),
            page=page,
            page_size=page_size,
        )
        items = [
            ContributionOut(
                id=c.id,
                name=c.name,
                organisation=c.organisation,
                email=c.email,
                text=c.text,
                language=c.language,
                received_at=c.received_at,
            )
            for c in rows
        ]
        return Page(items=items, total=total, page=page, page_size=page_size)


async def _out(
    db_session: DbSession, newsletter_id: int, recipients: int | None, opted_out: int | None
) -> NewsletterOut:
    campaign = await service.get_newsletter(db_session, newsletter_id)
    deliveries = await campaigns.deliveries_by_state(db_session, newsletter_id)
    return NewsletterOut(
        id=campaign.id,
        title=campaign.title or "",
        networks=list(campaign.networks),
        languages=list(campaign.content or {}),
        recipients=recipients if recipients is not None else sum(deliveries.values()),
        opted_out=opted_out or 0,
        deliveries=deliveries,
        sent_at=campaign.created_at,
    )
