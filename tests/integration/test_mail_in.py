"""``dispatch mail-in``'s edge on both databases: what a bounce, a repeated bounce, a bounce
after an acknowledgement, a delay notice and a reply to a newsletter each change; and the SMTP
server's refusals (unknown addresses, size, rate) over a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiosmtplib
import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.mail_server import ReceivedMessage
from dispatch import serving, wiring
from dispatch.acks.models import AckVia, FieldReport
from dispatch.acks.service import acknowledge
from dispatch.delivery.models import Delivery, DeliveryState
from dispatch.directory import bounces
from dispatch.inbound.models import InboundMail
from dispatch.mailin.service import MailIn, SendNotRecordedError
from dispatch.newsletters.models import NewsletterContribution
from dispatch.security.links import Links
from dispatch.settings import Settings
from tests.conftest import RecordingEnqueuer
from tests.factories import declare_demo_exercise
from tests.processes import free_port

DOMAIN = "svar.example"
MESSAGE = {"nb": {"subject": "Flom", "sms": "Flom i Voss.", "body": "Flom i Voss."}}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="mail-in-secret-key-of-at-least-32-bytes",
        inbound_mail_domain=DOMAIN,
        mail_in_max_bytes=20_000,
        mail_in_messages_per_minute=3,
    )


@pytest.fixture
def mail_in(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> tuple[MailIn, RecordingEnqueuer]:
    enqueued = RecordingEnqueuer()
    return wiring.mail_in(settings, sessionmaker, enqueued), enqueued


def dsn(action: str, status: str, words: str, message_id: str) -> bytes:
    return f"""\
From: MAILER-DAEMON@mx.example.net
To: someone
Subject: Undelivered Mail Returned to Sender
Message-ID: <{message_id}@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Not delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; someone@example.net
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 {status} {words}

--b--
""".encode()


async def emails(sessionmaker: async_sessionmaker[AsyncSession], incident: int) -> list[Delivery]:
    """The incident's e-mails, taken by the mail server as a worker would record them."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Delivery)
            .where(Delivery.incident_id == incident, Delivery.channel == "email")
            .values(state=DeliveryState.DELIVERED, sent_at=Delivery.created_at)
        )
        rows = await session.scalars(
            select(Delivery)
            .where(Delivery.incident_id == incident, Delivery.channel == "email")
            .order_by(Delivery.id)
        )
        return list(rows.all())


def address(settings: Settings, delivery: Delivery, purpose: str) -> str:
    return Links("", settings.secret_key, delivery.id).address(purpose, DOMAIN)


async def state_of(sessionmaker: async_sessionmaker[AsyncSession], delivery_id: int) -> Any:
    async with sessionmaker() as session:
        return (
            await session.execute(
                select(Delivery.state, Delivery.last_error).where(Delivery.id == delivery_id)
            )
        ).one()


async def test_bounces_fail_once_and_not_after_an_acknowledgement(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mail_in: tuple[MailIn, RecordingEnqueuer],
) -> None:
    handler, _ = mail_in
    incident = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Flom", message=MESSAGE
    )
    first, second, third = (await emails(sessionmaker, incident["id"]))[:3]

    # A permanent bounce fails the e-mail with the server's reason and flags the address.
    bounce = dsn("failed", "5.1.1", "<x@example.net>: mailbox unknown", "m1")
    message = ReceivedMessage("192.0.2.1", "", (address(settings, first, "bounce"),), bounce)
    await handler.receive(message)
    state, reason = await state_of(sessionmaker, first.id)
    assert state == "failed"
    assert reason == "bounced: 5.1.1 <…>: mailbox unknown"
    async with sessionmaker() as session:
        assert first.address is not None
        flagged = await bounces.flagged(session, [first.address])
    assert flagged[first.address].reason == "5.1.1 <…>: mailbox unknown"
    # The same bounce again (the server retried) is recorded and acted on once.
    await handler.receive(message)
    async with sessionmaker() as session:
        records = (await session.scalars(select(InboundMail))).all()
    assert [(r.delivery_id, r.kind, r.outcome) for r in records] == [(first.id, "bounce", "failed")]

    # A bounce for someone who already acknowledged changes nothing but the record.
    async with sessionmaker() as session, session.begin():
        assert second.recipient_id is not None
        await acknowledge(
            session,
            incident_id=incident["id"],
            recipient_id=second.recipient_id,
            via=AckVia.LINK,
            delivery_id=second.id,
        )
    late = dsn("failed", "5.2.2", "mailbox full", "m2")
    await handler.receive(
        ReceivedMessage("192.0.2.1", "", (address(settings, second, "bounce"),), late)
    )
    assert (await state_of(sessionmaker, second.id)).state == "delivered"

    # A delay notice (4.x.x) is recorded; the e-mail stays delivered.
    delayed = dsn("delayed", "4.4.7", "delayed", "m3")
    await handler.receive(
        ReceivedMessage("192.0.2.1", "", (address(settings, third, "bounce"),), delayed)
    )
    assert (await state_of(sessionmaker, third.id)).state == "delivered"
    async with sessionmaker() as session:
        outcomes = {
            r.delivery_id: (r.kind, r.status, r.outcome)
            for r in (await session.scalars(select(InboundMail))).all()
        }
        assert second.address is not None
        assert await bounces.flagged(session, [second.address]) == {}
    assert outcomes[second.id] == ("bounce", "5.2.2", "already_acknowledged")
    assert outcomes[third.id] == ("delay", "4.4.7", "recorded")


