"""Replying to an SMS as a member would, while SMS runs in sandbox mode
(``POST /api/v1/sandbox/sms-replies``), and what a reply with a wrong incident code does."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.acks.models import Acknowledgement, FieldReport
from dispatch.delivery.sandbox import SandboxMessage
from dispatch.settings import Settings
from tests.factories import declare_demo_exercise
from translations import strings
from translations.catalog import translator

INGRID = "+4741000221"  # bokmål, NIK
HODAN = "+4741000263"  # Somali
MESSAGE = {
    lang: {"subject": f"Vann ({lang})", "sms": "Kok vannet.", "body": "Detaljer."}
    for lang in ("nb", "en", "so")
}


@pytest.fixture
async def incident(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> dict[str, Any]:
    return await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Vann", message=MESSAGE
    )


async def reply(client: httpx.AsyncClient, sender: str, body: str) -> httpx.Response:
    return await client.post("/api/v1/sandbox/sms-replies", json={"from": sender, "body": body})


async def rows(sessionmaker: async_sessionmaker[AsyncSession], model: Any) -> list[Any]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(model))).all())


async def test_a_member_s_sms_reply_in_the_sandbox_acknowledges_reports_and_stops(
    incident: dict[str, Any],
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # OK with the incident's code acknowledges, and the answer is in the sandbox outbox.
    confirmed = await reply(coordinator_client, "41 00 02 21", f"OK {incident['code']}")
    assert confirmed.status_code == 200, confirmed.text
    thanks = translator("nb").gettext(strings.SMS_REPLY_CONFIRMED)
    assert confirmed.json() == {"outcome": "acknowledged", "answer": thanks}
    assert [(a.via, a.incident_id) for a in await rows(sessionmaker, Acknowledgement)] == [
        ("sms", incident["id"])
    ]
    answers = [m for m in await rows(sessionmaker, SandboxMessage) if m.reference == "reply"]
    assert [(m.channel, m.to, m.body) for m in answers] == [("sms", INGRID, thanks)]

    # Free text becomes a field report for the incident.
    report = await reply(coordinator_client, HODAN, "Biyo ma jiraan xaafaddeena.")
    assert report.json()["outcome"] == "acknowledged_with_report"
    (field_report,) = await rows(sessionmaker, FieldReport)
    assert (field_report.incident_id, field_report.text) == (
        incident["id"],
        "Biyo ma jiraan xaafaddeena.",
    )

    # STOP opts the number out, as a provider's inbound SMS would.
    stopped = await reply(coordinator_client, HODAN, "STOP")
    assert stopped.json()["answer"] == translator("so").gettext(strings.SMS_REPLY_STOPPED)


async def test_a_wrong_code_confirms_nothing_and_tells_the_member_the_right_one(
    incident: dict[str, Any],
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    wrong = "0000" if incident["code"] != "0000" else "0001"
    answered = await reply(coordinator_client, HODAN, f"OK {wrong}")
    assert answered.status_code == 200
    somali = translator("so")
    assert answered.json() == {
        "outcome": "unknown_code",
        "answer": somali.gettext(strings.SMS_REPLY_UNKNOWN_CODE, wrong=wrong)
        + " "
        + somali.gettext(strings.SMS_REPLY_INSTRUCTION, code=incident["code"]),
    }
    assert await rows(sessionmaker, Acknowledgement) == []
    # Text after a wrong code is kept for the coordinators, linked to no incident.
    await reply(coordinator_client, HODAN, f"OK {wrong} flom i kjelleren")
    (kept,) = await rows(sessionmaker, FieldReport)
    assert (kept.incident_id, kept.text) == (None, "flom i kjelleren")
    assert await rows(sessionmaker, Acknowledgement) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"from": "not a number", "body": "OK"}, "'not a number' is not a mobile number"),
        ({"from": INGRID, "body": "   "}, "the reply is empty"),
        ({"from": INGRID, "body": "x" * 4001}, "the reply is longer than 4000 characters"),
    ],
)
async def test_a_bad_sandbox_reply_is_422_in_the_callers_language_and_writes_nothing(
    incident: dict[str, Any],
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    body: dict[str, str],
    reason: str,
) -> None:
    refused = await coordinator_client.post("/api/v1/sandbox/sms-replies", json=body)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert reason in refused.json()["errors"][0]
    in_bokmal = await coordinator_client.post(
        "/api/v1/sandbox/sms-replies", json=body, headers={"Accept-Language": "nb-NO, en;q=0.5"}
    )
    assert in_bokmal.headers["content-language"] == "nb"
    assert reason not in in_bokmal.json()["errors"][0]
    assert await rows(sessionmaker, Acknowledgement) == []
    assert await rows(sessionmaker, FieldReport) == []


class TestWithAProvider:
    @pytest.fixture
    def settings(self, database_url: str) -> Settings:
        return Settings(
            database_url=database_url,
            secret_key="test-secret-key",
            twilio_account_sid="AC" + "1" * 32,
            twilio_auth_token="token",
            twilio_from="+4759440000",
        )

    async def test_sandbox_replies_are_refused_when_sms_goes_through_a_provider(
        self, coordinator_client: httpx.AsyncClient
    ) -> None:
        refused = await reply(coordinator_client, INGRID, "OK")
        assert refused.status_code == 409
        assert "not the sandbox" in refused.json()["detail"]
