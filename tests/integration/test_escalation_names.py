"""Escalation says why: a main contact is told, in their language, which of their
organisations have not confirmed, before the alert comes again (issue 24, point 6)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.request_validator import RequestValidator

from dispatch.acks.escalation import run_due
from dispatch.db.base import utcnow
from dispatch.incidents import render
from dispatch.incidents.timers import EscalationStep, Step
from dispatch.models import Delivery
from dispatch.settings import Settings
from tests.factories import claimed_messages, declare_demo_exercise
from translations import strings
from translations.catalog import translator

AUTH_TOKEN = "escalation-names-twilio-token"
SECRET = "escalation-names-secret-key-of-32-bytes"
BASE = "http://testserver.local"
INGRID = "+4741000221"  # bokmål, Oslo kommune
AHMED = "+4741000100"  # Arabic; main contact of Oslo kommune and Flerkulturelt helseforum
HODAN = "+4741000263"  # Somali; main contact of Stavanger kommune
MESSAGE = {
    lang: {"subject": f"Vann ({lang})", "sms": f"Kok vannet ({lang}).", "body": "Detaljer."}
    for lang in ("nb", "en", "ar", "so")
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        base_url=BASE,
        twilio_auth_token=AUTH_TOKEN,
        twilio_account_sid="AC" + "4" * 32,
        twilio_from="+4759440000",
    )


async def sms(client: httpx.AsyncClient, sender: str, body: str) -> None:
    form = {"From": sender, "To": "+4759440000", "Body": body, "MessageSid": uuid.uuid4().hex}
    path = "/webhooks/twilio/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(BASE + path, form)
    answer = await client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text


async def run_step(sessionmaker: async_sessionmaker[AsyncSession], step: Step) -> list[int]:
    """Bring one escalation step due now and run it, as the sweeper would."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(EscalationStep).where(EscalationStep.step == step).values(due_at=utcnow())
        )
        return await run_due(session)


async def test_main_contacts_are_told_which_of_their_organisations_have_not_confirmed(
    coordinator_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # Given an exercise to the three networks, confirmed at Oslo kommune only
    incident: dict[str, Any] = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Vann", message=MESSAGE
    )
    await sms(anonymous_client, INGRID, f"OK {incident['code']}")

    # When escalation reaches the main contacts
    await run_step(sessionmaker, Step.REMIND)
    told = await run_step(sessionmaker, Step.MAIN_CONTACTS)

    # Then each main contact's SMS opens with their silent organisations, in their language
    async with sessionmaker() as session, session.begin():
        messages = await claimed_messages(session, told, base_url=BASE, secret=SECRET)
        channels = dict(
            (
                await session.execute(
                    select(Delivery.id, Delivery.channel).where(Delivery.id.in_(told))
                )
            ).all()
        )
    texts = {m.to: m.text for m in messages if channels[int(m.reference)] == "sms"}
    arabic, somali = translator("ar"), translator("so")
    # Oslo kommune has confirmed (Ingrid); Ahmed's other organisation has not.
    ahmed_told = arabic.ngettext(
        *strings.ORGANISATIONS_NOT_CONFIRMED, 1, organisations="Flerkulturelt helseforum"
    )
    assert texts[AHMED].startswith(
        f"{render.marker('exercise', 'ar')}: {ahmed_told}\n{arabic.gettext(strings.REMINDER)}\n"
        "Kok vannet (ar).\n"
    )
    assert "Oslo kommune" not in texts[AHMED]
    hodan_told = somali.ngettext(
        *strings.ORGANISATIONS_NOT_CONFIRMED, 1, organisations="Stavanger kommune"
    )
    assert texts[HODAN].startswith(f"{render.marker('exercise', 'so')}: {hodan_told}\n")
    # and an e-mail says it above the alert's body (Eirik reads nynorsk; the alert has bokmål)
    mails = {m.to: m.text for m in messages if channels[int(m.reference)] == "email"}
    bokmal = translator("nb")
    eirik_told = bokmal.ngettext(
        *strings.ORGANISATIONS_NOT_CONFIRMED, 1, organisations="Vestland fylkeskommune"
    )
    assert (
        f"{eirik_told}\n{bokmal.gettext(strings.REMINDER)}\nDetaljer."
        in (mails["eirik.lunde@vestlandfylke.example"])
    )
