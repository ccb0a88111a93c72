"""Stored XSS: script written into an incident's title and message, a member's name and
organisation, a field report and a meeting title is inert wherever it is shown again: the
dashboard's pages, the e-mail's HTML, the Teams card and the HTML report."""

from __future__ import annotations

import json

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.base import ChannelKind
from channels.teams import encode_payload
from dispatch.acks.service import add_field_report
from dispatch.delivery.models import Delivery
from dispatch.directory.models import Contact, Organisation
from dispatch.incidents.models import Recipient
from dispatch.security.models import Role
from tests.factories import claimed_messages
from tests.integration.test_dashboard import add_user, sign_in

SCRIPT = '<script>alert("xss")</script>'
IMAGE = '"><img src=x onerror=alert(1)>'


def inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html


@pytest.mark.usefixtures("demo")
async def test_script_is_inert_in_pages_mail_cards_and_reports(
    app: Litestar,
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Contact).values(name=f"Kari {SCRIPT}"))
        await session.execute(update(Organisation).values(name=f"Bydel {IMAGE}"))
    await add_user(sessionmaker, "xss@helsedir.example", Role.COORDINATOR)
    await coordinator_client.patch(
        "/api/v1/networks/NIK",
        json={"teams_webhook_url": "https://prod-01.westeurope.logic.azure.com/hook"},
    )
    declared = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": f"Flom {SCRIPT}",
            "networks": ["NIK"],
            "status": "exercise",
            "channels": ["email", "teams"],
            "message": {"nb": {"subject": f"Flom {IMAGE}", "body": SCRIPT, "sms": "Flom."}},
        },
    )
    assert declared.status_code == 201, declared.text
    incident_id = declared.json()["id"]
    async with sessionmaker() as session, session.begin():
        recipient = await session.scalar(select(Recipient).limit(1))
        await add_field_report(
            session,
            text=f"Vi hører {SCRIPT} {IMAGE}",
            source="sms",
            incident_id=incident_id,
            recipient=recipient,
            language="nb",
        )
    meeting = await coordinator_client.post(
        f"/api/v1/incidents/{incident_id}/meeting",
        json={"join_url": "https://teams.microsoft.com/l/meetup-join/x"},
    )
    assert meeting.status_code == 201, meeting.text

    # The e-mail's HTML, rendered exactly as the worker would.
    async with sessionmaker() as session, session.begin():
        email_id = await session.scalar(
            select(Delivery.id).where(
                Delivery.incident_id == incident_id, Delivery.channel == "email"
            )
        )
        assert email_id is not None
        teams_id = await session.scalar(
            select(Delivery.id).where(
                Delivery.incident_id == incident_id, Delivery.channel == "teams"
            )
        )
        assert teams_id is not None
        mail, post = await claimed_messages(
            session, [email_id, teams_id], base_url="https://varsling.example", secret="x"
        )
    assert mail.channel == ChannelKind.EMAIL
    assert mail.link.startswith("https://varsling.example/ack/")
    inert(mail.html)
    assert "&lt;script&gt;" in mail.html

    # The Teams card carries the text as plain text (Adaptive Cards do not read HTML).
    assert post.channel == ChannelKind.TEAMS
    card = json.loads(encode_payload(post))
    texts = [block["text"] for block in card["attachments"][0]["content"]["body"]]
    assert SCRIPT in texts  # kept verbatim, as a string, never markup

    # The dashboard's pages, signed in as a coordinator.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    ) as browser:
        # Password, then the authenticator's code, as a coordinator signs in.
        signed = await sign_in(browser, "xss@helsedir.example")
        assert signed.status_code == 303
        for path in (
            f"/incidents/{incident_id}",
            "/incidents",
            "/field-reports",
            "/directory",
            f"/meetings/{meeting.json()['id']}",
            "/meetings",
        ):
            page = await browser.get(path)
            assert page.status_code == 200, path
            inert(page.text)

    # The HTML report.
    report = await coordinator_client.get(
        f"/api/v1/incidents/{incident_id}/report", params={"format": "html"}
    )
    assert report.status_code == 200
    inert(report.text)
    assert "&lt;script&gt;" in report.text
