"""Before sending again a delivery whose earlier try has an unknown outcome, the worker asks a
provider that can say; it sends only when the provider has nothing, or cannot be asked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from channels.base import ChannelKind, OutgoingMessage, Receipt, TransientChannelError
from channels.registry import ChannelRegistry
from dispatch.delivery.engine import Engine, _send
from dispatch.delivery.models import SourceKind
from dispatch.delivery.ports import NoRateLimit
from dispatch.delivery.sources import Job, Sources
from dispatch.security.links import Links

SINCE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class AskableSms:
    """A stand-in SMS provider that can be asked what it already took."""

    kind = ChannelKind.SMS
    name = "askable"

    def __init__(self, *, has: Receipt | None = None, unreachable: bool = False) -> None:
        self.has = has
        self.unreachable = unreachable
        self.asked: list[datetime] = []
        self.sent: list[OutgoingMessage] = []

    async def find_sent(self, message: OutgoingMessage, since: datetime) -> Receipt | None:
        self.asked.append(since)
        if self.unreachable:
            raise TransientChannelError("the list could not be read")
        return self.has

    async def send(self, message: OutgoingMessage) -> Receipt:
        self.sent.append(message)
        return Receipt(provider_id="SMnew", delivered=False)

    async def close(self) -> None:
        return None


class FloodAlert:
    """A stand-in sender whose every message is the same SMS."""

    kind = SourceKind.INCIDENT

    async def load(self, session: object, jobs: object) -> dict[int, object]:
        return {}

    def render(self, job: Job, links: Links) -> OutgoingMessage:
        return OutgoingMessage(ChannelKind.SMS, job.address, "ØVELSE: Flom.", "nb", str(job.id))

    async def fallbacks(self, session: object, failed: object) -> list[object]:
        return []


def job(uncertain_since: datetime | None) -> Job:
    return Job(
        id=7,
        source_kind=SourceKind.INCIDENT,
        source_id=1,
        channel="sms",
        address="+4741000100",
        language="nb",
        attempts=2,
        priority=1,
        recipient_id=1,
        uncertain_since=uncertain_since,
    )


def engine(provider: object, limiter: object | None = None) -> Engine:
    """An engine with one SMS provider and one sender, and no database (``_send`` needs none)."""
    return Engine(
        sessionmaker=None,  # type: ignore[arg-type]
        channels=ChannelRegistry({ChannelKind.SMS: provider}),  # type: ignore[dict-item]
        sources=Sources([FloodAlert()]),  # type: ignore[list-item]
        limiter=limiter or NoRateLimit(),  # type: ignore[arg-type]
        enqueuer=None,  # type: ignore[arg-type]
        base_url="https://varsling.example",
        secret="x",
    )


async def send(provider: AskableSms, uncertain_since: datetime | None) -> Receipt | None:
    outcome = await _send(job(uncertain_since), engine(provider), asyncio.Semaphore(1))
    assert outcome.transient is None
    assert outcome.permanent is None
    return outcome.receipt


@pytest.mark.parametrize(
    ("provider", "uncertain", "sid", "asked", "sent"),
    [
        (AskableSms(has=Receipt("SMold", delivered=False)), SINCE, "SMold", 1, 0),
        (AskableSms(), SINCE, "SMnew", 1, 1),
        (AskableSms(unreachable=True), SINCE, "SMnew", 1, 1),
        (AskableSms(has=Receipt("SMold", delivered=False)), None, "SMnew", 0, 1),
    ],
    ids=["found-not-resent", "nothing-found-sent", "cannot-ask-sent", "certain-not-asked"],
)
async def test_an_uncertain_sms_is_looked_up_first(
    provider: AskableSms, uncertain: datetime | None, sid: str, asked: int, sent: int
) -> None:
    receipt = await send(provider, uncertain)
    assert receipt is not None
    assert receipt.provider_id == sid
    assert len(provider.asked) == asked
    assert len(provider.sent) == sent
    if asked:
        assert provider.asked == [SINCE]
