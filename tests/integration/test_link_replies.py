"""A member's reply through LINK Mobility is read like any other and answered through LINK:
its gate cannot carry an answer, so the reply is a new SMS from our short number."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.acks.models import Acknowledgement
from dispatch.settings import Settings
from tests.factories import declare_demo_exercise
from tests.fakes.linkmobility import FakeLink
from translations import strings
from translations.catalog import translator

BASE = "http://testserver.local"
MESSAGE = {"nb": {"subject": "Flom", "sms": "Flom i Voss.", "body": "Flom i Voss."}}


@pytest.fixture
def settings(database_url: str, fake_link: FakeLink) -> Settings:
    providers = [fake_link.provider(BASE)]
    return Settings(
        database_url=database_url,
        secret_key="link-replies-secret-key-of-at-least-32-bytes",
        base_url=BASE,
        sms_providers=json.dumps(providers),
    )


def mo(source: str, text: str) -> dict[str, Any]:
    """An inbound message as LINK's gate posts it (its MO document)."""
    return {
        "messageId": "Mo1x2y3z",
        "source": source,
        "destination": "NO-2230",
        "content": {"type": "SMS", "userData": text, "encoding": "TEXT"},
        "operator": "no.telenor",
    }


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def test_a_reply_through_link_acknowledges_and_is_answered_through_link(
    coordinator_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    fake_link: FakeLink,
) -> None:
    # Given an exercise that reached Ingrid (+4741000221),
    incident = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Flom", message=MESSAGE
    )
    # a call without LINK's credentials is refused and acts on nothing,
    forged = await anonymous_client.post(
        "/webhooks/link/sms", json=mo("+4741000221", "OK"), headers=basic("x", "y")
    )
    assert forged.status_code == 403
    # while her "OK" through LINK's gate acknowledges,
    answer = await anonymous_client.post(
        "/webhooks/link/sms",
        json=mo("+4741000221", "OK"),
        headers=basic(fake_link.username, fake_link.password),
    )
    assert answer.status_code == 200
    assert answer.text == ""
    async with sessionmaker() as session:
        acks = (await session.scalars(select(Acknowledgement))).all()
    assert [(a.incident_id, a.via) for a in acks] == [(incident["id"], "sms")]
    # and the answer goes back to her as an SMS from our short number, through LINK.
    [reply] = [m for m in fake_link.messages if m.destination == "+4741000221"]
    assert reply.source == "2230"
    assert reply.user_data == translator("nb").gettext(strings.SMS_REPLY_CONFIRMED)
    # LINK delivering the same message again acts once and sends no second answer.
    again = await anonymous_client.post(
        "/webhooks/link/sms",
        json=mo("+4741000221", "OK"),
        headers=basic(fake_link.username, fake_link.password),
    )
    assert again.status_code == 200
    assert len([m for m in fake_link.messages if m.destination == "+4741000221"]) == 1
