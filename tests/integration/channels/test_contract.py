"""The behaviour every channel adapter shares, run against each adapter and the sandbox.

Each adapter talks to a real server on loopback (SMTP sink, fake Twilio, Teams receiver), so a
fake that drifted from what the adapter expects fails here.
"""

from __future__ import annotations

import asyncio

import pytest

from channels.base import ChannelKind, PermanentChannelError, TransientChannelError
from tests.integration.channels.harnesses import Harness

ARABIC = "تنبيه: انقطاع المياه في المستشفى. يرجى تأكيد الاستلام."


def assert_readable(reason: str) -> None:
    """A reason a coordinator can read: one short sentence, no traceback or class names."""
    assert reason.strip(), "the reason is empty"
    assert "\n" not in reason
    assert len(reason) < 300
    for leak in ("Traceback", "Exception", "Error(", "<class"):
        assert leak not in reason, f"{leak!r} in {reason!r}"


async def test_a_sent_message_arrives_with_its_content(harness: Harness) -> None:
    to = harness.address("amina")

    await harness.channel.send(harness.message(to, ARABIC, language="ar", direction="rtl"))

    [arrived] = harness.arrived()
    assert arrived.to == to
    assert arrived.text == ARABIC
    if harness.carries_language:
        assert arrived.language == "ar"
    if harness.carries_direction:
        assert arrived.direction == "rtl"


async def test_a_left_to_right_message_stays_left_to_right(harness: Harness) -> None:
    to = harness.address("ola")

    await harness.channel.send(harness.message(to, "Vannet er borte.", language="nb"))

    [arrived] = harness.arrived()
    assert arrived.text == "Vannet er borte."
    if harness.carries_language:
        assert arrived.language == "nb"
    if harness.carries_direction:
        assert arrived.direction == "ltr"


async def test_the_receipt_names_the_message_the_provider_took(harness: Harness) -> None:
    to = harness.address("kari")

    receipt = await harness.channel.send(harness.message(to, "Øvelse: bekreft mottak."))

    [arrived] = harness.arrived()
    assert receipt.provider_id
    assert receipt.provider_id == arrived.provider_id
    assert receipt.delivered is harness.delivered_on_accept


async def test_concurrent_sends_each_arrive_once_with_their_own_id(harness: Harness) -> None:
    addresses = [harness.address(f"member{i}") for i in range(8)]

    receipts = await asyncio.gather(
        *(harness.channel.send(harness.message(to, f"Melding til {to}")) for to in addresses)
    )

    arrived = harness.arrived()
    assert sorted(a.to for a in arrived) == sorted(addresses)
    assert all(a.text == f"Melding til {a.to}" for a in arrived)
    assert len({r.provider_id for r in receipts}) == len(addresses)


async def test_a_permanent_failure_says_why_and_delivers_nothing(harness: Harness) -> None:
    to = harness.refuse_permanently("gone")

    with pytest.raises(PermanentChannelError) as raised:
        await harness.channel.send(harness.message(to, "Hei"))

    assert_readable(raised.value.reason)
    assert harness.arrived_at(to) == []


async def test_a_permanent_failure_does_not_stop_the_next_recipient(harness: Harness) -> None:
    gone = harness.refuse_permanently("gone")
    present = harness.address("present")

    with pytest.raises(PermanentChannelError):
        await harness.channel.send(harness.message(gone, "Hei"))
    await harness.channel.send(harness.message(present, "Hei"))

    assert [a.to for a in harness.arrived()] == [present]


async def test_a_transient_failure_asks_for_another_try(harness: Harness) -> None:
    # Given a provider that fails for now
    to = harness.address("flaky")
    harness.fail_transiently(to)

    # When the message is sent, it fails as worth retrying and nothing arrives
    with pytest.raises(TransientChannelError) as raised:
        await harness.channel.send(harness.message(to, "Første forsøk"))
    assert_readable(raised.value.reason)
    assert harness.arrived_at(to) == []

    # Then once the provider recovers, the retry arrives exactly once
    harness.recover()
    await harness.channel.send(harness.message(to, "Andre forsøk"))
    assert [a.text for a in harness.arrived_at(to)] == ["Andre forsøk"]


async def test_the_adapter_says_which_channel_it_carries(harness: Harness) -> None:
    assert harness.channel.kind is harness.kind
    assert harness.kind in set(ChannelKind)
