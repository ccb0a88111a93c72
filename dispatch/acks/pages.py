"""The acknowledgement pages members open from the e-mail link; no JavaScript needed.

GET shows the message and changes nothing: mail scanners open links to check them, and must
not acknowledge for anyone. Only the form's POST acknowledges.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks import service
from dispatch.acks.models import Acknowledgement, AckVia
from dispatch.db.direct import DIRECT_STATE_KEY, DirectPool
from dispatch.db.session import DbSession, sessionmaker_from
from dispatch.errors import NotFoundError
from dispatch.incidents.models import Recipient
from dispatch.incidents.render import marker
from dispatch.member_pages import SECURITY_HEADERS, client_address
from dispatch.security.throttle import THROTTLE_STATE_KEY, GuessThrottle
from dispatch.settings import Settings
from translations import strings
from translations.catalog import translator
from translations.locales import choose_language, format_datetime_local, text_direction


def _settings(request: Request[Any, Any, State]) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


def _too_many(throttle: GuessThrottle) -> Template:
    nb, en = "For mange forsøk. Prøv igjen senere.", "Too many attempts. Try again later."
    return Template(
        template_name="ack_error.html",
        context={"lang": "nb", "dir": "ltr", "title": nb, "nb": nb, "en": en},
        status_code=429,
        headers={**SECURITY_HEADERS, "Retry-After": str(throttle.window)},
    )


def _error_page(exc: Exception) -> Template:
    expired = isinstance(exc, service.LinkExpiredError)
    msgid = strings.ACK_LINK_EXPIRED if expired else strings.ACK_LINK_INVALID
    return Template(
        template_name="ack_error.html",
        context={
            "lang": "nb",
            "dir": "ltr",
            "title": translator("nb").gettext(msgid),
            "nb": translator("nb").gettext(msgid),
            "en": translator("en").gettext(msgid),
        },
        status_code=410 if expired else 404,
        headers=SECURITY_HEADERS,
    )


async def _context(session: AsyncSession, target: service.LinkTarget) -> dict[str, Any]:
    """The page's texts. They are the same for everyone who got one message version in one
    language (versions never change), so each process reads and formats them once: the date
    and the catalog look-ups cost more than the rest of the page."""
    if (texts := _TEXTS.get(_key(target))) is None:
        content, sent_at = await service.message_version(session, target.version_id)
        texts = _texts(target, content, sent_at)
        if len(_TEXTS) >= 256:
            _TEXTS.clear()
        _TEXTS[_key(target)] = texts
    return dict(texts)


def _key(target: service.LinkTarget) -> tuple[int, str, str, str]:
    return (target.version_id, target.language, target.status, target.title)


_TEXTS: dict[tuple[int, str, str, str], dict[str, Any]] = {}


def _texts(
    target: service.LinkTarget, versions: dict[str, dict[str, str]], sent_at: datetime
) -> dict[str, Any]:
    lang = target.language
    t = translator(lang)
    content = versions.get(lang) or next(iter(versions.values()))
    sent = format_datetime_local(sent_at, lang, format="long")
    return {
        "lang": lang,
        "dir": text_direction(lang),
        "title": content.get("subject") or content.get("sms", ""),
        "marker": marker(target.status, lang),
        "subject": content.get("subject") or target.title,
        "body": content.get("body") or content.get("sms", ""),
        "instruction": content.get("instruction", ""),
        "sent": t.gettext(strings.SENT_AT, time=sent),
        "question": t.gettext(strings.ACK_PAGE_QUESTION),
        "field_label": t.gettext(strings.ACK_PAGE_FIELD_REPORT),
        "button": t.gettext(strings.ACK_PAGE_BUTTON),
    }


async def _target(
    request: Request[Any, Any, State], db_session: DbSession, token: str
) -> service.LinkTarget | Template:
    """What the link points at, or the page to show instead: 404 for a wrong link, 429 once its
    sender has sent too many wrong ones, 410 once expired. The link is checked first, so a
    genuine one always opens, whatever others have guessed from the same address."""
    settings = _settings(request)
    try:
        return await service.resolve_link(
            db_session, secret=settings.secret_key, token=token, valid_days=settings.ack_link_days
        )
    except (NotFoundError, service.LinkExpiredError) as exc:
        return await _refused(request, exc)


async def _refused(
    request: Request[Any, Any, State], exc: NotFoundError | service.LinkExpiredError
) -> Template:
    """The page for a wrong link (counted as a failed guess: 429 past the limit) or an
    expired one."""
    if isinstance(exc, NotFoundError):
        throttle: GuessThrottle = request.app.state[THROTTLE_STATE_KEY]
        if await throttle.failed(client_address(request), "ack"):
            return _too_many(throttle)
    return _error_page(exc)


def sender_line(lang: str, networks: tuple[str, ...]) -> str:
    """Who sends the alert, in the member's language: the Directorate, and the networks."""
    directorate = translator(lang).gettext(strings.ALERT_FROM_DIRECTORATE)
    return f"{directorate} · {', '.join(networks)}" if networks else directorate


