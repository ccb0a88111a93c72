"""Adding an SMS provider is one module and one registration line: this file is that module.

"Pigeon" is a made-up gateway. Everything it needs (sending, its delivery reports, its inbound
messages and how it signs them) is below; the one line that registers it is in ``registered``.
Nothing outside this file knows it: the declaration, the outbox engine, the webhooks at
``/webhooks/{name}/…`` and the inbound router carry its messages as they carry Twilio's.
"""

from __future__ import annotations

import hmac
import json
import uuid
from typing import Any, ClassVar

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.base import (
    ChannelKind,
    DeliveryReport,
    InboundSms,
    OutgoingMessage,
    Receipt,
    ReportedState,
    WebhookAnswer,
    WebhookRequest,
)
from channels.providers import ProviderConfig
from channels.registry import SMS_PROVIDER_KINDS
from dispatch import wiring
from dispatch.acks.models import Acknowledgement
from dispatch.delivery.engine import process_batch
from dispatch.delivery.parts import Engine
from dispatch.delivery.ports import NoRateLimit
from dispatch.models import Delivery
from dispatch.settings import Settings
from tests.conftest import RecordingEnqueuer
from tests.factories import declare_demo_exercise

BASE = "http://testserver.local"
KEY = "pigeon-shared-key"
STATES: dict[str, ReportedState] = {"landed": "delivered", "lost": "undeliverable"}


class PigeonSms:
    """The whole adapter of a gateway that signs its calls with a shared key."""

    kind = ChannelKind.SMS
    answers_inline = True
    sent: ClassVar[list[tuple[str, OutgoingMessage]]] = []

    def __init__(self, config: ProviderConfig, webhook_base: str) -> None:
        self.name = config.name
        self.key = config.require("key")
        self.webhook_base = webhook_base

    async def send(self, message: OutgoingMessage) -> Receipt:
        flight = f"pigeon-{uuid.uuid4().hex[:12]}"
        PigeonSms.sent.append((flight, message))
        return Receipt(provider_id=flight, delivered=False)

    async def close(self) -> None:
        return None

    def verify(self, request: WebhookRequest) -> bool:
        return hmac.compare_digest(request.headers.get("x-pigeon-key", ""), self.key)

    def parse_status(self, request: WebhookRequest) -> list[DeliveryReport]:
        body = request.json()
        return [DeliveryReport(provider_id=body["flight"], state=STATES.get(body["status"]))]

    def parse_inbound(self, request: WebhookRequest) -> InboundSms | None:
        body = request.json()
        return InboundSms(message_id=body["flight"], sender=body["from"], text=body["text"])

    def answer_inbound(self, reply: str | None) -> WebhookAnswer:
        return WebhookAnswer(json.dumps({"reply": reply}), "application/json")

    def answer_status(self) -> WebhookAnswer:
        return WebhookAnswer("{}", "application/json")


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SMS_PROVIDER_KINDS, "pigeon", PigeonSms)  # the one registration line
    PigeonSms.sent = []


@pytest.fixture
def settings(database_url: str, registered: None) -> Settings:
    providers = [{"name": "loft", "kind": "pigeon", "key": KEY}]
    return Settings(
        database_url=database_url,
        secret_key="pigeon-test-secret",
        base_url=BASE,
        sms_providers=json.dumps(providers),
    )


def engine(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> Engine:
    """The outbox engine as a worker builds it from these settings."""
    return Engine(
        sessionmaker=sessionmaker,
        channels=wiring.channels(settings, sessionmaker),
        sources=wiring.message_sources(sender=settings.email_from),
        suppressions=wiring.suppressions(),
        limiter=NoRateLimit(),
        enqueuer=RecordingEnqueuer(),
        base_url=settings.base_url,
        secret=settings.secret_key,
    )


async def test_a_provider_from_one_module_sends_reports_and_takes_replies(
    settings: Settings,
    coordinator_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
) -> None:
    # Given an exercise declared to the demo directory by e-mail and SMS
    message = {"nb": {"subject": "Flom", "sms": "Flom i Voss.", "body": "Flom i Voss."}}
    incident = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Flom", message=message
    )

    # When the worker sends the alert, every SMS goes out through the pigeon loft
    outbox = engine(settings, sessionmaker)
    await process_batch(enqueued.ids, outbox)
    await outbox.channels.close()
    async with sessionmaker() as session:
        sms = (
            await session.scalars(
                select(Delivery).where(
                    Delivery.incident_id == incident["id"], Delivery.channel == "sms"
                )
            )
        ).all()
    assert sms
    assert {d.state for d in sms} == {"sent"}
    assert {d.provider for d in sms} == {"loft"}
    flights = dict(PigeonSms.sent)
    assert sorted(flights) == sorted(d.provider_id for d in sms)
    assert all(m.text.startswith("ØVELSE: Flom i Voss.") for m in flights.values())

    # Then its delivery report, signed its way, moves one delivery to delivered,
    first = sms[0]
    report = {"flight": first.provider_id, "status": "landed"}
    forged = await anonymous_client.post(
        "/webhooks/loft/status", json=report, headers={"x-pigeon-key": "guess"}
    )
    assert forged.status_code == 403
    landed = await anonymous_client.post(
        "/webhooks/loft/status", json=report, headers={"x-pigeon-key": KEY}
    )
    assert landed.status_code == 200
    async with sessionmaker() as session:
        assert (await session.get(Delivery, first.id)).state == "delivered"  # type: ignore[union-attr]

    # and a member's reply through it acknowledges, answered in the member's language.
    reply: dict[str, Any] = {"flight": "in-1", "from": first.address, "text": "OK"}
    answer = await anonymous_client.post(
        "/webhooks/loft/sms", json=reply, headers={"x-pigeon-key": KEY}
    )
    assert answer.status_code == 200
    assert answer.json()["reply"]
    async with sessionmaker() as session:
        acks = (await session.scalars(select(Acknowledgement))).all()
    assert [(a.incident_id, a.recipient_id, a.via) for a in acks] == [
        (incident["id"], first.recipient_id, "sms")
    ]
    unknown = await anonymous_client.post(
        "/webhooks/nobody/sms", json=reply, headers={"x-pigeon-key": KEY}
    )
    assert unknown.status_code == 404
