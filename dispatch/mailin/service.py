"""The edge for e-mail that comes back to ``b-<token>@`` and ``r-<token>@`` the inbound mail
domain: the token (an HMAC, like an acknowledgement link's) names the delivery; the message is
recorded once, and a bounce fails the delivery while a reply goes to the handler registered for
the delivery's kind of message.

    to b-…, a bounce, 5.x.x     the e-mail fails with the server's reason, the address is
                                flagged, the person's other channel is tried; for an alert the
                                person already acknowledged, only recorded
    to b-…, a bounce, 4.x.x     recorded (the server is still trying)
    automatic answers           recorded (out of office, Auto-Submitted, …): nothing more
    to r-… (or a person's
    message to b-…)             the handler for the delivery's kind (acknowledgement and field
                                report, newsletter contribution, …)
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from typing import cast

import structlog
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels import inbound_mail
from channels.mail_server import ReceivedMessage
from dispatch.acks.models import Acknowledgement
from dispatch.db.base import utcnow
from dispatch.db.upsert import insert_ignoring_conflicts
from dispatch.delivery import bounces, history
from dispatch.delivery.history import EventKind
from dispatch.delivery.models import Delivery, DeliveryState
from dispatch.delivery.ports import Enqueuer
from dispatch.delivery.sources import Sources
from dispatch.directory import bounces as flags
from dispatch.inbound.mail import MailReply, ReplyHandler
from dispatch.inbound.models import InboundMail, MailKind
from dispatch.security.links import ADDRESS_PREFIXES, read_address_token

log = structlog.get_logger("dispatch.mailin")

_PURPOSES = {prefix: purpose for purpose, prefix in ADDRESS_PREFIXES.items()}

UNDER_WAY = (DeliveryState.QUEUED, DeliveryState.SENDING)
"""States of a send not yet recorded as taken by the mail server."""
RECORD_WAIT_S = 20.0
"""How long a bounce waits for the send it is about to be recorded (a batch commits after its
last send) before it is refused for now."""
RECORD_POLL_S = 0.2


class SendNotRecordedError(RuntimeError):
    """A bounce arrived before its send was recorded: the SMTP server answers 451 (try later)."""


class MailIn:
    """What ``dispatch mail-in`` asks: which recipients are ours, and what to do with a message."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        secret: str,
        domain: str,
        sources: Sources,
        enqueuer: Enqueuer,
        replies: Mapping[str, ReplyHandler],
        other_replies: ReplyHandler,
        record_wait_s: float = RECORD_WAIT_S,
    ) -> None:
        self.record_wait_s = record_wait_s
        self._sessionmaker = sessionmaker
        self._secret = secret
        self._domain = domain.lower()
        self._sources = sources
        self._enqueuer = enqueuer
        self._replies = replies
        self._other_replies = other_replies

    def read_address(self, address: str) -> tuple[str, int] | None:
        """``(purpose, delivery id)`` of one of our addresses; None for any other."""
        local, at, domain = address.strip().strip("<>").rpartition("@")
        if not at or domain.lower() != self._domain:
            return None
        prefix, dash, token = local.partition("-")
        purpose = _PURPOSES.get(prefix.lower())
        if not dash or purpose is None:
            return None
        delivery_id = read_address_token(self._secret, token, purpose)
        return None if delivery_id is None else (purpose, delivery_id)

    async def accepts(self, address: str) -> bool:
        """Only addresses whose token is genuine: anything else at the domain is refused."""
        return self.read_address(address) is not None

    async def receive(self, message: ReceivedMessage) -> None:
        """Record and act on a message for each of our recipients, in one transaction; the
        fallbacks it wrote are queued once it is committed."""
        mail = inbound_mail.parse(message.data, envelope_sender=message.mail_from)
        if mail.bounce is not None:
            for recipient in message.recipients:
                read = self.read_address(recipient)
                if read is not None and read[0] == "bounce":
                    await self._until_recorded(read[1])
        fallbacks: list[int] = []
        async with self._sessionmaker() as session, session.begin():
            for recipient in message.recipients:
                read = self.read_address(recipient)
                if read is None:
                    continue
                purpose, delivery_id = read
                key = hashlib.sha256(
                    f"{purpose}:{delivery_id}:{mail.message_id}".encode()
                    + (b"" if mail.message_id else message.data)
                ).hexdigest()
                outcome = await self._handle(session, purpose, delivery_id, mail, key, fallbacks)
                log.info("mail_in", purpose=purpose, delivery_id=delivery_id, outcome=outcome)
        if fallbacks:
            self._enqueuer.enqueue(fallbacks)

    async def _until_recorded(self, delivery_id: int) -> None:
        """Wait until the worker has recorded the send a bounce is about. A mail server can
        bounce within milliseconds of taking an e-mail (an unknown local user), before the
        worker's batch is committed; read then, the bounce would find a send under way and
        change nothing. Past ``record_wait_s`` the message is refused for now (451), and the
        sending server offers it again later."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.record_wait_s
        while True:
            async with self._sessionmaker() as session:
                state = await session.scalar(
                    select(Delivery.state).where(Delivery.id == delivery_id)
                )
            if state not in UNDER_WAY:
                return
            if loop.time() >= give_up:
                raise SendNotRecordedError(
                    f"delivery {delivery_id} is still being sent; the bounce is refused for now"
                )
            await asyncio.sleep(RECORD_POLL_S)

    async def _handle(
        self,
        session: AsyncSession,
        purpose: str,
        delivery_id: int,
        mail: inbound_mail.InboundMail,
        key: str,
        fallbacks: list[int],
    ) -> str:
        delivery = (
            await session.execute(select(Delivery).where(Delivery.id == delivery_id))
        ).scalar_one_or_none()
        if delivery is None:
            return "unknown_delivery"  # erased, or its incident deleted
        if purpose == "bounce" and mail.bounce is not None:
            bounce = mail.bounce
            kind = MailKind.BOUNCE if bounce.permanent else MailKind.DELAY
            detail = bounce.reason
        elif mail.automatic:
            kind, detail = MailKind.AUTO_REPLY, mail.automatic
        else:
            kind, detail = MailKind.REPLY, None
        record = {
            "message_key": key,
            "delivery_id": delivery_id,
            "kind": kind.value,
            "status": mail.bounce.status
            if mail.bounce is not None and kind in (MailKind.BOUNCE, MailKind.DELAY)
            else None,
            "detail": detail,
            "outcome": "recorded",
            "received_at": utcnow(),
        }
        table = cast(Table, InboundMail.__table__)
        new = await insert_ignoring_conflicts(session, table, [record], key=["message_key"])
        if not new:
            return "repeated"
        outcome = await self._act(session, kind, delivery, mail, fallbacks)
        if outcome != "recorded":
            await session.execute(
                table.update().where(table.c.id == new[0]).values(outcome=outcome)
            )
        return outcome

    async def _act(
        self,
        session: AsyncSession,
        kind: MailKind,
        delivery: Delivery,
        mail: inbound_mail.InboundMail,
        fallbacks: list[int],
    ) -> str:
        if kind is MailKind.AUTO_REPLY:
            return "recorded"
        if kind is MailKind.DELAY:
            assert mail.bounce is not None
            await history.add(session, [(delivery.id, EventKind.BOUNCED_LATER, mail.bounce.reason)])
            return "recorded"
        if kind is MailKind.BOUNCE:
            assert mail.bounce is not None
            if await _acknowledged(session, delivery):
                return "already_acknowledged"
            written = await bounces.fail_bounced(
                session, self._sources, delivery_id=delivery.id, reason=mail.bounce.reason
            )
            if written is None:
                return "not_failed"
            if delivery.address:
                await flags.flag(
                    session,
                    address=delivery.address,
                    reason=mail.bounce.reason,
                    delivery_id=delivery.id,
                )
            fallbacks += written
            return "failed"
        if delivery.address:
            # A person answered what we sent to this address: it delivers again, and alerts
            # stop sending the SMS beside the e-mail (``incidents.beside_bounced``).
            await flags.unflag(session, [delivery.address])
        handler = self._replies.get(delivery.source_kind, self._other_replies)
        return await handler(
            session,
            MailReply(
                delivery_id=delivery.id,
                source_kind=delivery.source_kind,
                source_id=delivery.source_id,
                incident_id=delivery.incident_id,
                recipient_id=delivery.recipient_id,
                organisation_id=delivery.organisation_id,
                target=delivery.target,
                language=delivery.language,
                text=mail.text,
            ),
        )


async def _acknowledged(session: AsyncSession, delivery: Delivery) -> bool:
    """Whether the person this alert went to has acknowledged it (a bounce then changes nothing:
    the message reached them another way)."""
    if delivery.incident_id is None or delivery.recipient_id is None:
        return False
    found = await session.scalar(
        select(Acknowledgement.id).where(
            Acknowledgement.incident_id == delivery.incident_id,
            Acknowledgement.recipient_id == delivery.recipient_id,
        )
    )
    return found is not None
