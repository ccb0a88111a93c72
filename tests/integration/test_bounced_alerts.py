"""Alerts to an address that bounced before (decision 0022): the e-mail still goes, the person's
SMS goes at the same time with the reason in its history, a second bounce sends no second SMS;
and the incident page shows the e-mail counts (accepted, bounced, replied) and why an SMS went.
On both databases (the declaration is written in SQL on PostgreSQL, in Python on SQLite)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.mail_server import ReceivedMessage
from dispatch import wiring
from dispatch.audit.service import Actor
from dispatch.delivery.models import Delivery
from dispatch.directory import bounces
from dispatch.directory.demo import load_demo
from dispatch.directory.models import Contact, Organisation
from dispatch.mailin.service import MailIn
from dispatch.security.links import Links
from dispatch.security.models import Role
from dispatch.settings import Settings
from tests.conftest import SECRET_KEY, RecordingEnqueuer
from tests.integration.test_dashboard import SignIn, signed_in  # noqa: F401 - a fixture
from tests.integration.test_mail_in import dsn, emails

DOMAIN = "svar.example"
MESSAGE = {"nb": {"subject": "Flom", "sms": "Flom i Voss.", "body": "Flom i Voss."}}
BOUNCED = "5.1.1 mailbox unknown"
ONLY_EMAIL = "solveig.berg@voss.kommune.example"
ONLY_EMAIL_PHONE = "+4741000999"
AHMED = "ahmed.hassan@oslo.kommune.example"
PER = "per.olsen@trondheim.kommune.example"


def mail_in(database_url: str, sessionmaker: async_sessionmaker[AsyncSession]) -> MailIn:
    settings = Settings(
        database_url=database_url, secret_key=SECRET_KEY, inbound_mail_domain=DOMAIN
    )
    return wiring.mail_in(settings, sessionmaker, RecordingEnqueuer())


async def given_flagged_addresses(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The demo directory, plus Solveig (e-mail only, with a mobile number), and three addresses
    flagged as bounced: Solveig's, Ahmed's (who gets SMS anyway) and Per's (no mobile)."""
    async with sessionmaker() as session:
        async with session.begin():
            await load_demo(session, actor=Actor("test"))
        oslo = await session.scalar(
            select(Organisation.id).where(Organisation.name == "Oslo kommune")
        )
    added = await coordinator_client.post(
        "/api/v1/contacts",
        json={
            "organisation_id": oslo,
            "name": "Solveig Berg",
            "email": ONLY_EMAIL,
            "phone": ONLY_EMAIL_PHONE,
            "channels": ["email"],
        },
    )
    assert added.status_code == 201, added.text
    async with sessionmaker() as session, session.begin():
        for address in (ONLY_EMAIL.upper(), AHMED, PER):  # flags are by address, any case
            await bounces.flag(session, address=address, reason=BOUNCED, delivery_id=0)


async def deliveries(
    sessionmaker: async_sessionmaker[AsyncSession], incident_id: int
) -> list[Delivery]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.incident_id == incident_id).order_by(Delivery.id)
        )
        return list(rows.all())