async def test_a_reply_acknowledges_once_and_keeps_only_the_members_words(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mail_in: tuple[MailIn, RecordingEnqueuer],
) -> None:
    handler, _ = mail_in
    incident = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Flom", message=MESSAGE
    )
    first = (await emails(sessionmaker, incident["id"]))[0]
    reply = (
        b"From: someone@example.net\nSubject: SV: Flom\nMessage-ID: <r1@example.net>\n\n"
        b"Mottatt, vi folger med.\n\nmvh\nOla\n\n> Flom i Voss.\n"
    )
    to = (address(settings, first, "reply"),)
    await handler.receive(ReceivedMessage("192.0.2.1", "someone@example.net", to, reply))
    again = reply.replace(b"<r1@", b"<r2@").replace(b"Mottatt", b"Mer: vannet stiger")
    await handler.receive(ReceivedMessage("192.0.2.1", "someone@example.net", to, again))
    acks = (
        await coordinator_client.get(f"/api/v1/incidents/{incident['id']}/acknowledgements")
    ).json()
    assert [a["via"] for a in acks] == ["email"]
    assert acks[0]["comment"] == "Mottatt, vi folger med."
    async with sessionmaker() as session:
        reports = (await session.scalars(select(FieldReport).order_by(FieldReport.id))).all()
    assert [(r.text, r.source, r.incident_id) for r in reports] == [
        ("Mottatt, vi folger med.", "email", incident["id"]),
        ("Mer: vannet stiger, vi folger med.", "email", incident["id"]),
    ]


async def test_a_reply_to_a_newsletter_is_a_contribution(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mail_in: tuple[MailIn, RecordingEnqueuer],
    demo: None,
) -> None:
    handler, _ = mail_in
    sent = await coordinator_client.post(
        "/api/v1/newsletters",
        json={
            "title": "Desember",
            "networks": ["NIFS"],
            "content": {"nb": {"subject": "Nyhetsbrev", "body": "Nytt."}},
            "channels": ["email"],
        },
    )
    assert sent.status_code == 201, sent.text
    async with sessionmaker() as session:
        letter = (
            await session.scalars(
                select(Delivery).where(Delivery.source_kind == "newsletter").limit(1)
            )
        ).one()
    reply = b"From: a@example.net\nMessage-ID: <n1@example.net>\n\nSpraakkafe hver tirsdag.\n"
    await handler.receive(
        ReceivedMessage("192.0.2.1", "a@example.net", (address(settings, letter, "reply"),), reply)
    )
    async with sessionmaker() as session:
        items = (await session.scalars(select(NewsletterContribution))).all()
    assert [(c.text, c.email) for c in items] == [("Spraakkafe hver tirsdag.", letter.address)]


@pytest.fixture
async def server(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[int]:
    port = free_port()
    running, counter = await serving.start_mail_in(
        settings, sessionmaker, RecordingEnqueuer(), host="127.0.0.1", port=port
    )
    yield port
    running.close()
    await running.wait_closed()
    await counter.close()


async def test_refusals_over_smtp(server: int, settings: Settings) -> None:
    genuine = Links("", settings.secret_key, 1).address("reply", DOMAIN)
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=server, timeout=10)
    await client.connect()
    await client.mail("someone@example.net")
    with pytest.raises(aiosmtplib.SMTPRecipientRefused) as refused:
        await client.rcpt(f"postmaster@{DOMAIN}")
    assert refused.value.code == 550
    with pytest.raises(aiosmtplib.SMTPRecipientRefused):
        await client.rcpt(f"r-1-{'a' * 26}@{DOMAIN}")
    assert (await client.rcpt(genuine))[0] == 250
    # Over the size limit: refused, nothing recorded.
    with pytest.raises(aiosmtplib.SMTPResponseException) as big:
        await client.data(b"Subject: x\r\n\r\n" + (b"y" * 70 + b"\r\n") * 400)
    assert big.value.code == 552
    # Three messages a minute per client address here; the fourth MAIL is put off.
    for _ in range(2):
        await client.rset()
        await client.mail("someone@example.net")
    await client.rset()
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as flood:
        await client.mail("someone@example.net")
    assert flood.value.code == 451
    await client.quit()


async def test_a_bounce_that_outruns_the_record_of_its_send_waits_for_it(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mail_in: tuple[MailIn, RecordingEnqueuer],
) -> None:
    handler, _ = mail_in
    handler.record_wait_s = 5.0
    incident = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Flom", message=MESSAGE
    )
    first, second = (await emails(sessionmaker, incident["id"]))[:2]

    async def being_sent(delivery_id: int, state: str) -> None:
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Delivery).where(Delivery.id == delivery_id).values(state=state)
            )

    # Given a mail server that bounced an e-mail before the worker recorded its send,
    await being_sent(first.id, "sending")
    bounce = dsn("failed", "5.1.1", "<x@example.net>: mailbox unknown", "early")
    early = handler.receive(
        ReceivedMessage("192.0.2.1", "", (address(settings, first, "bounce"),), bounce)
    )
    waiting = asyncio.ensure_future(early)
    await asyncio.sleep(0.5)
    assert not waiting.done()
    # when the worker's batch commits, the bounce fails the e-mail.
    await being_sent(first.id, "delivered")
    await asyncio.wait_for(waiting, timeout=5)
    assert (await state_of(sessionmaker, first.id)).state == "failed"

    # A send still under way past the wait: the bounce is refused for now (451), and nothing
    # is recorded, so the mail server's next offer is acted on.
    handler.record_wait_s = 0.5
    await being_sent(second.id, "sending")
    other = dsn("failed", "5.1.1", "<y@example.net>: mailbox unknown", "later")
    message = ReceivedMessage("192.0.2.1", "", (address(settings, second, "bounce"),), other)
    with pytest.raises(SendNotRecordedError):
        await handler.receive(message)
    await being_sent(second.id, "delivered")
    await handler.receive(message)
    assert (await state_of(sessionmaker, second.id)).state == "failed"
