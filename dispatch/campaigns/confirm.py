"""The contact's side of the list review: the confirm link, and confirming (with corrections,
or naming someone to take over)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.campaigns.models import Campaign, CampaignState, CampaignTarget, TargetState
from dispatch.db.base import utcnow
from dispatch.delivery.models import Delivery, SourceKind
from dispatch.directory import validation
from dispatch.directory.contacts import update_contact
from dispatch.directory.models import Contact, Organisation
from dispatch.directory.schemas import ContactPatch
from dispatch.errors import InvalidInputError, NotFoundError
from dispatch.security.links import read_token
from translations import strings
from translations.strings.marking import N_
from translations.text import Text


@dataclass(slots=True)
class Confirming:
    """What a confirm link points at."""

    target: CampaignTarget
    campaign: Campaign
    contact: Contact | None
    organisation: str


async def resolve_confirm(session: AsyncSession, *, secret: str, token: str) -> Confirming:
    """The target a confirm token names; a 404 for a wrong, altered or unknown token."""
    delivery_id = read_token(secret, token, purpose="confirm")
    target_id = (
        await session.scalar(
            select(Delivery.source_id).where(
                Delivery.id == delivery_id, Delivery.source_kind == SourceKind.LIST_REVIEW
            )
        )
        if delivery_id is not None
        else None
    )
    target = await session.get(CampaignTarget, target_id) if target_id is not None else None
    if target is None:
        raise NotFoundError(Text(strings.ACK_LINK_INVALID))
    campaign = await session.get(Campaign, target.campaign_id)
    assert campaign is not None
    contact = await session.get(Contact, target.contact_id) if target.contact_id else None
    organisation = await session.get(Organisation, target.organisation_id)
    return Confirming(target, campaign, contact, organisation.name if organisation else "")


def is_open(found: Confirming) -> bool:
    """Whether the contact can still answer: before the deadline, and not deactivated."""
    return (
        found.campaign.state == CampaignState.ACTIVE
        and found.target.state != TargetState.DEACTIVATED
        and found.contact is not None
    )


@dataclass(slots=True)
class Answer:
    name: str
    email: str
    phone: str
    language: str
    replacement: dict[str, str] = field(default_factory=dict)


async def answer(session: AsyncSession, found: Confirming, given: Answer) -> str:
    """Confirm, with corrections applied through the directory's own checks; ``"replacement"``
    when the contact named someone else, else ``"confirmed"``. The caller commits."""
    contact = found.contact
    assert contact is not None
    actor = Actor(f"contact:{contact.id} (list review)")
    before = {
        "name": contact.name,
        "email": contact.email or "",
        "phone": contact.phone or "",
        "language": contact.language,
    }
    wanted = {
        "name": given.name,
        "email": given.email,
        "phone": given.phone,
        "language": given.language,
    }
    changed = {k: v for k, v in wanted.items() if v != before[k]}
    if changed:
        patch = ContactPatch()
        for key, value in changed.items():
            setattr(patch, key, (value or None) if key in ("email", "phone") else value)
        await update_contact(session, contact_id=contact.id, patch=patch, actor=actor)
    replacement = {k: v.strip() for k, v in given.replacement.items() if v.strip()}
    if replacement:
        errors: list[str] = []
        if "email" in replacement:
            try:
                replacement["email"] = validation.email(replacement["email"])
            except validation.InvalidValue as exc:
                errors.append(
                    Text(
                        N_("the replacement's e-mail: %(reason)s"),
                        field="replacement_email",
                        reason=exc.reason,
                    )
                )
        if "phone" in replacement:
            try:
                replacement["phone"] = validation.mobile(replacement["phone"])
            except validation.InvalidValue as exc:
                errors.append(
                    Text(
                        N_("the replacement's number: %(reason)s"),
                        field="replacement_phone",
                        reason=exc.reason,
                    )
                )
        if errors:
            raise InvalidInputError.from_errors(errors)
    found.target.state = TargetState.CONFIRMED
    found.target.answered_at = utcnow()
    found.target.changes = {k: [before[k], v] for k, v in changed.items()} or None
    found.target.replacement = replacement or None
    contact.last_confirmed_at = utcnow()
    record(
        session,
        actor=actor,
        action="contact.confirmed",
        entity_type="contact",
        entity_id=contact.id,
        details={
            "campaign_id": found.campaign.id,
            "changed": sorted(changed),
            "named_replacement": bool(replacement),
        },
    )
    return "replacement" if replacement else "confirmed"
