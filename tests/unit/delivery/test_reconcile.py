"""Before sending again a delivery whose earlier try has an unknown outcome, the worker asks a
provider that can say; it sends only when the provider has nothing, or cannot be asked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from channels.base import ChannelKind, OutgoingMessage, Receipt, TransientChannelError
from channels.registry import ChannelRegistry
from dispatch.delivery.ports import NoRateLimit
from dispatch.delivery.service import Job, _send

SINCE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class AskableSms:
    """A stand-in SMS provider that can be asked what it already took."""

    kind = ChannelKind.SMS

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


def job(uncertain_since: datetime | None) -> Job:
    return Job(
        id=7,
        channel="sms",
        address="+4741000100",
        language="nb",
        attempts=2,
        recipient_id=1,
        status="exercise",
        code="4821",
        ack_required=True,
        content={"sms": "Flom."},
        organisation="Oslo kommune",
        network="NIK",
        uncertain_since=uncertain_since,
    )


async def send(provider: AskableSms, uncertain_since: datetime | None) -> Receipt | None:
    outcome = await _send(
        job(uncertain_since),
        channels=ChannelRegistry({ChannelKind.SMS: provider}),
        limiter=NoRateLimit(),
        base_url="https://varsling.example",
        secret="x",
        opted_out=set(),
        gate=asyncio.Semaphore(1),
    )
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
