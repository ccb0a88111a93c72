"""``/changes``: the public page, linked from every e-mail's footer, where a member asks for
someone to be added to or removed from the list. It only queues the request."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from dispatch import member_pages
from dispatch.changes import service
from dispatch.db.session import DbSession
from dispatch.errors import InvalidInputError
from translations import strings
from translations.catalog import translator
from translations.text import Text, say

FIELDS = ("kind", "organisation", "name", "email", "phone", "language", "comment")


def _page(
    lang: str,
    *,
    values: dict[str, str] | None = None,
    errors: list[str] | None = None,
    done: bool = False,
    status_code: int = 200,
) -> Template:
    return member_pages.page(
        "changes.html",
        lang,
        title=strings.CHANGES_TITLE,
        status_code=status_code,
        values=values or {"language": lang},
        errors=errors or [],
        done=done,
    )


@get("/changes", include_in_schema=False)
async def changes_page(request: Request[Any, Any, State]) -> Template:
    """The form, in the language of the link (``?lang=``) or of the browser."""
    return _page(member_pages.language(request))


@post("/changes", include_in_schema=False, status_code=200)
async def changes_submit(
    request: Request[Any, Any, State],
    db_session: DbSession,
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template:
    """Queue the request; with mistakes, the form again with what was typed and every reason."""
    lang = member_pages.language(request)
    values = {k: str(data.get(k) or "")[:2000] for k in FIELDS}
    try:
        await service.submit(db_session, service.Submitted(**values))
        await db_session.commit()
    except InvalidInputError as exc:
        await db_session.rollback()
        # A reason that is one of the page's messages is shown translated; the directory's
        # format checks (an address that is not one) stay in English.
        t = translator(lang)
        reasons = [
            say(e, t) if isinstance(e, Text) else t.gettext(e) for e in (exc.errors or [exc.detail])
        ]
        return _page(lang, values=values, errors=reasons, status_code=422)
    return _page(lang, done=True)
