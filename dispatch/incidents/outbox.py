"""An incident's messages in the outbox: the alert, updates, the closing message and reminders.

``alert_items`` turns a message version and its audience into outbox items; ``IncidentSource``
is what the delivery engine asks to load and render them, and to name a person's other channel
when one fails for good.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelKind, OutgoingMessage
from dispatch.delivery import compose
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.delivery.outbox import PRIORITY_FIRST, PRIORITY_REST, OutboxItem
from dispatch.delivery.sources import Job
from dispatch.directory.labels import network_label, network_names
from dispatch.directory.organisations import organisation_names
from dispatch.incidents import render
from dispatch.incidents.audience import Person
from dispatch.incidents.models import Incident, MessageKind, MessageVersion, Recipient
from dispatch.security.links import Links
from translations.locales import choose_language

OTHER_CHANNEL = {
    ChannelKind.SMS.value: ChannelKind.EMAIL.value,
    ChannelKind.EMAIL.value: ChannelKind.SMS.value,
}

RENDER_CACHE = 4096
"""Rendered texts kept per process: one per message version, language, channel and
organisation, so a fan-out renders each once, not once per person."""


def personal_channels(person: Person, channels: Sequence[str]) -> list[str]:
    """The incident's channels this person can be reached on, e-mail first."""
    available = {"email": person.email, "sms": person.phone}
    return [c for c in ("email", "sms") if c in channels and c in person.channels and available[c]]


def alert_items(
    incident: Incident,
    version: MessageVersion,
    people: Sequence[tuple[int, Person]],
    webhooks: Mapping[str, str],
) -> list[OutboxItem]:
    """One item per person and channel, and one per network's Teams channel, in sending order:
    main contacts and Teams first, SMS first within a priority (it is read soonest)."""
    languages = list(version.content)
    items: list[OutboxItem] = []

    def item(**values: Any) -> OutboxItem:
        return OutboxItem(
            source_kind=SourceKind.INCIDENT, source_id=version.id, incident_id=incident.id, **values
        )

    if "teams" in incident.channels:
        lang, is_fallback = choose_language("nb", languages)
        items += [
            item(
                channel="teams",
                target=f"network:{network}",
                address=url,
                language=lang,
                fallback=is_fallback,
                priority=PRIORITY_FIRST,
                network_code=network,
            )
            for network, url in webhooks.items()
        ]
    for recipient_id, person in people:
        lang, is_fallback = choose_language(person.language, languages)
        priority = PRIORITY_FIRST if person.main_contact else PRIORITY_REST
        for channel in personal_channels(person, incident.channels):
            address = person.email if channel == "email" else person.phone
            items.append(
                item(
                    channel=channel,
                    target=f"recipient:{recipient_id}",
                    address=address or "",
                    language=lang,
                    fallback=is_fallback,
                    priority=priority,
                    recipient_id=recipient_id,
                )
            )
    items.sort(key=lambda i: (i.priority, i.channel != "sms"))
    return items


@dataclass(frozen=True, slots=True)
class AlertJob:
    """What rendering one incident delivery needs."""

    version_id: int
    status: str
    code: str
    ack_required: bool
    reminder: bool
    content: Mapping[str, str]
    """The version's fields in the delivery's language (else its first language)."""
    organisation: str
    network: str
    personal: bool
    """A person's delivery (not a network's Teams channel): it may carry an ack link."""
    silent: tuple[str, ...] = ()
    """For a main contact's escalation: their organisations that had not confirmed, by name."""