async def test_an_address_that_bounced_gets_the_sms_at_once_and_once(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
    database_url: str,
) -> None:
    await given_flagged_addresses(coordinator_client, sessionmaker)
    # When an alert goes by e-mail and SMS to NIK,
    declared = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": "Flom",
            "networks": ["NIK"],
            "status": "exercise",
            "channels": ["email", "sms"],
            "message": MESSAGE,
        },
    )
    assert declared.status_code == 201, declared.text
    incident = declared.json()
    rows = await deliveries(sessionmaker, incident["id"])
    by_address = {(d.address, d.channel): d for d in rows}

    # then Solveig, who takes only e-mail, gets it and her SMS beside it, queued at once,
    mail = by_address[(ONLY_EMAIL, "email")]
    sms = by_address[(ONLY_EMAIL_PHONE, "sms")]
    assert (sms.recipient_id, sms.fallback_of_id, sms.state) == (
        mail.recipient_id,
        mail.id,
        "queued",
    )
    assert sms.id in enqueued.ids
    assert incident["deliveries"]["planned"] == len(rows)
    # with the reason in its history, for the coordinator;
    listed = await coordinator_client.get(
        f"/api/v1/incidents/{incident['id']}/deliveries",
        params={"channel": "sms", "page_size": 500},
    )
    history = {d["id"]: d["history"] for d in listed.json()["items"]}
    assert [(e["kind"], e["detail"]) for e in history[sms.id]] == [("beside_bounced", BOUNCED)]
    # Ahmed, who takes SMS anyway, gets one SMS; Per, with no mobile, the e-mail alone.
    assert sorted(d.channel for d in rows if d.address in (AHMED, "+4741000100")) == [
        "email",
        "sms",
    ]
    assert [
        d.channel for d in rows if d.recipient_id == by_address[(PER, "email")].recipient_id
    ] == ["email"]
    stats = (await coordinator_client.get(f"/api/v1/incidents/{incident['id']}")).json()["stats"]
    assert stats["email"]["sms_beside_bounced"] == 1

    # When her e-mail bounces again, it fails, and no second SMS is written.
    await emails(sessionmaker, incident["id"])  # taken by the mail server
    handler = mail_in(database_url, sessionmaker)
    bounce = dsn("failed", "5.1.1", "mailbox unknown", "again")
    to = (Links("", SECRET_KEY, mail.id).address("bounce", DOMAIN),)
    await handler.receive(ReceivedMessage("192.0.2.1", "", to, bounce))
    after = await deliveries(sessionmaker, incident["id"])
    assert len(after) == len(rows)
    assert next(d for d in after if d.id == mail.id).state == "failed"

    # An update goes the same way: her SMS beside the e-mail.
    updated = await coordinator_client.post(
        f"/api/v1/incidents/{incident['id']}/updates", json={"message": MESSAGE}
    )
    assert updated.status_code == 201, updated.text
    latest = [d for d in await deliveries(sessionmaker, incident["id"]) if d.id > rows[-1].id]
    assert sorted(d.channel for d in latest if d.recipient_id == mail.recipient_id) == [
        "email",
        "sms",
    ]

    # When she answers the update's e-mail, her address works again: the flag goes, and the
    # next message is e-mail alone.
    answered = next(
        d for d in latest if d.recipient_id == mail.recipient_id and d.channel == "email"
    )
    reply = b"From: solveig@example.net\nMessage-ID: <s1@example.net>\n\nMottatt.\n"
    to = (Links("", SECRET_KEY, answered.id).address("reply", DOMAIN),)
    await handler.receive(ReceivedMessage("192.0.2.1", "solveig@example.net", to, reply))
    async with sessionmaker() as session:
        assert await bounces.flagged(session, [ONLY_EMAIL]) == {}
    closing = await coordinator_client.post(
        f"/api/v1/incidents/{incident['id']}/close", json={"message": MESSAGE}
    )
    assert closing.status_code == 200, closing.text
    last = [d for d in await deliveries(sessionmaker, incident["id"]) if d.id > latest[-1].id]
    assert [d.channel for d in last if d.recipient_id == mail.recipient_id] == ["email"]


async def test_a_corrected_address_is_no_longer_flagged_and_gets_no_extra_sms(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await given_flagged_addresses(coordinator_client, sessionmaker)
    async with sessionmaker() as session, session.begin():
        solveig = await session.scalar(select(Contact).where(Contact.email == ONLY_EMAIL))
        assert solveig is not None
        solveig.email = "solveig.berg2@voss.kommune.example"
    declared = await coordinator_client.post(
        "/api/v1/incidents",
        json={"title": "Flom", "networks": ["NIK"], "status": "exercise", "message": MESSAGE},
    )
    assert declared.status_code == 201, declared.text
    rows = await deliveries(sessionmaker, declared.json()["id"])
    assert ONLY_EMAIL_PHONE not in {d.address for d in rows}


async def test_the_incident_page_shows_accepted_bounced_and_replied(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    signed_in: SignIn,  # noqa: F811
    database_url: str,
) -> None:
    await given_flagged_addresses(coordinator_client, sessionmaker)
    declared = await coordinator_client.post(
        "/api/v1/incidents",
        json={"title": "Flom", "networks": ["NIK"], "status": "exercise", "message": MESSAGE},
    )
    incident: dict[str, Any] = declared.json()
    taken = await emails(sessionmaker, incident["id"])
    # Given two bounces and a reply that came back to mail-in,
    handler = mail_in(database_url, sessionmaker)
    for number, delivery in enumerate(taken[:2]):
        to = (Links("", SECRET_KEY, delivery.id).address("bounce", DOMAIN),)
        bounce = dsn("failed", "5.1.1", "mailbox unknown", f"b{number}")
        await handler.receive(ReceivedMessage("192.0.2.1", "", to, bounce))
    reply = b"From: a@example.net\nMessage-ID: <r1@example.net>\n\nMottatt.\n"
    to = (Links("", SECRET_KEY, taken[2].id).address("reply", DOMAIN),)
    await handler.receive(ReceivedMessage("192.0.2.1", "a@example.net", to, reply))

    # the coordinator's incident page (and the fragment it refreshes) counts them, in bokmål.
    browser = await signed_in(Role.COORDINATOR)
    for url in (f"/incidents/{incident['id']}", f"/incidents/{incident['id']}/progress"):
        page = await browser.get(url)
        assert page.status_code == 200
        html = page.text
        assert f'id="count-email-accepted">{len(taken)}<' in html
        assert 'id="count-email-bounced">2<' in html
        assert 'id="count-email-replied">1<' in html
        assert "Tatt imot av e-posttjeneren" in html
        assert "1 person hadde en e-postadresse som har kommet i retur før" in html
    # An incident without e-mail has no e-mail counts.
    sms_only = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": "SMS",
            "networks": ["NIK"],
            "status": "exercise",
            "channels": ["sms"],
            "message": MESSAGE,
        },
    )
    page = await browser.get(f"/incidents/{sms_only.json()['id']}")
    assert "count-email-accepted" not in page.text
