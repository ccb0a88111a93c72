"""Checking a meeting before it is written: times, link, languages and channels, and the
mandate's yearly number of meetings (more is allowed, and said)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import extract, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.campaigns.base import (
    chosen_networks,
)
from dispatch.campaigns.models import Campaign
from dispatch.meetings.models import PER_YEAR, Meeting, MeetingKind
from dispatch.meetings.schemas import CHANNELS, MeetingIn
from translations.locales import UnknownLanguageError, canonical_tag
from translations.strings.marking import N_
from translations.text import LanguageName, Text

MAX_HOURS = 12


def aware(name: str, moment: datetime | None, errors: list[str]) -> None:
    if moment is not None and moment.tzinfo is None:
        errors.append(
            Text(
                N_("%(name)s needs a time zone offset, such as 2027-03-04T10:00:00+01:00"),
                field=name,
                name=name,
            )
        )


def check_url(url: str, errors: list[str]) -> None:
    url = url.strip()
    parts = urlsplit(url)
    if (
        parts.scheme != "https"
        or not parts.netloc
        or len(url) > 2000
        or any(c in url for c in ' \r\n"<>')
    ):
        errors.append(
            Text(
                N_("the meeting link must be its https address, such as the one Teams gives"),
                field="join_url",
            )
        )


def check(
    data: MeetingIn, known: Sequence[str], now: datetime
) -> tuple[dict[str, dict[str, str]], list[str]]:
    errors: list[str] = []
    kinds = (MeetingKind.NETWORK, MeetingKind.TOPICAL)
    if data.kind not in kinds:
        errors.append(
            Text(
                N_("kind must be network or topical, not '%(kind)s'"), field="kind", kind=data.kind
            )
        )
    errors += chosen_networks(data.networks, known)[1]
    errors += [
        Text(
            N_("channel '%(channel)s' must be one of: email, sms, teams"),
            field="channels",
            channel=c,
        )
        for c in data.channels
        if c not in CHANNELS
    ]
    check_url(data.join_url, errors)
    content: dict[str, dict[str, str]] = {}
    for tag, text in data.content.items():
        try:
            canonical = canonical_tag(tag)
        except UnknownLanguageError:
            errors.append(Text(N_("'%(tag)s' is not a language tag we know"), tag=tag))
            continue
        if not text.title.strip():
            errors.append(
                Text(N_("%(language)s: the title is missing"), language=LanguageName(canonical))
            )
        elif len(text.title.strip()) > 200:
            errors.append(
                Text(
                    N_("%(language)s: the title is longer than %(limit)d characters"),
                    language=LanguageName(canonical),
                    limit=200,
                )
            )
        if len(text.agenda) > 10000:
            errors.append(
                Text(
                    N_("%(language)s: the agenda is longer than %(limit)d characters"),
                    language=LanguageName(canonical),
                    limit=10000,
                )
            )
        content[canonical] = {"title": text.title.strip(), "agenda": text.agenda.strip()}
    if not data.content:
        errors.append(Text(N_("give the title (and agenda) in at least one language")))
    for name, moment in (
        ("starts_at", data.starts_at),
        ("ends_at", data.ends_at),
        ("reminder_at", data.reminder_at),
    ):
        aware(name, moment, errors)
    if any("time zone" in e for e in errors):
        return content, errors
    if data.starts_at <= now:
        errors.append(Text(N_("the meeting must start in the future"), field="starts_at"))
    if not data.starts_at < data.ends_at <= data.starts_at + timedelta(hours=MAX_HOURS):
        errors.append(
            Text(
                N_("the meeting must end after it starts and at most %(hours)d hours later"),
                field="ends_at",
                hours=MAX_HOURS,
            )
        )
    if data.reminder_at is not None and not now < data.reminder_at < data.starts_at:
        errors.append(
            Text(
                N_("the reminder must be after now and before the meeting starts"),
                field="reminder_at",
            )
        )
    return content, errors


def default_reminder(starts_at: datetime, now: datetime) -> datetime | None:
    """The day before; none when the invitation itself goes out less than a day ahead."""
    moment = starts_at - timedelta(days=1)
    return moment if moment > now else None


async def warnings_for(
    session: AsyncSession, kind: str, networks: Sequence[str], starts_at: datetime
) -> list[str]:
    """A network's mandate foresees two network meetings and four topical ones a year; more is
    allowed, and said."""
    limit = PER_YEAR.get(MeetingKind(kind))
    if limit is None:
        return []
    rows = (
        await session.execute(
            select(Campaign.networks)
            .join(Meeting, Meeting.campaign_id == Campaign.id)
            .where(
                Meeting.kind == kind,
                Meeting.cancelled_at.is_(None),
                extract("year", Meeting.starts_at) == starts_at.year,
            )
        )
    ).all()
    warnings = []
    for network in networks:
        count = sum(1 for (nets,) in rows if network in nets) + 1
        if count > limit:
            warnings.append(
                f"this is {network}'s meeting number {count} of kind {kind} in "
                f"{starts_at.year}; the mandate foresees {limit}"
            )
    return warnings
