"""The public pages of a published pack, and the download of all its languages.

``/packs/{slug}`` lists the approved languages, each named in its own script;
``/packs/{slug}/{lang}`` shows one language with ``lang``/``dir`` right, print CSS, the short
text ready to paste into an SMS or a WhatsApp group, and a one-click form with which an
organisation says it passed the language on and to about how many people;
``/packs/{slug}.zip`` holds one HTML and one TXT file per language, built once per approved
version (``archive``).

The pages work without JavaScript; a small inline script (allowed by its hash in the CSP)
only adds the copy and print buttons.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jinja2
from babel.numbers import format_decimal
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect

from dispatch.db.session import DbSession
from dispatch.errors import InvalidInputError, NotFoundError
from dispatch.member_pages import client_address, negotiate
from dispatch.packs import archive, passedon, render, service
from dispatch.packs.models import Pack
from dispatch.security.links import read_token
from dispatch.security.throttle import THROTTLE_STATE_KEY, GuessThrottle
from translations import strings
from translations.catalog import translator
from translations.locales import (
    UnknownLanguageError,
    babel_locale,
    canonical_tag,
    format_datetime_local,
    text_direction,
)

TEMPLATES = Path(__file__).parent / "templates"
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
)
SCRIPT = (
    "document.querySelectorAll('[data-copy]').forEach(function(b){b.hidden=false;"
    "b.addEventListener('click',function(){var t=document.getElementById(b.dataset.copy);"
    "t.select();var done=function(){b.textContent=b.dataset.done;};"
    "if(navigator.clipboard){navigator.clipboard.writeText(t.value).then(done);}"
    "else{document.execCommand('copy');done();}});});"
    "document.querySelectorAll('[data-print]').forEach(function(b){b.hidden=false;"
    "b.addEventListener('click',function(){window.print();});});"
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
# nosniff, no-referrer and DENY framing come with every answer (dispatch.headers).
HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_HASH}'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
PUBLIC_CACHE = "public, max-age=60"
PEOPLE_CHOICES = (10, 50, 100, 500, 1000)


@dataclass(frozen=True, slots=True)
class _Link:
    tag: str
    name: str
    title: str
    href: str
    dir: str


def _html(
    template: str, status: int = 200, *, private: bool = False, **context: Any
) -> Response[str]:
    body = _env.get_template(template).render(**{"script": "", **context})
    headers = {**HEADERS, "Cache-Control": "no-store" if private else PUBLIC_CACHE}
    return Response(body, status_code=status, media_type="text/html", headers=headers)


def _not_found() -> Response[str]:
    nb, en = (translator(t).gettext(strings.PACK_NOT_FOUND) for t in ("nb", "en"))
    return _html("pack_error.html", 404, lang="nb", dir="ltr", title=nb, nb=nb, en=en)


async def _reporter(
    request: Request[Any, Any, State], db_session: DbSession, pack: Pack, token: str | None
) -> passedon.Reporter | None:
    """The organisation a ``from`` token names, if it is genuine and for this pack."""
    if not token:
        return None
    secret = request.app.state["settings"].secret_key
    delivery_id = read_token(secret, token, purpose="pack")
    reporter = None
    if delivery_id is not None:
        reporter = await passedon.reporter_of(db_session, pack.id, delivery_id)
    if reporter is None:
        throttle: GuessThrottle = request.app.state[THROTTLE_STATE_KEY]
        if await throttle.failed(client_address(request), "pack"):
            raise _TooManyGuesses
    return reporter


class _TooManyGuesses(Exception):
    """A wrong ``from`` token from a client that has sent too many."""


def _too_many() -> Response[str]:
    nb, en = "For mange forsøk. Prøv igjen senere.", "Too many attempts. Try again later."
    answer = _html(
        "pack_error.html", 429, private=True, lang="nb", dir="ltr", title=nb, nb=nb, en=en
    )
    answer.headers["Retry-After"] = "300"
    return answer


def _language_links(
    pack: Pack, languages: list[service.PublicLanguage], token: str | None, *, files: bool = False
) -> list[_Link]:
    query = f"?from={token}" if token else ""
    return [
        _Link(
            tag=item.tag,
            name=item.name,
            title=item.title,
            href=f"{item.tag}.html" if files else f"/packs/{pack.slug}/{item.tag}{query}",
            dir=text_direction(item.tag),
        )
        for item in languages
    ]


def _language_context(
    pack: Pack,
    item: service.PublicLanguage,
    languages: list[service.PublicLanguage],
    *,
    token: str | None = None,
    standalone: bool = False,
) -> dict[str, Any]:
    t = translator(item.tag)
    locale = babel_locale(item.tag)
    updated = format_datetime_local(item.approved_at, item.tag, format="long")
    return {
        "lang": item.tag,
        "dir": text_direction(item.tag),
        "title": item.title,
        "item": item,
        "body": render.paragraphs(item.body),
        "standalone": standalone,
        "sender": t.gettext(strings.PACK_FROM),
        "updated": t.gettext(strings.PACK_UPDATED, time=updated),
        "more_information": t.gettext(strings.PACK_MORE_INFORMATION),
        "short_heading": t.gettext(strings.PACK_SHORT_TEXT),
        "copy": t.gettext(strings.PACK_COPY),
        "copied": t.gettext(strings.PACK_COPIED),
        "print": t.gettext(strings.PACK_PRINT),
        "download_all": t.gettext(strings.PACK_DOWNLOAD_ALL),
        "zip_url": f"/packs/{pack.slug}.zip",
        "passed_question": t.gettext(strings.PACK_PASSED_ON_QUESTION),
        "other_number": t.gettext(strings.PACK_OTHER_NUMBER),
        "send": t.gettext(strings.PACK_SEND),
        "choices": [(n, format_decimal(n, locale=locale)) for n in PEOPLE_CHOICES],
        "form_action": f"/packs/{pack.slug}/{item.tag}",
        "token": token or "",
        "reporting_for": "",
        "notice": "",
        "error": "",
        "other_languages": t.gettext(strings.PACK_OTHER_LANGUAGES),
        "others": [
            link
            for link in _language_links(pack, languages, token, files=standalone)
            if link.tag != item.tag
        ],
    }


async def _find(
    db_session: DbSession, slug: str, lang: str
) -> tuple[Pack, service.PublicLanguage, list[service.PublicLanguage]] | str | None:
    """The pack and the language, the canonical tag to redirect to, or None for a 404."""
    try:
        pack, languages = await service.published_pack(db_session, slug)
        tag = canonical_tag(lang)
    except (NotFoundError, UnknownLanguageError):
        return None
    item = next((i for i in languages if i.tag == tag), None)
    if item is None:
        return None
    return tag if tag != lang else (pack, item, languages)


@get("/packs/{name:str}", include_in_schema=False)
async def pack_index(
    request: Request[Any, Any, State],
    db_session: DbSession,
    name: FromPath[str],
    token: Annotated[str | None, QueryParameter(name="from")] = None,
) -> Response[Any]:
    """The languages of a pack, each by its own name; ``<slug>.zip`` downloads all of them."""
    if name.endswith(".zip"):
        return await _zip(request, db_session, name.removesuffix(".zip"))
    try:
        pack, languages = await service.published_pack(db_session, name)
    except NotFoundError:
        return _not_found()
    lang = negotiate(request.headers.get("accept-language", ""))
    t = translator(lang)
    return _html(
        "pack_index.html",
        private=bool(token),
        lang=lang,
        dir=text_direction(lang),
        title=pack.title,
        sender=t.gettext(strings.PACK_FROM),
        heading=t.gettext(strings.PACK_CHOOSE_LANGUAGE),
        languages=_language_links(pack, languages, token),
        download_all=t.gettext(strings.PACK_DOWNLOAD_ALL),
        zip_url=f"/packs/{pack.slug}.zip",
    )


@get("/packs/{slug:str}/{lang:str}", include_in_schema=False)
async def pack_page(
    request: Request[Any, Any, State],
    db_session: DbSession,
    slug: FromPath[str],
    lang: FromPath[str],
    token: Annotated[str | None, QueryParameter(name="from")] = None,
) -> Response[Any]:
    """One language of a pack, with the passed-on form."""
    found = await _find(db_session, slug, lang)
    if found is None:
        return _not_found()
    if isinstance(found, str):
        query = f"?from={token}" if token else ""
        return Redirect(f"/packs/{slug}/{found}{query}", status_code=301)
    pack, item, languages = found
    try:
        reporter = await _reporter(request, db_session, pack, token)
    except _TooManyGuesses:
        return _too_many()
    context = _language_context(pack, item, languages, token=token if reporter else None)
    if reporter is not None:
        context["reporting_for"] = translator(item.tag).gettext(
            strings.PACK_REPORTING_FOR, organisation=reporter.organisation
        )
    context["script"] = SCRIPT
    return _page(context, private=bool(token))


def _page(context: dict[str, Any], status: int = 200, *, private: bool) -> Response[str]:
    return _html("pack_language.html", status, private=private, **context)


@post("/packs/{slug:str}/{lang:str}", include_in_schema=False, status_code=200)
async def pack_passed_on(
    request: Request[Any, Any, State],
    db_session: DbSession,
    slug: FromPath[str],
    lang: FromPath[str],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[Any]:
    """Record that an organisation passed this language on, to about N people."""
    found = await _find(db_session, slug, lang)
    if found is None or isinstance(found, str):
        return _not_found()
    pack, item, languages = found
    token = (data.get("from") or "").strip() or None
    try:
        reporter = await _reporter(request, db_session, pack, token)
    except _TooManyGuesses:
        return _too_many()
    t = translator(item.tag)
    context = _language_context(pack, item, languages, token=token if reporter else None)
    context["script"] = SCRIPT
    if reporter is not None:
        context["reporting_for"] = t.gettext(
            strings.PACK_REPORTING_FOR, organisation=reporter.organisation
        )
    raw = data.get("people", "")
    if raw == "other":
        raw = data.get("people_other", "")
    try:
        people = int(raw.strip())
        await passedon.record_passed_on(
            db_session, pack_id=pack.id, language=item.tag, people=people, reporter=reporter
        )
    except (ValueError, InvalidInputError):
        context["error"] = t.gettext(strings.PACK_NUMBER_INVALID)
        return _page(context, 422, private=True)
    await db_session.commit()
    context["notice"] = t.ngettext(*strings.PACK_PASSED_ON_THANKS, people)
    return _page(context, private=True)


async def _zip(
    request: Request[Any, Any, State], db_session: DbSession, slug: str
) -> Response[Any]:
    """Every approved language as HTML and text; built once per approved version (see
    ``archive``), and a client that already has this version gets 304."""
    try:
        pack, languages = await service.published_pack(db_session, slug)
    except NotFoundError:
        return _not_found()
    key = archive.version(pack, languages)
    headers = {**HEADERS, "Cache-Control": PUBLIC_CACHE, "ETag": archive.Archive(key, b"").etag}
    if headers["ETag"] in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(b"", status_code=304, headers=headers)
    cache: archive.ZipCache = request.app.state[archive.PACK_ZIPS_STATE_KEY]
    built = cache.get(key, lambda: _build_zip(pack, languages))
    return Response(
        built.data,
        media_type="application/zip",
        headers={**headers, "Content-Disposition": f'attachment; filename="{pack.slug}.zip"'},
    )


def _build_zip(pack: Pack, languages: list[service.PublicLanguage]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for item in languages:
            context = _language_context(pack, item, languages, standalone=True)
            html = _env.get_template("pack_language.html").render(**{**context, "script": ""})
            zipped.writestr(f"{pack.slug}/{item.tag}.html", html)
            text = render.plain_text(
                title=item.title, body=item.body, short=item.short, links=item.links, lang=item.tag
            )
            zipped.writestr(f"{pack.slug}/{item.tag}.txt", text)
    return buffer.getvalue()
