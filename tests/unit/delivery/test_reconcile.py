"""Before sending again a delivery whose earlier try has an unknown outcome, the worker asks a
provider that can say; it sends only when the provider has nothing, or cannot be asked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from channels.base import ChannelKind, OutgoingMessage, Receipt, TransientChannelError
from channels.registry import ChannelRegistry
from dispatch.delivery.models import SourceKind
from dispatch.delivery.parts import Engine
from dispatch.delivery.ports import NoRateLimit
from dispatch.delivery.sending import MAX_LOOKUPS
from dispatch.delivery.sending import send as _send
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
        (AskableSms(has=Receipt("SMold", delivered=False)), None, "SMnew", 0, 1),
    ],
    ids=["found-not-resent", "nothing-found-sent", "certain-not-asked"],
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


async def test_a_provider_that_cannot_be_asked_is_asked_again_later_then_the_send_is_decided() -> (
    None
):
    provider = AskableSms(unreachable=True)
    # A failed look-up sends nothing: the row goes back to the queue to ask again,
    the_job = job(SINCE)
    outcome = await _send(the_job, engine(provider), asyncio.Semaphore(1))
    assert outcome.lookup_failed == "the list could not be read"
    assert outcome.receipt is None
    assert provider.sent == []
    # and after the last look-up it may make, the message is sent again, marked as possibly
    # the second copy, with the reason in the delivery's history.
    the_job.lookups = MAX_LOOKUPS
    decided = await _send(the_job, engine(provider), asyncio.Semaphore(1))
    assert decided.receipt is not None
    assert decided.receipt.provider_id == "SMnew"
    assert decided.possible_duplicate
    assert [kind for kind, _ in decided.events] == ["decided"]
    assert "could not be asked" in decided.events[0][1]
    assert len(provider.asked) == 1
    assert len(provider.sent) == 1


async def test_a_provider_that_cannot_be_asked_at_all_is_decided_at_once() -> None:
    class SilentSms:
        kind = ChannelKind.SMS
        name = "silent"

        def __init__(self) -> None:
            self.sent: list[OutgoingMessage] = []

        async def send(self, message: OutgoingMessage) -> Receipt:
            self.sent.append(message)
            return Receipt(provider_id="L1", delivered=False)

        async def close(self) -> None:
            return None

    provider = SilentSms()
    outcome = await _send(job(SINCE), engine(provider), asyncio.Semaphore(1))
    assert outcome.receipt is not None
    assert outcome.possible_duplicate
    assert "silent cannot be asked" in outcome.events[0][1]
