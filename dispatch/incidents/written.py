"""An incident's recipients and deliveries, written by the database.

On PostgreSQL a declaration resolves its audience and writes its recipients in SQL, and every
version (the alert, an update, the closing message, a reminder) writes its deliveries from the
recipients with one ``INSERT … SELECT``: no Python object per person or per delivery. The
language each recipient gets is chosen once per distinct language (``choose_language``) and
joined in. SQLite (the embedded default) takes the Python path of ``audience.py`` and
``outbox.alert_items``, which the same rules describe and a test holds row for row against this
one (``tests/integration/test_declare_sql.py``).

People are merged as ``audience.merge_people`` merges them: contact rows that share an e-mail
address (any case) or a mobile number are one person. In SQL the rows go into a temporary table,
each labelled with its contact id, and each label spreads to every row sharing an address or a
number until none changes (label propagation: one round per link in the longest chain, two or
three in a real directory; each round touches only the rows of addresses with two labels).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.delivery import outbox
from dispatch.delivery.models import DeliveryState, SourceKind
from dispatch.delivery.outbox import PRIORITY_FIRST, PRIORITY_REST, OutboxItem
from dispatch.incidents.audience import Person
from dispatch.incidents.beside_bounced import sms_beside_bounced
from dispatch.incidents.models import Incident, MessageVersion, Recipient
from dispatch.incidents.outbox import alert_items
from dispatch.incidents.version_preview import person_of
from translations.locales import choose_language

MAX_ROUNDS = 64
"""Label propagation rounds at most: a chain of more people linked one to the next by shared
addresses than this is not a directory (each round is one more link of the chain)."""

_AUDIENCE = """
CREATE TEMPORARY TABLE audience_rows ON COMMIT DROP AS
SELECT c.id AS contact_id, c.organisation_id, n.code AS network, c.email,
       lower(c.email) AS email_key, c.phone, c.language, c.channels::jsonb AS channels,
       c.main_contact, c.id AS person
FROM contacts c
JOIN memberships m ON m.organisation_id = c.organisation_id
JOIN networks n ON n.id = m.network_id
WHERE c.active AND n.code = ANY($1::text[])
"""

_SPREAD = """
UPDATE audience_rows a SET person = shared.person
FROM (SELECT {key} AS key, min(person) AS person FROM audience_rows
      WHERE {key} IS NOT NULL GROUP BY {key} HAVING min(person) <> max(person)) shared
WHERE a.{key} = shared.key AND a.person > shared.person
"""

# The main-contact row, else the first by contact id, decides the language; the first such row
# with an address gives it. Lists are sorted and distinct, as ``audience._person`` makes them.
_RECIPIENTS = """
INSERT INTO recipients (incident_id, person_key, contact_id, contact_ids, organisation_ids,
                        network_codes, email, phone, language, channels, main_contact)
SELECT $1, lower(coalesce(p.email, '')) || '|' || coalesce(p.phone, ''), p.contact_ids[1],
       p.contact_ids, p.organisation_ids, p.network_codes, p.email, p.phone, p.language,
       p.channels, p.main_contact
FROM (
  SELECT array_agg(DISTINCT contact_id ORDER BY contact_id) AS contact_ids,
         array_agg(DISTINCT organisation_id ORDER BY organisation_id) AS organisation_ids,
         array_agg(DISTINCT network::text COLLATE "C" ORDER BY network::text COLLATE "C")
           AS network_codes,
         (array_agg(email ORDER BY NOT main_contact, contact_id)
           FILTER (WHERE email IS NOT NULL))[1] AS email,
         (array_agg(phone ORDER BY NOT main_contact, contact_id)
           FILTER (WHERE phone IS NOT NULL))[1] AS phone,
         (array_agg(language ORDER BY NOT main_contact, contact_id))[1] AS language,
         array_remove(ARRAY[
           CASE WHEN bool_or(channels ? 'email') THEN 'email' END,
           CASE WHEN bool_or(channels ? 'sms') THEN 'sms' END], NULL) AS channels,
         bool_or(main_contact) AS main_contact
  FROM audience_rows GROUP BY person
) p
ORDER BY p.contact_ids[1]
"""

# One row per recipient and channel the incident uses and the person has an address for. The
# ids come back with what orders them for sending (``alert_items``' order).
_DELIVERIES = """
INSERT INTO deliveries (source_kind, source_id, channel, target, address, language, priority,
                        fallback, incident_id, recipient_id, state, attempts, lookups,
                        possible_duplicate, created_at, enqueued_at)
