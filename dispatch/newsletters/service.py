"""Sending a newsletter, stopping it for one contact, and members' contributions.

A newsletter is a campaign of kind ``newsletter``: one target per contact with an e-mail address
who has not stopped newsletters, and one per network Teams channel (no contact), each with one
delivery in the outbox. It has no deadline and no timers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.campaigns.base import chosen_networks, find_by_idempotency_key, known_networks
from dispatch.campaigns.models import (
    Campaign,
    CampaignKind,
    CampaignState,
    CampaignTarget,
    TargetState,
)
from dispatch.db.base import utcnow
from dispatch.delivery import outbox
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.directory import validation
from dispatch.directory.models import Contact, Network
from dispatch.errors import InvalidInputError, NotFoundError
from dispatch.incidents.audience import contact_rows
from dispatch.lengths import Body, LanguageTag, Name, Subject, Word
from dispatch.newsletters.models import NewsletterContribution
from dispatch.newsletters.outbox import newsletter_items
from dispatch.security.links import read_token
from translations import strings
from translations.locales import UnknownLanguageError, canonical_tag, choose_language
from translations.strings.marking import N_
from translations.text import Text

CHANNELS = ("email", "teams")
MISSING = {
    "title": N_("the title is missing"),
    "name": N_("the name is missing"),
    "organisation": N_("the organisation is missing"),
    "text": N_("the text is missing"),
}
TOO_LONG = {
    "name": N_("the name is longer than %(limit)d characters"),
    "organisation": N_("the organisation is longer than %(limit)d characters"),
    "text": N_("the text is longer than %(limit)d characters"),
}


class Section(msgspec.Struct, forbid_unknown_fields=True):
    subject: Subject
    body: Body


class NewsletterIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Name
    networks: list[Word]
    content: dict[LanguageTag, Section]
    channels: list[Word] = msgspec.field(default_factory=lambda: list(CHANNELS))


@dataclass(slots=True)
class Sent:
    campaign: Campaign
    recipients: int
    delivery_ids: list[int]
    opted_out: int
    created: bool = True


def _check(data: NewsletterIn, known: Sequence[str]) -> tuple[dict[str, dict[str, str]], list[str]]:
    errors: list[str] = []
    if not data.title.strip():
        errors.append(Text(MISSING["title"], field="title"))
    errors += chosen_networks(data.networks, known)[1]
    errors += [
        Text(N_("channel '%(channel)s' must be email or teams"), field="channels", channel=c)
        for c in data.channels
        if c not in CHANNELS
    ]
    if not data.channels:
        errors.append(Text(N_("choose at least one channel: email or teams"), field="channels"))
    content: dict[str, dict[str, str]] = {}
    for tag, section in data.content.items():
        try:
            canonical = canonical_tag(tag)
        except UnknownLanguageError:
            errors.append(
                Text(N_("'%(tag)s' is not a language tag we know"), field="content", tag=tag)
            )
            continue
        if not section.subject.strip() or not section.body.strip():
            errors.append(
                Text(
                    N_("%(language)s: give both a subject and a body"),
                    field=f"content.{canonical}",
                    language=canonical,
                )
            )
        content[canonical] = {"subject": section.subject.strip(), "body": section.body.strip()}
    if not data.content:
        errors.append(Text(N_("write the newsletter in at least one language"), field="content"))
    return content, errors


async def send(
    session: AsyncSession, *, data: NewsletterIn, actor: Actor, idempotency_key: str | None
) -> Sent:
    """Write the newsletter and its deliveries; the caller commits and enqueues."""
    if idempotency_key and (existing := await find_by_idempotency_key(session, idempotency_key)):
        # The people, as the first answer counted them: not the networks' Teams channels.
        count = await session.scalar(
            select(func.count()).where(
                CampaignTarget.campaign_id == existing.id, CampaignTarget.contact_id.is_not(None)
            )
        )
        return Sent(existing, count or 0, [], 0, created=False)
    known = await known_networks(session)
    content, errors = _check(data, known)
    if errors:
        raise InvalidInputError.from_errors(errors)
    networks, _ = chosen_networks(data.networks, known)
    now = utcnow()
    campaign = Campaign(
        kind=CampaignKind.NEWSLETTER,
        networks=networks,
        state=CampaignState.FINISHED,
        finished_at=now,
        created_by=actor.label,
        idempotency_key=idempotency_key,
        title=data.title.strip(),
        content=content,
    )
    session.add(campaign)
    await session.flush()
    people: dict[int, dict[str, Any]] = {}
    opted_out: set[int] = set()
    for row in await contact_rows(session, networks):
        if not row.email:
            continue
        if row.newsletter_opt_out:
            opted_out.add(row.contact_id)
            continue
        entry = people.setdefault(
            row.contact_id,
            {
                "org": row.organisation_id,
                "email": row.email,
                "language": row.language,
                "nets": set(),
            },
        )
        entry["nets"].add(row.network)
    targets: list[tuple[CampaignTarget, str, str]] = []
    if "email" in data.channels:
        for contact_id, p in people.items():
            language, _ = choose_language(p["language"], list(content))
            target = CampaignTarget(
                campaign_id=campaign.id,
                contact_id=contact_id,
                organisation_id=p["org"],
                network_codes=sorted(p["nets"]),
                language=language,
                state=TargetState.CONFIRMED,
            )
            targets.append((target, "email", p["email"]))
    if "teams" in data.channels:
        webhooks = dict(
            (
                await session.execute(
                    select(Network.code, Network.teams_webhook_url).where(
                        Network.code.in_(networks), Network.teams_webhook_url.is_not(None)
                    )
                )
            ).all()
        )
        first_language = choose_language("nb", list(content))[0]
        for code, url in webhooks.items():
            target = CampaignTarget(
                campaign_id=campaign.id,
                contact_id=None,
                organisation_id=None,
                network_codes=[code],
                language=first_language,
                state=TargetState.CONFIRMED,
            )
            targets.append((target, "teams", str(url)))
    session.add_all([t for t, _, _ in targets])
    await session.flush()
    ids = await outbox.write(session, newsletter_items(targets))
    record(
        session,
        actor=actor,
        action="newsletter.sent",
        entity_type="campaign",
        entity_id=campaign.id,
        details={"networks": networks, "recipients": len(people), "opted_out": len(opted_out)},
    )
    return Sent(campaign, len(people), ids, len(opted_out))


async def get_newsletter(session: AsyncSession, campaign_id: int) -> Campaign:
    found = await session.get(Campaign, campaign_id)
    if found is None or found.kind != CampaignKind.NEWSLETTER:
        raise NotFoundError(Text(N_("There is no newsletter with id %(id)d."), id=campaign_id))
    return found


# --- Unsubscribing ------------------------------------------------------------------------------


async def contact_for_unsubscribe(
    session: AsyncSession, *, secret: str, token: str
) -> tuple[Contact, str]:
    """The contact a newsletter's unsubscribe token names, and the language it was sent in."""
    delivery_id = read_token(secret, token, purpose="unsubscribe")
    row = (
        (
            await session.execute(
                select(Contact, Delivery.language)
                .join(CampaignTarget, CampaignTarget.contact_id == Contact.id)
                .join(Delivery, Delivery.source_id == CampaignTarget.id)
                .where(Delivery.id == delivery_id, Delivery.source_kind == SourceKind.NEWSLETTER)
            )
        ).first()
        if delivery_id is not None
        else None
    )
    if row is None:
        raise NotFoundError(Text(strings.ACK_LINK_INVALID))
    return row[0], row[1]


