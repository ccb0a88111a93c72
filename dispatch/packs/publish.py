"""Publishing a pack: an e-mail to each organisation's main contacts and a post to each network's
Teams channel, through the outbox; and what each publication reached."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit.service import Actor, record
from dispatch.db.base import utcnow
from dispatch.delivery import outbox
from dispatch.delivery.models import Delivery, DeliveryState, SourceKind
from dispatch.directory.models import Contact, Membership, Network, Organisation
from dispatch.errors import ConflictError, InvalidInputError
from dispatch.incidents.validation import check_networks
from dispatch.packs.models import PackPublication
from dispatch.packs.outbox import pack_item
from dispatch.packs.service import contents_of, get_pack, language_order
from translations.strings.marking import N_
from translations.text import Text


@dataclass(slots=True)
class Published:
    """What a publication wrote: its row, the deliveries to enqueue, and what it could not reach."""

    publication: PackPublication
    delivery_ids: list[int]
    organisations: int
    by_channel: dict[str, int]
    without_main_contact: list[str] = field(default_factory=list)
    created: bool = True


async def find_publication(session: AsyncSession, key: str) -> PackPublication | None:
    return await session.scalar(
        select(PackPublication).where(PackPublication.idempotency_key == key)
    )


async def publish(
    session: AsyncSession,
    *,
    pack_id: int,
    networks: Sequence[str],
    actor: Actor,
    idempotency_key: str | None = None,
) -> Published:
    """Write a publication and its deliveries: one e-mail per main contact of each organisation
    in the networks, one Teams post per network. The caller commits, then enqueues."""
    pack = await get_pack(session, pack_id)
    if idempotency_key and (earlier := await find_publication(session, idempotency_key)):
        return Published(earlier, [], 0, await _planned(session, earlier.id), created=False)
    errors: list[str] = []
    known = list((await session.scalars(select(Network.code).order_by(Network.id))).all())
    chosen = check_networks(errors, list(networks), known)
    if errors:
        raise InvalidInputError.from_errors(errors)
    languages = sorted(
        (c.language for c in await contents_of(session, pack.id) if c.approved is not None),
        key=language_order,
    )
    if not languages:
        raise ConflictError(
            Text(
                N_(
                    "Nothing to publish: no language of this pack is approved yet. A coordinator "
                    'approves a language by saving it with "approved": true.'
                )
            )
        )
    now = utcnow()
    publication = PackPublication(
        pack_id=pack.id,
        networks=chosen,
        languages=languages,
        published_by=actor.label,
        published_at=now,
        idempotency_key=idempotency_key,
    )
    session.add(publication)
    pack.published_at = pack.published_at or now
    await session.flush()
    organisations = (
        await session.execute(
            select(Organisation.id, Organisation.name)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .join(Network, Network.id == Membership.network_id)
            .where(Network.code.in_(chosen))
            .distinct()
        )
    ).all()
    contacts = (
        await session.execute(
            select(Contact.id, Contact.organisation_id, Contact.email, Contact.language)
            .where(
                Contact.organisation_id.in_([o.id for o in organisations]),
                Contact.active.is_(True),
                Contact.main_contact.is_(True),
                Contact.email.is_not(None),
            )
            .order_by(Contact.id)
        )
    ).all()
    reached = {c.organisation_id for c in contacts}
    items = [
        pack_item(
            publication,
            channel="email",
            target=f"contact:{c.id}",
            address=c.email,
            language=c.language,
            organisation_id=c.organisation_id,
        )
        for c in contacts
    ]
    webhooks = (
        await session.execute(
            select(Network.code, Network.teams_webhook_url).where(
                Network.code.in_(chosen), Network.teams_webhook_url.is_not(None)
            )
        )
    ).all()
    items += [
        pack_item(
            publication,
            channel="teams",
            target=f"network:{code}",
            address=url,
            language="nb",
            network_code=code,
        )
        for code, url in webhooks
    ]
    ids = await outbox.write(session, items)
    by_channel = {"email": len(contacts), "teams": len(webhooks)}
    missed = sorted(name for org_id, name in organisations if org_id not in reached)
    record(
        session,
        actor=actor,
        action="pack.published",
        entity_type="pack",
        entity_id=pack.id,
        details={
            "publication_id": publication.id,
            "networks": chosen,
            "languages": languages,
            "deliveries": by_channel,
        },
    )
    return Published(publication, ids, len(reached), by_channel, missed)


async def _planned(session: AsyncSession, publication_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Delivery.channel, func.count())
        .where(Delivery.source_kind == SourceKind.PACK, Delivery.source_id == publication_id)
        .group_by(Delivery.channel)
    )
    return {"email": 0, "teams": 0, **dict(rows.all())}


async def publications_of(
    session: AsyncSession, pack_id: int
) -> list[tuple[PackPublication, dict[str, int]]]:
    """Each publication, newest first, with its deliveries counted by state."""
    publications = (
        await session.scalars(
            select(PackPublication)
            .where(PackPublication.pack_id == pack_id)
            .order_by(PackPublication.id.desc())
        )
    ).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = await session.execute(
        select(Delivery.source_id, Delivery.state, func.count())
        .where(
            Delivery.source_kind == SourceKind.PACK,
            Delivery.source_id.in_([p.id for p in publications]),
        )
        .group_by(Delivery.source_id, Delivery.state)
    )
    for publication_id, state, n in rows.all():
        counts[publication_id or 0][state] = n
    return [
        (p, {s.value: counts[p.id].get(s.value, 0) for s in DeliveryState}) for p in publications
    ]
