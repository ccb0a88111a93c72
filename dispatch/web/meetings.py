"""Dashboard pages for meetings: the list, one meeting with its answers, cancelling; and the
incident page's "call the networks in", which invites in one step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select

from dispatch.campaigns.models import Campaign
from dispatch.db.session import DbSession, commit_once
from dispatch.errors import DomainError, InvalidInputError
from dispatch.meetings import answers, schemas, service
from dispatch.meetings.models import Meeting
from dispatch.security.guards import PERSONAL_ROLES, READ, WRITE_INCIDENTS
from dispatch.web.render import DashboardRequest, enqueue, page
from translations.locales import OSLO
from translations.strings.marking import N_
from translations.text import Text

PAGE_SIZE = 50


def local_time(value: str, name: str) -> datetime | None:
    """A ``datetime-local`` field (``2027-03-04T10:00``), read as Norwegian time."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=OSLO)
    except ValueError as exc:
        reason = Text(N_("the start must be a date and time, such as 2027-03-04T10:00"), field=name)
        raise InvalidInputError.from_errors([reason]) from exc


def call_in_form(form: Any) -> tuple[schemas.CallIn, str]:
    """The incident page's call-in form as the API's own input, and its one-time key."""
    minutes = str(form.get("duration") or "60").strip()
    if not minutes.isdecimal():
        raise InvalidInputError.from_errors(
            [Text(N_("the duration must be a number of minutes"), field="duration")]
        )
    data = schemas.CallIn(
        join_url=str(form.get("join_url") or ""),
        starts_at=local_time(str(form.get("starts_at") or ""), "starts_at"),
        duration_minutes=int(minutes),
    )
    return data, str(form.get("idempotency_key") or "")[:200]


class MeetingPages(Controller):
    path = "/meetings"

    @get("/", guards=[READ])
    async def list_meetings(self, request: DashboardRequest, db_session: DbSession) -> Template:
        """Coming meetings first, then the past; each with its answers so far."""
        rows = (
            await db_session.execute(
                select(Campaign, Meeting)
                .join(Meeting, Meeting.campaign_id == Campaign.id)
                .order_by(Meeting.starts_at.desc())
                .limit(PAGE_SIZE)
            )
        ).all()
        counts = await answers.answer_counts(db_session, [c.id for c, _ in rows])
        items = [
            {"campaign": campaign, "meeting": meeting, "answers": counts[campaign.id]}
            for campaign, meeting in rows
        ]
        return page(request, "dashboard/meetings.html", meetings=items)

    @get("/{meeting_id:int}", guards=[READ])
    async def detail(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        meeting_id: FromPath[int],
        done: FromQuery[str | None] = None,
    ) -> Template:
        """The meeting, its answers by network, and who answered (for coordinators)."""
        return await self._detail(request, db_session, meeting_id, done=done)

    async def _detail(
        self,
        request: DashboardRequest,
        db_session: DbSession,
        meeting_id: int,
        *,
        done: str | None = None,
        error: DomainError | None = None,
    ) -> Template:
        campaign, meeting = await service.get_meeting(db_session, meeting_id)
        totals, by_network, people = await answers.answers(db_session, meeting_id)
        personal = request.user.role in PERSONAL_ROLES
        return page(
            request,
            "dashboard/meeting.html",
            status_code=422 if error else 200,
            campaign=campaign,
            meeting=meeting,
            answers=totals,
            by_network=by_network,
            attendees=people if personal else None,
            open=answers.is_open(meeting),
            done=done if done in {"invited", "cancelled"} else None,
            error=error,
        )

    @post("/{meeting_id:int}/cancel", guards=[WRITE_INCIDENTS])
    async def cancel(
        self, request: DashboardRequest, db_session: DbSession, meeting_id: FromPath[int]
    ) -> Any:
        """Cancel; everyone who had not declined is told."""
        try:
            ids = await service.cancel(db_session, meeting_id, actor=request.user.actor)
            await db_session.commit()
        except DomainError as exc:
            await db_session.rollback()
            return await self._detail(request, db_session, meeting_id, error=exc)
        enqueue(request, ids)
        return Redirect(path=f"/meetings/{meeting_id}?done=cancelled", status_code=303)


async def call_in(request: DashboardRequest, db_session: DbSession, incident_id: int) -> Any:
    """The incident page's button: invite the incident's networks, then show the meeting.
    Returns the redirect, or raises the error for the incident page to show."""
    data, key = call_in_form(await request.form())
    created = await commit_once(
        db_session,
        key or None,
        lambda: service.call_in(
            db_session,
            incident_id=incident_id,
            data=data,
            actor=request.user.actor,
            idempotency_key=key or None,
        ),
    )
    if created.created:
        enqueue(request, created.delivery_ids)
    return Redirect(path=f"/meetings/{created.campaign.id}?done=invited", status_code=303)
