"""SMS replies read in the member's language, through Twilio's signed webhook: a yes confirms,
a no to an alert is still a reply (received) whose text goes to the field-report inbox,
``STOP 4821`` opts out, and a Polish «Ja nie mogę przyjść» declines a meeting."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from dispatch.acks.models import Acknowledgement, FieldReport, SmsOptOut
from dispatch.campaigns.models import CampaignTarget
from dispatch.directory.models import Contact
from dispatch.settings import Settings
from tests.integration.test_meetings import invite
from translations import strings
from translations.catalog import translator

AUTH_TOKEN = "reply-languages-twilio-token"
BASE = "http://testserver.local"
INGRID = "+4741000221"  # bokmål
ANNA = "+4791000242"  # Polish
ZAHRA = "+4791000270"  # Dari
HODAN = "+4741000263"  # Somali
TESFAY = "+4741000249"  # Tigrinya


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="reply-languages-secret-key-of-32-bytes!",
        base_url=BASE,
        twilio_auth_token=AUTH_TOKEN,
        twilio_account_sid="AC" + "2" * 32,
        twilio_from="+4759440000",
    )


async def sms(client: httpx.AsyncClient, sender: str, body: str) -> str:
    """An SMS from ``sender`` as Twilio posts it, signed; our TwiML answer."""
    form = {"From": sender, "To": "+4759440000", "Body": body, "MessageSid": uuid.uuid4().hex}
    path = "/webhooks/twilio/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(BASE + path, form)
    answer = await client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text
    return answer.text


async def all_of(sessionmaker: async_sessionmaker[AsyncSession], model: Any) -> list[Any]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(model))).all())


async def contact_id(sessionmaker: async_sessionmaker[AsyncSession], phone: str) -> int:
    async with sessionmaker() as session:
        found = await session.scalar(select(Contact.id).where(Contact.phone == phone).limit(1))
    assert found is not None
    return found


@pytest.mark.usefixtures("demo")
async def test_replies_to_an_alert_in_the_members_languages(
    coordinator_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # Given an alert by SMS to NIK
    declared = await coordinator_client.post(
        "/api/v1/incidents",
        json={
            "title": "Kokevarsel",
            "networks": ["NIK"],
            "status": "exercise",
            "channels": ["sms"],
            "message": {"nb": {"sms": "Kok vannet."}, "en": {"sms": "Boil the water."}},
        },
    )
    assert declared.status_code == 201, declared.text
    incident = declared.json()
    code = incident["code"]

    # When members answer in their own words
    no = await sms(anonymous_client, INGRID, "NEI")
    polish_no = await sms(anonymous_client, ANNA, "Ja nie mogę przyjść")
    dari_yes = await sms(anonymous_client, ZAHRA, f"بلی {code}")
    stopped = await sms(anonymous_client, HODAN, f"STOP {code}")

    # Then a no is a reply: received, and its words are in the field-report inbox, whole
    assert translator("nb").gettext(strings.SMS_REPLY_RECEIVED) in no
    assert translator("pl").gettext(strings.SMS_REPLY_RECEIVED) in polish_no
    reports = await all_of(sessionmaker, FieldReport)
    assert sorted((r.incident_id, r.text, r.language) for r in reports) == sorted(
        [
            (incident["id"], "NEI", "nb"),
            (incident["id"], "Ja nie mogę przyjść", "pl"),
        ]
    )
    inbox = await coordinator_client.get(
        "/api/v1/field-reports", params={"incident_id": incident["id"]}
    )
    assert inbox.status_code == 200, inbox.text
    assert sorted(item["text"] for item in inbox.json()["items"]) == [
        "Ja nie mogę przyjść",
        "NEI",
    ]
    # and the Dari yes confirms without a report
    assert translator("fa-AF").gettext(strings.SMS_REPLY_CONFIRMED) in dari_yes
    acknowledged = await all_of(sessionmaker, Acknowledgement)
    assert len(acknowledged) == 3
    assert {a.comment for a in acknowledged} == {None, "NEI", "Ja nie mogę przyjść"}
    # and STOP with the alert's code opts the number out, acknowledging nothing
    assert translator("so").gettext(strings.SMS_REPLY_STOPPED) in stopped
    assert [o.phone for o in await all_of(sessionmaker, SmsOptOut)] == [HODAN]


@pytest.mark.usefixtures("demo")
async def test_a_polish_no_declines_a_meeting_and_a_tigrinya_no_too(
    coordinator_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    meeting = await invite(coordinator_client, channels=["email", "sms"])
    code = meeting["code"]

    await sms(anonymous_client, ANNA, f"Ja nie mogę przyjść {code}")
    await sms(anonymous_client, TESFAY, f"ኣይፋልን {code}")
    await sms(anonymous_client, ZAHRA, f"بلی {code}")

    async with sessionmaker() as session:
        states = dict(
            (await session.execute(select(CampaignTarget.contact_id, CampaignTarget.state))).all()
        )
    assert states[await contact_id(sessionmaker, ANNA)] == "declined"
    assert states[await contact_id(sessionmaker, TESFAY)] == "declined"
    assert states[await contact_id(sessionmaker, ZAHRA)] == "accepted"