async def unsubscribe(session: AsyncSession, contact: Contact) -> None:
    """Stop newsletters for this contact (however often asked); alerts are not affected."""
    if contact.newsletter_opt_out:
        return
    contact.newsletter_opt_out = True
    record(
        session,
        actor=Actor(f"contact:{contact.id} (unsubscribe link)"),
        action="contact.newsletter_stopped",
        entity_type="contact",
        entity_id=contact.id,
        details={},
    )


# --- Contributions ------------------------------------------------------------------------------


@dataclass(slots=True)
class Contribution:
    name: str
    organisation: str
    email: str
    text: str
    language: str


async def contribute(session: AsyncSession, given: Contribution) -> NewsletterContribution:
    errors: list[str] = []
    for field_name, limit in (("name", 200), ("organisation", 300), ("text", 10000)):
        value = getattr(given, field_name).strip()
        if not value:
            errors.append(Text(MISSING[field_name], field=field_name))
        elif len(value) > limit:
            errors.append(Text(TOO_LONG[field_name], field=field_name, limit=limit))
    email = None
    if given.email.strip():
        try:
            email = validation.email(given.email)
        except validation.InvalidValue as exc:
            errors.append(exc.reason)
    if errors:
        raise InvalidInputError.from_errors(errors)
    item = NewsletterContribution(
        name=given.name.strip(),
        organisation=given.organisation.strip(),
        email=email,
        text=given.text.strip(),
        language=given.language,
    )
    session.add(item)
    await session.flush()
    return item