class IncidentSource:
    """The delivery engine's view of incident messages."""

    kind = SourceKind.INCIDENT

    def __init__(self) -> None:
        self._cache: dict[tuple[Any, ...], OutgoingMessage] = {}

    async def load(self, session: AsyncSession, jobs: Sequence[Job]) -> Mapping[int, Any]:
        rows = (
            await session.execute(
                select(
                    Delivery.id,
                    Delivery.network_code,
                    MessageVersion.id.label("version_id"),
                    MessageVersion.kind,
                    MessageVersion.content,
                    MessageVersion.silent_organisation_ids,
                    Incident.status,
                    Incident.code,
                    Incident.ack_required,
                    Recipient.organisation_ids,
                    Recipient.network_codes,
                )
                .join(MessageVersion, MessageVersion.id == Delivery.source_id)
                .join(Incident, Incident.id == MessageVersion.incident_id)
                .outerjoin(Recipient, Recipient.id == Delivery.recipient_id)
                .where(Delivery.id.in_([j.id for j in jobs]))
            )
        ).all()
        languages = {j.id: j.language for j in jobs}
        org_names = await organisation_names(
            session,
            {r.organisation_ids[0] for r in rows if r.organisation_ids}
            | {o for r in rows for o in _silent_of(r.organisation_ids, r.silent_organisation_ids)},
        )
        names = await network_names(session)
        loaded: dict[int, AlertJob] = {}
        for r in rows:
            network = r.network_code or (r.network_codes[0] if r.network_codes else "")
            content = r.content.get(languages[r.id]) or next(iter(r.content.values()))
            loaded[r.id] = AlertJob(
                version_id=r.version_id,
                status=r.status,
                code=r.code,
                ack_required=r.ack_required,
                reminder=r.kind in (MessageKind.REMINDER, MessageKind.ESCALATION),
                content=content,
                organisation=org_names.get(r.organisation_ids[0], "") if r.organisation_ids else "",
                network=network_label(network, names),
                personal=r.network_codes is not None,
                silent=tuple(
                    org_names.get(o, "")
                    for o in _silent_of(r.organisation_ids, r.silent_organisation_ids)
                ),
            )
        return loaded

    def render(self, job: Job, links: Links) -> OutgoingMessage:
        alert: AlertJob = job.payload
        key = (alert.version_id, job.language, job.channel, alert.organisation, alert.network,
               alert.silent, links.base_url)  # fmt: skip
        shared = self._cache.get(key)
        if shared is None:
            if len(self._cache) >= RENDER_CACHE:
                self._cache.clear()
            shared = self._cache[key] = _render(job, alert, links.base_url)
        link = ""
        if job.channel == ChannelKind.EMAIL and alert.personal and alert.ack_required:
            link = links.url("/ack", "ack")
        return _addressed(shared, job, link=link)

    async def fallbacks(self, session: AsyncSession, failed: Sequence[Job]) -> list[OutboxItem]:
        personal = [j for j in failed if j.recipient_id is not None and j.channel in OTHER_CHANNEL]
        if not personal:
            return []
        rows = {
            r.id: r
            for r in (
                await session.execute(
                    select(
                        Delivery.id,
                        Delivery.incident_id,
                        Delivery.target,
                        Delivery.fallback,
                        Recipient.email,
                        Recipient.phone,
                    )
                    .join(Recipient, Recipient.id == Delivery.recipient_id)
                    .where(Delivery.id.in_([j.id for j in personal]))
                )
            ).all()
        }
        items = []
        for job in personal:
            row = rows.get(job.id)
            other = OTHER_CHANNEL[job.channel]
            address = None if row is None else (row.email if other == "email" else row.phone)
            if row is None or not address:
                continue
            items.append(
                OutboxItem(
                    source_kind=SourceKind.INCIDENT,
                    source_id=job.source_id,
                    channel=other,
                    target=row.target,
                    address=address,
                    language=job.language,
                    priority=job.priority,
                    fallback=row.fallback,
                    incident_id=row.incident_id,
                    recipient_id=job.recipient_id,
                    fallback_of_id=job.id,
                )
            )
        return items


def _silent_of(
    organisation_ids: Sequence[int] | None, silent_ids: Sequence[int] | None
) -> list[int]:
    """The person's organisations among those an escalation found silent, in their order."""
    if not organisation_ids or not silent_ids:
        return []
    silent = set(silent_ids)
    return [o for o in organisation_ids if o in silent]


LINK = "\x1fLINK\x1f"
"""Stands for a person's link in a cached rendering (a character no text contains)."""


def _render(job: Job, alert: AlertJob, base_url: str) -> OutgoingMessage:
    """The message as every recipient of this version, language, channel and organisation gets
    it, with ``LINK`` where a personal link goes."""
    content = dict(alert.content)
    if job.channel == ChannelKind.SMS:
        text = render.sms_text(
            status=alert.status,
            lang=job.language,
            sms=render.with_reminder(job.language, content["sms"], alert.reminder, alert.silent),
            code=alert.code,
            ack_required=alert.ack_required,
        )
        return compose.sms(job, text)
    if job.channel == ChannelKind.EMAIL:
        link = LINK if alert.personal and alert.ack_required else ""
        mail = render.email(
            status=alert.status,
            lang=job.language,
            content=render.content_with_reminder(
                job.language, content, alert.reminder, alert.silent
            ),
            link=link,
            organisation=alert.organisation,
            network=alert.network,
            base_url=base_url,
        )
        return compose.outgoing(job, mail, link=link)
    rendered = render.teams(status=alert.status, lang=job.language, content=content)
    return compose.outgoing(job, rendered)


def _addressed(shared: OutgoingMessage, job: Job, *, link: str = "") -> OutgoingMessage:
    """The cached rendering for this job's address, with its own link put in."""
    if not link:
        return replace(shared, to=job.address, reference=str(job.id))
    return replace(
        shared,
        to=job.address,
        reference=str(job.id),
        text=shared.text.replace(LINK, link),
        html=shared.html.replace(LINK, str(escape(link))),
        link=link,
    )
