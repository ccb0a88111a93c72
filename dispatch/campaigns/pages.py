"""``/confirm/{token}``: the contact's own list-review page. GET shows and changes nothing (mail
scanners open links); POST confirms, with corrections, or names a replacement."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template

from dispatch import member_pages
from dispatch.campaigns import confirm
from dispatch.db.session import DbSession
from dispatch.errors import DomainError
from dispatch.settings import Settings
from translations import strings
from translations.catalog import translator
from translations.locales import format_datetime_local
from translations.text import say

FIELDS = ("name", "email", "phone", "language")


def _info(found: confirm.Confirming, lang: str) -> dict[str, str]:
    """What the page says about the campaign, read once (a rollback expires the rows)."""
    return {
        "organisation": found.organisation,
        "network": ", ".join(found.target.network_codes),
        "deadline": format_datetime_local(found.campaign.deadline, lang, format="long")
        if found.campaign.deadline
        else "",
    }


def _page(
    info: dict[str, str] | None,
    *,
    lang: str,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: list[str] | None = None,
    done: str = "",
    closed: bool = False,
) -> Template:
    return member_pages.page(
        "confirm.html",
        lang,
        title=strings.REVIEW_PAGE_TITLE,
        status_code=status_code,
        **(info or {"organisation": "", "network": "", "deadline": ""}),
        values=values or {},
        errors=errors or [],
        done=done,
        closed=closed,
    )


async def _find(
    request: Request[Any, Any, State], db_session: DbSession, token: str
) -> confirm.Confirming | Template:
    settings: Settings = request.app.state["settings"]
    return await member_pages.resolve_link(
        request,
        "confirm",
        lambda: confirm.resolve_confirm(db_session, secret=settings.secret_key, token=token),
        lambda status: _page(None, lang="nb", status_code=status, closed=True),
    )


def _current(found: confirm.Confirming) -> dict[str, str]:
    contact = found.contact
    if contact is None:
        return {}
    return {
        "name": contact.name,
        "email": contact.email or "",
        "phone": contact.phone or "",
        "language": contact.language,
    }


@get("/confirm/{token:str}", include_in_schema=False)
async def confirm_page(
    request: Request[Any, Any, State], db_session: DbSession, token: FromPath[str]
) -> Template:
    """The contact's details as a form; changes nothing."""
    found = await _find(request, db_session, token)
    if isinstance(found, Template):
        return found
    lang = found.target.language
    if not confirm.is_open(found):
        return _page(_info(found, lang), lang=lang, status_code=410, closed=True)
    return _page(_info(found, lang), lang=lang, values=_current(found))


@post("/confirm/{token:str}", include_in_schema=False, status_code=200)
async def confirm_submit(
    request: Request[Any, Any, State],
    db_session: DbSession,
    token: FromPath[str],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template:
    """Confirm (however often posted, the last answer counts); nothing saved if a check fails."""
    found = await _find(request, db_session, token)
    if isinstance(found, Template):
        return found
    lang = found.target.language
    info = _info(found, lang)
    if not confirm.is_open(found):
        return _page(info, lang=lang, status_code=410, closed=True)
    values = {k: str(data.get(k) or "").strip()[:400] for k in FIELDS}
    replacement = {k: str(data.get(f"replacement_{k}") or "")[:400] for k in FIELDS[:3]}
    given = confirm.Answer(**values, replacement=replacement)
    try:
        outcome = await confirm.answer(db_session, found, given)
        await db_session.commit()
    except DomainError as exc:
        await db_session.rollback()
        shown = {**values, **{f"replacement_{k}": v for k, v in replacement.items()}}
        t = translator(lang)
        reasons = [say(e, t) for e in exc.errors or [exc.detail]]
        return _page(info, lang=lang, status_code=422, values=shown, errors=reasons)
    t = translator(lang)
    message = (
        strings.REVIEW_PAGE_REPLACEMENT_NOTED
        if outcome == "replacement"
        else strings.REVIEW_PAGE_DONE
    )
    return _page(info, lang=lang, done=t.gettext(message))
