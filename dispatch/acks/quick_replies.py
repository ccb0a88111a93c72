"""The commonest SMS reply, "OK 4821" to an open alert, taken in one statement on PostgreSQL.

Through the inbound router's handlers a reply costs several round trips and ORM objects: the
opt-out check, the meeting answers' two queries, the number's records with their incidents, the
insert, the inbound record and its answer, and the commit (about 240 replies a second on the
benchmark machine). Here one statement checks what those handlers would, records the reply
(its provider id with the answer, so a provider's retry is answered the same) and the
acknowledgement, and returns the answer, in its own implicit transaction.

It takes a reply only when the handlers would certainly do the same with it:

- the words are a plain yes with the alert's code and nothing more, read so in the language of
  the number's newest record (the language the acknowledgement handler reads it in), so no
  STOP, no START, no text for the field-report inbox;
- the code is an open incident's to which the number was alerted;
- no coming meeting of that code invited the number (a meeting answer goes first);
- the provider had not delivered it before (a repeat is answered by the router as stored).

Anything else writes nothing here and goes through the handlers as before.
"""

from __future__ import annotations

from functools import lru_cache

from dispatch.db.direct import DirectPool
from dispatch.inbound.replies import ReplyKind, SmsAnswer, parse_reply
from dispatch.inbound.router import Inbound
from translations import strings
from translations.catalog import available_languages, translator

OUTCOME = "acknowledged"
"""The router's log outcome, as the acknowledgement handler names a plain confirmation."""

_ACK_BY_SMS = """
WITH given AS (
  SELECT $1::varchar AS phone, $2::varchar AS code, $3::text[] AS readers,
         $4::text[] AS tags, $5::text[] AS answers, $6::varchar AS key
), newest AS (
  SELECT r.language
  FROM recipients r JOIN incidents i ON i.id = r.incident_id
  WHERE r.phone = (SELECT phone FROM given)
  ORDER BY i.declared_at DESC, i.id DESC
  LIMIT 1
), target AS (
  SELECT r.id AS recipient_id, r.incident_id,
         g.answers[array_position(g.tags, r.language::text)] AS answer, g.key
  FROM given g
  JOIN recipients r ON r.phone = g.phone
  JOIN incidents i ON i.id = r.incident_id
  WHERE i.code = g.code AND i.state = 'active'
    AND r.language = ANY(g.tags)
    AND (SELECT language FROM newest) = ANY(g.readers)
    AND NOT EXISTS (
      SELECT 1
      FROM campaign_targets t
      JOIN meetings m ON m.campaign_id = t.campaign_id
      JOIN contacts c ON c.id = t.contact_id
      WHERE c.phone = g.phone AND m.code = g.code AND m.cancelled_at IS NULL
        AND m.starts_at > now()
    )
  ORDER BY i.declared_at DESC, i.id DESC
  LIMIT 1
), inbound AS (
  INSERT INTO inbound_sms (message_sid, received_at, answer)
  SELECT key, now(), answer FROM target WHERE key <> ''
  ON CONFLICT (message_sid) DO NOTHING
  RETURNING id
), written AS (
  INSERT INTO acknowledgements (incident_id, recipient_id, via, at)
  SELECT incident_id, recipient_id, 'sms', now() FROM target
  WHERE key = '' OR EXISTS (SELECT 1 FROM inbound)
  ON CONFLICT (incident_id, recipient_id) DO NOTHING
  RETURNING id
)
SELECT answer, key = '' OR EXISTS (SELECT 1 FROM inbound) AS new FROM target
"""


@lru_cache(maxsize=1)
def _answers() -> tuple[list[str], list[str]]:
    """Every catalog language, and the confirmation each is answered with."""
    tags = sorted(available_languages())
    return tags, [translator(tag).gettext(strings.SMS_REPLY_CONFIRMED) for tag in tags]


@lru_cache(maxsize=4096)
def plain_yes(body: str) -> tuple[str, list[str]] | None:
    """The code of a reply that is a plain yes with a code and nothing more, and the languages
    it reads so in; None when it is anything else in any language."""
    tags, _ = _answers()
    code = None
    readers = []
    for tag in tags:
        reply = parse_reply(body, tag)
        if reply.kind == ReplyKind.ACK and reply.code and not reply.rest:
            code = code or reply.code
            if reply.code == code:
                readers.append(tag)
    return (code, readers) if code and readers else None


async def acknowledge_by_sms(direct: DirectPool, message: Inbound, key: str) -> SmsAnswer | None:
    """Acknowledge a plain "OK 4821" in one statement and say what to answer; None, having
    written nothing, for any other message (the router's handlers take it)."""
    found = plain_yes(message.text)
    if found is None or not message.sender:
        return None
    code, readers = found
    tags, answers = _answers()
    row = await direct.fetchrow(_ACK_BY_SMS, message.sender, code, readers, tags, answers, key)
    if row is None or not row["new"]:
        return None
    return SmsAnswer(row["answer"], OUTCOME)
