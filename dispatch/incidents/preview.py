"""What a declaration would do, without writing: the body checked, its audience, who gets which
language, and what the SMS will cost."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.sms_encoding import analyse
from dispatch.alert_templates.render import Filled, fill_in
from dispatch.directory.models import Network
from dispatch.errors import InvalidInputError
from dispatch.incidents import render
from dispatch.incidents import validation as v
from dispatch.incidents.audience import Person, resolve_audience
from dispatch.incidents.outbox import personal_channels
from dispatch.incidents.schemas import (
    Estimate,
    IncidentIn,
    LanguageContent,
    PreviewOut,
    SmsLanguage,
    SmsPreview,
)
from translations.locales import UnknownLanguageError, canonical_tag, choose_language
from translations.review import language_state
from translations.strings.marking import N_
from translations.text import Text


@dataclass(slots=True)
class Checked:
    """An incident body after validation, with its audience."""

    fields: dict[str, Any]
    networks: list[str]
    channels: list[str]
    content: dict[str, dict[str, str]]
    people: list[Person]
    webhooks: dict[str, str]
    template: Filled | None = None
    edited: list[str] = field(default_factory=list)
    """From a template: languages whose text the coordinator replaced."""


def sms_for_check(status: str, code: str, ack_required: bool) -> Any:
    """The SMS text as sent, for the length checks: marker, text and reply instruction."""
    return lambda lang, sms: render.sms_text(
        status=status, lang=lang, sms=sms, code=code, ack_required=ack_required
    )


async def check(
    session: AsyncSession, data: IncidentIn, *, code: str, audience: bool = True
) -> Checked:
    """The body checked (every error at once), with the audience it reaches (unless
    ``audience`` is false: a declaration on PostgreSQL resolves it in SQL)."""
    errors: list[str] = []
    title = data.title.strip()
    if not title:
        errors.append(Text(N_("the title is empty"), field="title"))
    elif len(title) > 300:
        errors.append(
            Text(N_("the title is longer than %(limit)d characters"), field="title", limit=300)
        )
    elif (found := v.control_character(title, breaks_allowed=False)) is not None:
        errors.append(
            Text(
                N_("the title contains the control character %(char)s (a title is one line)"),
                field="title",
                char=found,
            )
        )
    networks_rows = (await session.scalars(select(Network).order_by(Network.id))).all()
    known = [n.code for n in networks_rows]
    networks = v.check_networks(errors, data.networks, known)
    channels = v.check_channels(errors, data.channels)
    cap = v.check_cap_fields(
        errors,
        status=data.status,
        severity=data.severity,
        urgency=data.urgency,
        certainty=data.certainty,
    )
    deadline_s = v.check_deadline(errors, data.ack_deadline_minutes, data.ack_deadline_seconds)
    message, filled, edited = await _with_template(session, errors, data)
    content = (
        v.check_message(
            errors,
            message,
            channels=channels,
            sms_text=sms_for_check(cap["status"], code, data.ack_required),
        )
        if filled is not None or data.template is None
        else {}
    )
    if errors:
        raise InvalidInputError.from_errors(errors)
    people = await resolve_audience(session, networks) if audience else []
    webhooks = {
        n.code: n.teams_webhook_url
        for n in networks_rows
        if n.code in networks and n.teams_webhook_url
    }
    return Checked(
        fields={
            "title": title,
            "ack_required": data.ack_required,
            "ack_deadline_minutes": data.ack_deadline_minutes,
            "ack_deadline_seconds": deadline_s,
            **cap,
        },
        networks=networks,
        channels=channels,
        content=content,
        people=people,
        webhooks=webhooks,
        template=filled,
        edited=edited,
    )


async def _with_template(
    session: AsyncSession, errors: list[str], data: IncidentIn
) -> tuple[dict[str, LanguageContent], Filled | None, list[str]]:
    """The message to check: the template filled in (its approved languages, or all of them
    when asked), with any language the coordinator wrote in ``message`` in its place."""
    if data.template is None:
        return data.message, None, []
    filled = await fill_in(
        session,
        errors,
        template_id=data.template.id,
        values=dict(data.template.fields),
        include_unreviewed=data.template.include_unreviewed or data.include_unreviewed,
    )
    if filled is None:
        return {}, None, []
    message = {lang: LanguageContent(**texts) for lang, texts in filled.content.items()}
    edited = []
    for raw, typed in data.message.items():
        lang = _canonical_or_same(raw)
        if filled.content.get(lang) != _texts(typed):
            edited.append(lang)
        message.pop(lang, None)
        message[raw] = typed
    return message, filled, edited


def _texts(typed: LanguageContent) -> dict[str, str]:
    return {
        part: getattr(typed, part).strip() for part in ("subject", "sms", "body", "instruction")
    }


def _canonical_or_same(tag: str) -> str:
    try:
        return canonical_tag(tag)
    except UnknownLanguageError:
        return tag


async def preview(
    session: AsyncSession, data: IncidentIn, *, sms_capacity: float = 0.0
) -> PreviewOut:
    """Who would get what, what the SMS would cost, and how long handing them over would take
    at ``sms_capacity`` segments a second; writes nothing."""
    checked = await check(session, data, code="0000")
    outcome = tally(
        people=checked.people,
        channels=checked.channels,
        teams_channels=len(checked.webhooks),
        content=checked.content,
        status=checked.fields["status"],
        ack_required=checked.fields["ack_required"],
        code="0000",
        sms_capacity=sms_capacity,
    )
    if checked.template is not None:
        outcome.review = dict(checked.template.review)
        outcome.left_out = [
            lang for lang in checked.template.left_out if lang not in checked.content
        ]
        outcome.edited = checked.edited
        outcome.template_version = checked.template.template.version
    return outcome


def tally(
    *,
    people: list[Person],
    channels: list[str],
    teams_channels: int,
    content: dict[str, dict[str, str]],
    status: str,
    ack_required: bool,
    code: str,
    sms_capacity: float,
) -> PreviewOut:
    """Who gets which language, the deliveries by channel and what the SMS cost, for a message
    in ``content``'s languages to ``people``; shared by declaring, updating and closing."""
    languages = list(content)
    by_language: Counter[str] = Counter()
    fallbacks: dict[str, str] = {}
    fallback_counts: Counter[str] = Counter()
    deliveries: Counter[str] = Counter()
    sms_counts: Counter[str] = Counter()
    main_sms: Counter[str] = Counter()
    for person in people:
        chosen, is_fallback = choose_language(person.language, languages)
        by_language[chosen] += 1
        if is_fallback:
            fallbacks[person.language] = chosen
            fallback_counts[chosen] += 1
        for channel in personal_channels(person, channels):
            deliveries[channel] += 1
            if channel == "sms":
                sms_counts[chosen] += 1
                main_sms[chosen] += person.main_contact
    if "teams" in channels:
        deliveries["teams"] = teams_channels
    per_language: dict[str, SmsLanguage] = {}
    total = main_total = 0
    if "sms" in channels:
        for lang, fields in content.items():
            text = render.sms_text(
                status=status, lang=lang, sms=fields["sms"], code=code, ack_required=ack_required
            )
            analysis = analyse(text)
            per_language[lang] = SmsLanguage(
                encoding=analysis.encoding,
                segments=analysis.segments,
                characters=len(text),
                offenders=[f"'{o.char}' at {o.position} ({o.name})" for o in analysis.offenders],
                text=text,
            )
            total += analysis.segments * sms_counts[lang]
            main_total += analysis.segments * main_sms[lang]
    return PreviewOut(
        recipients=len(people),
        by_language={lang: by_language[lang] for lang in languages if by_language[lang]},
        fallbacks=fallbacks,
        sms=SmsPreview(segments_total=total, per_language=per_language),
        deliveries=dict(deliveries),
        main_contacts=sum(1 for p in people if p.main_contact),
        fallback_recipients=dict(fallback_counts),
        unread=[lang for lang in languages if not by_language[lang]],
        system_words={lang: str(language_state(lang)) for lang in languages if by_language[lang]},
        estimated_seconds=Estimate(
            main_contacts=seconds(main_total, sms_capacity),
            all=seconds(total, sms_capacity),
        ),
    )


def seconds(segments: int, capacity: float) -> int:
    """Whole seconds to hand over ``segments`` at ``capacity`` a second (0 with none to send)."""
    if not segments or capacity <= 0:
        return 0
    return math.ceil(segments / capacity)
