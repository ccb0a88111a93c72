"""Public newsletter pages: one-click unsubscribe (RFC 8058) and the contribution form."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template

from dispatch import member_pages
from dispatch.db.session import DbSession
from dispatch.errors import InvalidInputError
from dispatch.newsletters import service
from dispatch.settings import Settings
from translations import strings
from translations.catalog import translator
from translations.text import say


def _page(lang: str, *, title: str, status_code: int = 200, **context: Any) -> Template:
    defaults: dict[str, Any] = {"values": {}, "errors": [], "done": ""}
    return member_pages.page(
        "newsletter_page.html",
        lang,
        title=title,
        status_code=status_code,
        **{**defaults, **context},
    )


async def _contact(
    request: Request[Any, Any, State], db_session: DbSession, token: str
) -> tuple[Any, str] | Template:
    settings: Settings = request.app.state["settings"]

    def refused(status: int) -> Template:
        invalid = translator("nb").gettext(strings.ACK_LINK_INVALID)
        return _page(
            "nb",
            title=strings.UNSUBSCRIBE_TITLE,
            status_code=status,
            kind="unsubscribe",
            done=invalid,
        )

    return await member_pages.resolve_link(
        request,
        "unsubscribe",
        lambda: service.contact_for_unsubscribe(
            db_session, secret=settings.secret_key, token=token
        ),
        refused,
    )


@get("/unsubscribe/{token:str}", include_in_schema=False)
async def unsubscribe_page(
    request: Request[Any, Any, State], db_session: DbSession, token: FromPath[str]
) -> Template:
    """Asks first: link checkers open links, and must not unsubscribe anyone."""
    found = await _contact(request, db_session, token)
    if isinstance(found, Template):
        return found
    contact, lang = found
    t = translator(lang)
    return _page(
        lang,
        kind="unsubscribe",
        title=strings.UNSUBSCRIBE_TITLE,
        question=t.gettext(strings.UNSUBSCRIBE_QUESTION, address=contact.email or ""),
        done=t.gettext(strings.UNSUBSCRIBE_DONE) if contact.newsletter_opt_out else "",
    )


@post("/unsubscribe/{token:str}", include_in_schema=False, status_code=200)
async def unsubscribe_submit(
    request: Request[Any, Any, State], db_session: DbSession, token: FromPath[str]
) -> Template:
    """The page's button and mail programs' one-click POST (``List-Unsubscribe=One-Click``)."""
    found = await _contact(request, db_session, token)
    if isinstance(found, Template):
        return found
    contact, lang = found
    await service.unsubscribe(db_session, contact)
    await db_session.commit()
    t = translator(lang)
    return _page(
        lang,
        kind="unsubscribe",
        title=strings.UNSUBSCRIBE_TITLE,
        done=t.gettext(strings.UNSUBSCRIBE_DONE),
    )


@get("/newsletter/contribute", include_in_schema=False)
async def contribute_page(request: Request[Any, Any, State]) -> Template:
    lang = member_pages.language(request)
    return _page(lang, kind="contribute", title=strings.CONTRIBUTE_TITLE)


@post("/newsletter/contribute", include_in_schema=False, status_code=200)
async def contribute_submit(
    request: Request[Any, Any, State],
    db_session: DbSession,
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template:
    """A contribution for the next issue lands in the coordinator's queue."""
    lang = member_pages.language(request)
    t = translator(lang)
    values = {k: str(data.get(k) or "")[:10000] for k in ("name", "organisation", "email", "text")}
    try:
        await service.contribute(db_session, service.Contribution(**values, language=lang))
        await db_session.commit()
    except InvalidInputError as exc:
        await db_session.rollback()
        return _page(
            lang,
            status_code=422,
            kind="contribute",
            title=strings.CONTRIBUTE_TITLE,
            values=values,
            errors=[say(e, t) for e in exc.errors or [exc.detail]],
        )
    return _page(
        lang,
        kind="contribute",
        title=strings.CONTRIBUTE_TITLE,
        done=t.gettext(strings.CONTRIBUTE_THANKS),
    )
