"""``/api/v1/meetings``: invite the networks, follow the answers, cancel; and
``/api/v1/incidents/{id}/meeting``: call the incident's networks in, in one step."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
import structlog
from litestar import Controller, Response, delete, get, post
from litestar.params import FromPath, JSONBody, Parameter
from sqlalchemy import select

from dispatch.campaigns import base as campaigns
from dispatch.campaigns.models import Campaign
from dispatch.db.session import DbSession, commit_once
from dispatch.meetings import answers, schemas, service
from dispatch.meetings.models import Meeting
from dispatch.paging import Page, PageNumber, PageSize, paginate
from dispatch.requests import AuthedRequest, IdempotencyKey, enqueuer_of
from dispatch.security.guards import PERSONAL_ROLES, READ, WRITE_INCIDENTS
from translations.locales import OSLO

log = structlog.get_logger("dispatch.meetings")


class MeetingOut(msgspec.Struct):
    id: int
    kind: str
    title: str
    networks: list[str]
    languages: list[str]
    starts_at: datetime
    ends_at: datetime
    join_url: str
    code: str
    """Members answer by SMS with ``JA <code>`` or ``NEI <code>``."""
    channels: list[str]
    incident_id: int | None
    reminder_at: datetime | None
    reminded_at: datetime | None
    cancelled_at: datetime | None
    state: str
    """``active`` while answers are taken; ``finished`` once it started or was cancelled."""
    answers: schemas.AnswerCounts
    by_network: dict[str, schemas.AnswerCounts] | None
    """Answers per network; in ``GET /meetings/{id}``, not in the list."""
    deliveries: dict[str, int]
    attendees: list[schemas.Attendee] | None = None
    """Who answered what; for coordinators, in ``GET /meetings/{id}``."""
    warnings: list[str] = msgspec.field(default_factory=list)


async def _out(
    db_session: DbSession, meeting_id: int, *, personal: bool, warnings: list[str] | None = None
) -> MeetingOut:
    """One meeting in full: answers by network, and names for those allowed to see them."""
    campaign, meeting = await service.get_meeting(db_session, meeting_id)
    totals, by_network, people = await answers.answers(db_session, meeting_id)
    return _summary(
        campaign,
        meeting,
        totals,
        await campaigns.deliveries_by_state(db_session, meeting_id),
        by_network=by_network,
        attendees=people if personal else None,
        warnings=warnings or [],
    )


def _summary(
    campaign: Campaign,
    meeting: Meeting,
    totals: schemas.AnswerCounts,
    deliveries: dict[str, int],
    *,
    by_network: dict[str, schemas.AnswerCounts] | None = None,
    attendees: list[schemas.Attendee] | None = None,
    warnings: list[str] | None = None,
) -> MeetingOut:
    return MeetingOut(
        id=campaign.id,
        kind=meeting.kind,
        title=campaign.title or "",
        networks=list(campaign.networks),
        languages=list(campaign.content or {}),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        join_url=meeting.join_url,
        code=meeting.code,
        channels=list(meeting.channels),
        incident_id=meeting.incident_id,
        reminder_at=campaign.reminder_at,
        reminded_at=campaign.reminded_at,
        cancelled_at=meeting.cancelled_at,
        state=campaign.state,
        answers=totals,
        by_network=by_network,
        deliveries=deliveries,
        attendees=attendees,
        warnings=warnings or [],
    )


def _enqueue(request: AuthedRequest, ids: list[int], meeting_id: int, event: str) -> None:
    if ids:
        enqueuer = enqueuer_of(request)
        enqueuer.enqueue(ids)
    log.info(event, meeting_id=meeting_id, deliveries=len(ids))


async def _created(
    request: AuthedRequest, db_session: DbSession, created: schemas.Created
) -> Response[MeetingOut]:
    if created.created:
        _enqueue(request, created.delivery_ids, created.campaign.id, "meeting_invited")
    body = await _out(
        db_session,
        created.campaign.id,
        personal=request.user.role in PERSONAL_ROLES,
        warnings=created.warnings,
    )
    return Response(body, status_code=201 if created.created else 200)


class MeetingController(Controller):
    path = "/meetings"
    tags = ("meetings",)

    @post(
        "/",
        guards=[WRITE_INCIDENTS],
        summary="Invite the networks' contacts to a meeting",
        description=(
            "`kind` is `network` or `topical`; `content` has a title and agenda per language. "
            "Every active contact of the networks is invited by e-mail with a calendar file "
            "(`invitation.ics`) and an answer link; by SMS too when `channels` has `sms`, and "
            "always when they have no e-mail address; and each network's Teams channel gets a "
            "post with the meeting link. Members answer on the link or by SMS (`JA <code>` or "
            "`NEI <code>`). The day before (or at `reminder_at`), everyone who has not declined "
            "is reminded. More meetings of a kind than a mandate foresees (two network, four "
            "topical a year) are allowed, with a warning."
        ),
    )
    async def create(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        data: JSONBody[schemas.MeetingIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[MeetingOut]:
        created = await commit_once(
            db_session,
            idempotency_key,
            lambda: service.create(
                db_session, data=data, actor=request.user.actor, idempotency_key=idempotency_key
            ),
        )
        return await _created(request, db_session, created)

    @get("/", guards=[READ], summary="Meetings, the latest start first")
    async def list_meetings(
        self,
        db_session: DbSession,
        page: PageNumber = 1,
        page_size: PageSize = 50,
        year: Annotated[
            int | None, Parameter(ge=2000, le=2100, description="Meetings starting this year")
        ] = None,
    ) -> Page[MeetingOut]:
        query = select(Campaign).join(Meeting, Meeting.campaign_id == Campaign.id)
        if year is not None:
            query = query.where(
                Meeting.starts_at >= datetime(year, 1, 1, tzinfo=OSLO),
                Meeting.starts_at < datetime(year + 1, 1, 1, tzinfo=OSLO),
            )
        rows, total = await paginate(
            db_session,
            query.order_by(Meeting.starts_at.desc(), Campaign.id.desc()),
            page=page,
            page_size=page_size,
        )
        # One query each for the page's meetings, answers and deliveries, whatever its size.
        ids = [c.id for c in rows]
        meetings = {
            m.campaign_id: m
            for m in await db_session.scalars(select(Meeting).where(Meeting.campaign_id.in_(ids)))
        }
        counts = await answers.answer_counts(db_session, ids)
        deliveries = await campaigns.deliveries_by_campaign(db_session, ids)
        items = [_summary(c, meetings[c.id], counts[c.id], deliveries.get(c.id, {})) for c in rows]
        return Page(items=items, total=total, page=page, page_size=page_size)

    @get("/{meeting_id:int}", guards=[READ], summary="A meeting, its answers and deliveries")
    async def get_meeting(
        self, request: AuthedRequest, db_session: DbSession, meeting_id: FromPath[int]
    ) -> MeetingOut:
        return await _out(db_session, meeting_id, personal=request.user.role in PERSONAL_ROLES)

    @delete(
        "/{meeting_id:int}",
        guards=[WRITE_INCIDENTS],
        status_code=200,
        summary="Cancel a meeting that has not started; everyone not declined is told",
    )
    async def cancel(
        self, request: AuthedRequest, db_session: DbSession, meeting_id: FromPath[int]
    ) -> MeetingOut:
        ids = await service.cancel(db_session, meeting_id, actor=request.user.actor)
        await db_session.commit()
        _enqueue(request, ids, meeting_id, "meeting_cancelled")
        return await _out(db_session, meeting_id, personal=request.user.role in PERSONAL_ROLES)


class CallInController(Controller):
    path = "/incidents"
    tags = ("meetings",)

    @post(
        "/{incident_id:int}/meeting",
        guards=[WRITE_INCIDENTS],
        summary="Call the incident's networks in to an emergency meeting",
        description=(
            "One step: every active contact of the incident's networks is invited by e-mail, "
            "SMS and the networks' Teams channels to an emergency meeting titled after the "
            "incident in each of its languages. Only `join_url` is needed; it starts in 30 "
            "minutes and lasts an hour unless `starts_at` and `duration_minutes` say otherwise."
        ),
    )
    async def call_in(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        incident_id: FromPath[int],
        data: JSONBody[schemas.CallIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[MeetingOut]:
        created = await commit_once(
            db_session,
            idempotency_key,
            lambda: service.call_in(
                db_session,
                incident_id=incident_id,
                data=data,
                actor=request.user.actor,
                idempotency_key=idempotency_key,
            ),
        )
        return await _created(request, db_session, created)
