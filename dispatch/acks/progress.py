"""Live progress of an incident: reach and acknowledgement per network, organisation, channel
and language, and the organisations where no one has acknowledged yet."""

from __future__ import annotations

from collections import Counter, defaultdict

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.acks.models import Acknowledgement
from dispatch.delivery.models import Delivery
from dispatch.directory.organisations import organisation_names
from dispatch.incidents.models import Recipient


class Reach(msgspec.Struct):
    recipients: int = 0
    acknowledged: int = 0


class OrganisationReach(msgspec.Struct):
    id: int
    name: str
    recipients: int
    acknowledged: int


class ChannelProgress(msgspec.Struct):
    deliveries: dict[str, int]
    acknowledged: int


class Progress(msgspec.Struct):
    incident_id: int
    recipients: int
    acknowledged: int
    by_network: dict[str, Reach]
    by_language: dict[str, Reach]
    by_channel: dict[str, ChannelProgress]
    organisations: list[OrganisationReach]
    silent_organisations: list[OrganisationReach]
    """Organisations where no one has acknowledged, for the coordinator to follow up."""


async def progress(session: AsyncSession, incident_id: int) -> Progress:
    """Counts for the dashboard; one query per dimension, no personal data."""
    recipients = (
        await session.execute(
            select(
                Recipient.id,
                Recipient.organisation_ids,
                Recipient.network_codes,
                Recipient.language,
            ).where(Recipient.incident_id == incident_id)
        )
    ).all()
    acks = dict(
        (
            await session.execute(
                select(Acknowledgement.recipient_id, Acknowledgement.via).where(
                    Acknowledgement.incident_id == incident_id
                )
            )
        ).all()
    )
    by_network: dict[str, Reach] = defaultdict(Reach)
    by_language: dict[str, Reach] = defaultdict(Reach)
    by_org: dict[int, Reach] = defaultdict(Reach)
    for rid, org_ids, networks, language in recipients:
        acked = rid in acks
        for bucket in (
            [by_language[language]]
            + [by_network[n] for n in networks]
            + [by_org[o] for o in org_ids]
        ):
            bucket.recipients += 1
            bucket.acknowledged += acked
    names = await organisation_names(session, by_org)
    organisations = sorted(
        (
            OrganisationReach(
                id=o, name=names.get(o, ""), recipients=r.recipients, acknowledged=r.acknowledged
            )
            for o, r in by_org.items()
        ),
        key=lambda x: (x.acknowledged > 0, x.name),
    )
    states = (
        await session.execute(
            select(Delivery.channel, Delivery.state, func.count())
            .where(Delivery.incident_id == incident_id)
            .group_by(Delivery.channel, Delivery.state)
        )
    ).all()
    by_channel: dict[str, ChannelProgress] = {}
    ack_via = Counter(acks.values())
    for channel, state, count in states:
        entry = by_channel.setdefault(channel, ChannelProgress(deliveries={}, acknowledged=0))
        entry.deliveries[state] = count
    # An SMS reply acknowledges through the SMS channel, a link through the e-mail it came in.
    for via, count in ack_via.items():
        through = {"sms": "sms", "link": "email"}.get(via)
        if through is not None and through in by_channel:
            by_channel[through].acknowledged = count
    return Progress(
        incident_id=incident_id,
        recipients=len(recipients),
        acknowledged=len(acks),
        by_network=dict(by_network),
        by_language=dict(by_language),
        by_channel=by_channel,
        organisations=organisations,
        silent_organisations=[o for o in organisations if o.acknowledged == 0],
    )
