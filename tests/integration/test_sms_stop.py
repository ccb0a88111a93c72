"""An SMS STOP can carry a forged sender number, so it must not cut a member off unseen: the
number is told by SMS, in the member's language, what happened and that START undoes it; the
change is in the audit log; and the directory page marks and filters the numbers that stopped.

Replies come in through the providers' real webhooks: Twilio's (answered in its TwiML) and
LINK Mobility's (answered with a new SMS through LINK's API, here its fake on loopback).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from dispatch.acks.models import SmsOptOut
from dispatch.audit.models import AuditEvent
from dispatch.directory.models import Contact
from dispatch.security.models import Role
from dispatch.settings import Settings
from tests.conftest import SECRET_KEY
from tests.fakes.linkmobility import FakeLink
from tests.integration.test_dashboard import Browser, add_user, anonymous, hidden, sign_in
from translations import strings
from translations.catalog import translator

AUTH_TOKEN = "stop-twilio-token"
BASE = "http://testserver.local"
AHMED = "+4741000100"  # Arabic; listed for two organisations
HODAN = "+4741000263"  # Somali


@pytest.fixture
async def coordinator_browser(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Browser]:
    """A coordinator signed in to the dashboard (password and authenticator code)."""
    await add_user(sessionmaker, "koordinator@helsedir.example", Role.COORDINATOR)
    async with anonymous(app) as client:
        signed = await sign_in(client, "koordinator@helsedir.example")
        assert signed.status_code == 303, signed.text
        yield Browser(client, hidden((await client.get("/")).text, "_csrf"))


@pytest.fixture
def settings(database_url: str, fake_link: FakeLink) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET_KEY,
        base_url=BASE,
        sms_providers=json.dumps(
            [
                {
                    "name": "twilio",
                    "kind": "twilio",
                    "account_sid": "AC" + "3" * 32,
                    "auth_token": AUTH_TOKEN,
                    "from": "+4759440000",
                    "api_base": "http://127.0.0.1:9",
                },
                fake_link.provider(BASE),
            ]
        ),
    )


async def twilio_sms(client: httpx.AsyncClient, sender: str, body: str) -> str:
    """An SMS to our number as Twilio posts it, signed; our TwiML answer."""
    form = {
        "From": sender,
        "To": "+4759440000",
        "Body": body,
        "MessageSid": f"SM{uuid.uuid4().hex}",
    }
    path = "/webhooks/twilio/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(BASE + path, form)
    answer = await client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text
    return answer.text


async def link_sms(client: httpx.AsyncClient, fake_link: FakeLink, sender: str, body: str) -> None:
    """An SMS to our short number as LINK's gate posts it, with LINK's credentials."""
    token = base64.b64encode(f"{fake_link.username}:{fake_link.password}".encode()).decode()
    mo = {
        "messageId": f"Mo{uuid.uuid4().hex[:12]}",
        "source": sender,
        "destination": "NO-2230",
        "content": {"type": "SMS", "userData": body, "encoding": "TEXT"},
        "operator": "no.telenor",
    }
    answer = await client.post(
        "/webhooks/link/sms", json=mo, headers={"Authorization": f"Basic {token}"}
    )
    assert answer.status_code == 200, answer.text


async def audit(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, Any]]:
    async with sessionmaker() as session:
        rows = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("%sms_st%")).order_by(AuditEvent.id)
            )
        ).all()
    return [(e.action, e.actor, e.entity_id) for e in rows]


async def listings(sessionmaker: async_sessionmaker[AsyncSession], phone: str) -> list[int]:
    async with sessionmaker() as session:
        ids = await session.scalars(select(Contact.id).where(Contact.phone == phone))
        return sorted(ids.all())


@pytest.mark.usefixtures("demo")
async def test_stop_is_confirmed_in_the_members_language_audited_and_undone_by_start(
    anonymous_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # Given Ahmed, in the directory in Arabic and never sent an alert,
    ahmed = await listings(sessionmaker, AHMED)
    assert len(ahmed) == 2
    # when STOP comes from his number (from him, or from someone forging it),
    answer = await twilio_sms(anonymous_client, AHMED, "STOP")
    # the number is told, in Arabic, what happened and how to undo it;
    arabic = translator("ar").gettext(strings.SMS_REPLY_STOPPED)
    assert arabic != strings.SMS_REPLY_STOPPED
    assert "START" in arabic
    assert f"<Message>{arabic}</Message>" in answer
    # the audit log has it for both of his listings, by contact id (never the number);
    expected = [("contact.sms_stopped", "sms:twilio", str(i)) for i in ahmed]
    assert await audit(sessionmaker) == expected
    # a second STOP changes nothing and is answered the same.
    assert f"<Message>{arabic}</Message>" in await twilio_sms(anonymous_client, AHMED, "stopp")
    assert await audit(sessionmaker) == expected

    # START brings him back, and that is audited too.
    started = await twilio_sms(anonymous_client, AHMED, "START")
    assert translator("ar").gettext(strings.SMS_REPLY_STARTED) in started
    async with sessionmaker() as session:
        assert await session.get(SmsOptOut, AHMED) is None
    assert await audit(sessionmaker) == [
        *expected,
        *[("contact.sms_started", "sms:twilio", str(i)) for i in ahmed],
    ]


@pytest.mark.usefixtures("demo")
async def test_stop_through_link_is_confirmed_by_a_new_sms_to_the_number(
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    fake_link: FakeLink,
) -> None:
    # LINK's gate cannot carry an answer: the confirmation is a new SMS from our short number.
    await link_sms(anonymous_client, fake_link, HODAN, "Stop")
    [sent] = [m for m in fake_link.messages if m.destination == HODAN]
    assert sent.source == "2230"
    assert sent.user_data == translator("so").gettext(strings.SMS_REPLY_STOPPED)
    assert "START" in sent.user_data
    (hodan,) = await listings(sessionmaker, HODAN)
    assert await audit(sessionmaker) == [("contact.sms_stopped", "sms:link", str(hodan))]

    # A number we know nothing of is answered in bokmål and English, and the audit log
    # records that a number stopped without holding the number.
    stranger = "+4799001122"
    await link_sms(anonymous_client, fake_link, stranger, "STOP")
    [told] = [m for m in fake_link.messages if m.destination == stranger]
    for tag in ("nb", "en"):
        assert translator(tag).gettext(strings.SMS_REPLY_STOPPED) in told.user_data
    assert (await audit(sessionmaker))[-1] == ("sms.sms_stopped", "sms:link", None)
    async with sessionmaker() as session:
        events = (await session.scalars(select(AuditEvent))).all()
    assert stranger not in repr([(e.entity_id, e.details) for e in events])


@pytest.mark.usefixtures("demo")
async def test_the_directory_marks_and_filters_the_numbers_that_stopped(
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    coordinator_browser: Browser,
) -> None:
    await twilio_sms(anonymous_client, AHMED, "STOP")
    browser = coordinator_browser
    marker = translator("nb").gettext("SMS stopped")
    assert marker == "SMS stoppet"

    # The whole directory: a marker on Ahmed's rows, and only there.
    page = await browser.get("/directory")
    assert page.status_code == 200
    rows = [r for r in page.text.split("<tr") if "/directory/contacts/" in r]
    assert len(rows) > 2
    marked = [r for r in rows if marker in r]
    assert len(marked) == 2
    assert all(AHMED in r and "Ahmed Hassan" in r for r in marked)

    # The filter lists only them (also as the HTMX fragment the checkbox asks for).
    for headers in ({}, {"HX-Request": "true"}):
        only = await browser.get("/directory", params={"sms_stopped": "1"}, headers=headers)
        assert only.status_code == 200
        found = [r for r in only.text.split("<tr") if "/directory/contacts/" in r]
        assert len(found) == 2
        assert all(marker in r for r in found)
    # The contact's page says what it means.
    (contact_id, _) = await listings(sessionmaker, AHMED)
    detail = await browser.get(f"/directory/contacts/{contact_id}")
    assert "Dette nummeret svarte STOP" in detail.text

    # After START, no one is marked.
    await twilio_sms(anonymous_client, AHMED, "START")
    after = await browser.get("/directory", params={"sms_stopped": "1"})
    assert [r for r in after.text.split("<tr") if "/directory/contacts/" in r] == []
    assert marker not in (await browser.get("/directory")).text
