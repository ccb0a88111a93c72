"""``/meetings/answer/{token}``: a member's answer to a meeting invitation. GET shows the meeting
and changes nothing (mail scanners open links); POST records yes or no, the latest counts. The
calendar file is there too, for those invited by SMS."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template

from dispatch import member_pages
from dispatch.db.session import DbSession
from dispatch.directory.organisations import organisation_names
from dispatch.meetings import answers, render
from dispatch.member_pages import SECURITY_HEADERS
from dispatch.settings import Settings
from translations import strings
from translations.catalog import translator


def _mail(found: answers.Invitation, organisation: str) -> render.MeetingMail:
    lang = found.target.language
    text = answers.text_in(found.campaign, lang)
    cancelled = found.meeting.cancelled_at is not None
    return render.MeetingMail(
        phase=render.CANCEL if cancelled else render.INVITE,
        meeting_id=found.campaign.id,
        title=text.get("title") or found.campaign.title or "",
        agenda=text.get("agenda", ""),
        starts_at=found.meeting.starts_at,
        ends_at=found.meeting.ends_at,
        join_url=found.meeting.join_url,
        code=found.meeting.code,
        organisation=organisation,
        network=", ".join(found.target.network_codes),
        networks=", ".join(found.target.network_codes),
    )


async def _find(
    request: Request[Any, Any, State], db_session: DbSession, token: str
) -> answers.Invitation | Template:
    settings: Settings = request.app.state["settings"]

    def refused(status: int) -> Template:
        return member_pages.page(
            "meeting_answer.html",
            "nb",
            title=strings.MEETING_PAGE_TITLE,
            status_code=status,
            meeting=None,
            done=translator("nb").gettext(strings.ACK_LINK_INVALID),
            closed=False,
            cancelled=False,
        )

    return await member_pages.resolve_link(
        request,
        "rsvp",
        lambda: answers.resolve_link(db_session, secret=settings.secret_key, token=token),
        refused,
    )


async def _page(
    db_session: DbSession, found: answers.Invitation, token: str, *, done: str = ""
) -> Template:
    lang = found.target.language
    names = await organisation_names(db_session, {found.target.organisation_id or 0})
    mail = _mail(found, names.get(found.target.organisation_id or 0, ""))
    return member_pages.page(
        "meeting_answer.html",
        lang,
        title=strings.MEETING_PAGE_TITLE,
        meeting={
            "title": mail.title,
            "agenda": mail.agenda,
            "time": render.when(mail, lang),
            "network": mail.network,
            "join_url": mail.join_url,
        },
        answer=found.target.state,
        done=done,
        cancelled=found.meeting.cancelled_at is not None,
        closed=not answers.is_open(found.meeting),
        calendar_url=f"/meetings/answer/{token}/invitation.ics",
    )


@get("/meetings/answer/{token:str}", include_in_schema=False)
async def answer_page(
    request: Request[Any, Any, State], db_session: DbSession, token: FromPath[str]
) -> Template:
    found = await _find(request, db_session, token)
    if isinstance(found, Template):
        return found
    return await _page(db_session, found, token)


@post("/meetings/answer/{token:str}", include_in_schema=False, status_code=200)
async def answer_submit(
    request: Request[Any, Any, State],
    db_session: DbSession,
    token: FromPath[str],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template:
    found = await _find(request, db_session, token)
    if isinstance(found, Template):
        return found
    t = translator(found.target.language)
    given = str(data.get("answer") or "")
    if given not in ("yes", "no") or not answers.is_open(found.meeting):
        page = await _page(db_session, found, token)
        page.status_code = 410 if not answers.is_open(found.meeting) else 422
        return page
    answers.answer(found.target, accepted=given == "yes", via="link")
    await db_session.commit()
    done = strings.MEETING_PAGE_ACCEPTED if given == "yes" else strings.MEETING_PAGE_DECLINED
    return await _page(db_session, found, token, done=t.gettext(done))


@get("/meetings/answer/{token:str}/invitation.ics", include_in_schema=False)
async def calendar_download(
    request: Request[Any, Any, State], db_session: DbSession, token: FromPath[str]
) -> Response[bytes] | Template:
    """The same calendar file as the e-mail's attachment."""
    found = await _find(request, db_session, token)
    if isinstance(found, Template):
        return found
    settings: Settings = request.app.state["settings"]
    attachment = render.calendar_file(
        _mail(found, ""),
        base_url=settings.base_url,
        sender=settings.email_from,
        lang=found.target.language,
    )
    return Response(
        attachment.data,
        media_type="text/calendar; charset=utf-8",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": 'attachment; filename="invitation.ics"',
        },
    )