SELECT $1, $2, ch.channel, 'recipient:' || r.id,
       CASE ch.channel WHEN 'email' THEN r.email ELSE r.phone END,
       l.chosen, CASE WHEN r.main_contact THEN $9::int ELSE $10::int END, l.fallback, $3, r.id,
       $4, 0, 0, false, now(), now()
FROM recipients r
JOIN unnest($5::text[], $6::text[], $7::bool[]) AS l(preferred, chosen, fallback)
  ON l.preferred = r.language
CROSS JOIN unnest($8::text[]) AS ch(channel)
WHERE r.incident_id = $3 AND ch.channel = ANY(r.channels)
  AND CASE ch.channel WHEN 'email' THEN r.email ELSE r.phone END IS NOT NULL
ON CONFLICT (source_kind, source_id, target, channel) DO NOTHING
RETURNING id, priority, channel
"""


def in_sql(session: AsyncSession) -> bool:
    """Whether this session's database writes the rows itself (PostgreSQL)."""
    bind = session.bind
    return bind is not None and bind.dialect.name == "postgresql"


async def _driver(session: AsyncSession) -> Any:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def write_recipients(session: AsyncSession, incident_id: int, networks: Sequence[str]) -> int:
    """Resolve the audience of ``networks`` and write one recipient per person, in SQL;
    returns how many. PostgreSQL only (``in_sql``)."""
    driver = await _driver(session)
    await driver.execute("DROP TABLE IF EXISTS audience_rows")
    await driver.execute(_AUDIENCE, list(networks))
    for _ in range(MAX_ROUNDS):
        changed = 0
        for key in ("email_key", "phone"):
            status = await driver.execute(_SPREAD.format(key=key))
            changed += int(status.rsplit(" ", 1)[-1])
        if not changed:
            break
    else:
        raise RuntimeError(f"people still merging after {MAX_ROUNDS} rounds")
    status = await driver.execute(_RECIPIENTS, incident_id)
    await driver.execute("DROP TABLE audience_rows")
    return int(status.rsplit(" ", 1)[-1])


def teams_items(
    incident: Incident, version: MessageVersion, webhooks: Mapping[str, str]
) -> list[OutboxItem]:
    """One item per network's Teams channel (sent first, in bokmål or the nearest language)."""
    if "teams" not in incident.channels:
        return []
    lang, is_fallback = choose_language("nb", list(version.content))
    return [
        OutboxItem(
            source_kind=SourceKind.INCIDENT,
            source_id=version.id,
            incident_id=incident.id,
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


async def write_deliveries(
    session: AsyncSession,
    incident: Incident,
    version: MessageVersion,
    webhooks: Mapping[str, str],
) -> list[int]:
    """Every delivery of ``version`` to the incident's recorded recipients and its networks'
    Teams channels; the ids in sending order (main contacts and Teams first, SMS first within
    a priority), and the SMS that go at once beside e-mail to addresses that bounced before
    (``beside_bounced``). The caller commits, then enqueues them."""
    if not in_sql(session):
        recipients = (
            await session.scalars(
                select(Recipient).where(Recipient.incident_id == incident.id).order_by(Recipient.id)
            )
        ).all()
        people: list[tuple[int, Person]] = [(r.id, person_of(r)) for r in recipients]
        ids = await outbox.write(session, alert_items(incident, version, people, webhooks))
        return [*await sms_beside_bounced(session, version), *ids]
    teams = await outbox.write(session, teams_items(incident, version, webhooks))
    driver = await _driver(session)
    preferred = [
        r[0]
        for r in await driver.fetch(
            "SELECT DISTINCT language FROM recipients WHERE incident_id = $1", incident.id
        )
    ]
    chosen = [choose_language(lang, list(version.content)) for lang in preferred]
    channels = [c for c in ("email", "sms") if c in incident.channels]
    rows = await driver.fetch(
        _DELIVERIES,
        str(SourceKind.INCIDENT),
        version.id,
        incident.id,
        DeliveryState.QUEUED.value,
        preferred,
        [lang for lang, _ in chosen],
        [fallback for _, fallback in chosen],
        channels,
        PRIORITY_FIRST,
        PRIORITY_REST,
    )
    # ``alert_items``' order: main contacts' SMS, the Teams channels, main contacts' e-mail,
    # then everyone else's SMS and e-mail; by recipient within each.
    ordered = sorted(rows, key=lambda r: (r[1], r[2] != "sms", r[0]))
    first_sms = [r[0] for r in ordered if r[1] == PRIORITY_FIRST and r[2] == "sms"]
    rest = [r[0] for r in ordered if not (r[1] == PRIORITY_FIRST and r[2] == "sms")]
    beside = await sms_beside_bounced(session, version)
    return [*first_sms, *beside, *teams, *rest]