async def _closed_page(
    session: DbSession, target: service.LinkTarget, context: dict[str, Any]
) -> Template:
    t = translator(target.language)
    closing = await service.closing_message(session, target.incident_id)
    context["over"] = t.gettext(strings.INCIDENT_CLOSED)
    context["closing"] = None
    if closing:
        chosen, _ = choose_language(target.language, list(closing))
        context["closing"] = {
            "lang": chosen,
            "dir": text_direction(chosen),
            "subject": closing[chosen].get("subject") or closing[chosen].get("sms", ""),
            "body": closing[chosen].get("body") or closing[chosen].get("sms", ""),
        }
    return Template(template_name="ack_closed.html", context=context, headers=SECURITY_HEADERS)


@get("/ack/{token:str}", include_in_schema=False)
async def ack_page(
    request: Request[Any, Any, State], db_session: DbSession, token: FromPath[str]
) -> Template:
    """Show the message with a confirm button; changes nothing."""
    target = await _target(request, db_session, token)
    if isinstance(target, Template):
        return target
    context = await _context(db_session, target)
    context["sender"] = sender_line(target.language, target.networks)
    if target.closed:
        # The alert is over: its closing message, and nothing to confirm.
        return await _closed_page(db_session, target, context)
    done = await db_session.scalar(
        select(Acknowledgement.id).where(
            Acknowledgement.incident_id == target.incident_id,
            Acknowledgement.recipient_id == target.recipient_id,
        )
    )
    context["already"] = (
        translator(context["lang"]).gettext(strings.ACK_PAGE_ALREADY) if done else ""
    )
    return Template(template_name="ack.html", context=context, headers=SECURITY_HEADERS)


@post("/ack/{token:str}", include_in_schema=False, status_code=200)
async def ack_submit(
    request: Request[Any, Any, State],
    token: FromPath[str],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Template:
    """Acknowledge once, however often posted; a comment becomes a field report."""
    comment = (data.get("comment") or "").strip()
    direct: DirectPool | None = request.app.state.get(DIRECT_STATE_KEY)
    if direct is not None and not comment:
        # The common case in one round trip, and no session: resolve the link and acknowledge
        # together; the page's texts are this process's once it has shown them.
        settings = _settings(request)
        try:
            target, created = await service.acknowledge_by_link(
                direct, secret=settings.secret_key, token=token, valid_days=settings.ack_link_days
            )
        except (NotFoundError, service.LinkExpiredError) as exc:
            return await _refused(request, exc)
        if (texts := _TEXTS.get(_key(target))) is not None:
            return _done(target, dict(texts), created=created)
        async with sessionmaker_from(request.app.state)() as db_session:
            return _done(target, await _context(db_session, target), created=created)
    async with sessionmaker_from(request.app.state)() as db_session:
        return await _submit(request, db_session, token, comment)


async def _submit(
    request: Request[Any, Any, State], db_session: AsyncSession, token: str, comment: str
) -> Template:
    """Acknowledge through the session (SQLite, or with a comment for the inbox)."""
    found = await _target(request, db_session, token)
    if isinstance(found, Template):
        return found
    target = found
    created = await service.acknowledge(
        db_session,
        incident_id=target.incident_id,
        recipient_id=target.recipient_id,
        via=AckVia.LINK,
        delivery_id=target.delivery_id,
        comment=comment or None,
    )
    if created and comment:
        await service.add_field_report(
            db_session,
            text=comment,
            source="link",
            incident_id=target.incident_id,
            recipient=await db_session.get(Recipient, target.recipient_id),
            language=target.language,
        )
    await db_session.commit()
    return _done(target, await _context(db_session, target), created=created)


def _done(target: service.LinkTarget, context: dict[str, Any], *, created: bool) -> Template:
    """Thanks, or "you had already confirmed"."""
    context["sender"] = sender_line(target.language, target.networks)
    t = translator(context["lang"])
    context["message"] = t.gettext(strings.ACK_PAGE_THANKS if created else strings.ACK_PAGE_ALREADY)
    return Template(template_name="ack_done.html", context=context, headers=SECURITY_HEADERS)
