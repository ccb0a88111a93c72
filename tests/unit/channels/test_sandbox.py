"""The sandbox records what it would have sent, and fails where it is told to."""

from __future__ import annotations

from datetime import UTC

import pytest

from channels.base import (
    ChannelKind,
    OutgoingMessage,
    PermanentChannelError,
    TransientChannelError,
)
from channels.sandbox import MemorySink, SandboxChannel


def message(to: str = "amina@kommune.test") -> OutgoingMessage:
    return OutgoingMessage(
        channel=ChannelKind.EMAIL,
        to=to,
        text="Tekst",
        language="ar",
        reference="delivery-5",
        subject="Emne",
        html="<p>Tekst</p>",
        direction="rtl",
        link="https://varsel.test/ack/5",
    )


async def test_the_record_keeps_what_a_reader_needs() -> None:
    sink = MemorySink()
    channel = SandboxChannel(ChannelKind.EMAIL, sink)

    receipt = await channel.send(message())

    [record] = sink.records
    assert (record.channel, record.to, record.subject, record.text, record.html) == (
        ChannelKind.EMAIL,
        "amina@kommune.test",
        "Emne",
        "Tekst",
        "<p>Tekst</p>",
    )
    assert (record.language, record.direction, record.link, record.reference) == (
        "ar",
        "rtl",
        "https://varsel.test/ack/5",
        "delivery-5",
    )
    assert record.sent_at.tzinfo is UTC
    assert receipt.provider_id == record.provider_id
    assert receipt.provider_id.startswith("sandbox-")
    assert receipt.delivered is True


async def test_a_configured_failure_is_raised_each_time_and_nothing_is_recorded() -> None:
    sink = MemorySink()
    channel = SandboxChannel(
        ChannelKind.SMS,
        sink,
        fail_addresses={
            "+4790000000": PermanentChannelError("opted out", code="21610"),
            "+4790000001": TransientChannelError("busy", retry_after=3),
        },
    )

    for _ in range(2):
        with pytest.raises(PermanentChannelError) as permanent:
            await channel.send(message("+4790000000"))
        assert (permanent.value.reason, permanent.value.code) == ("opted out", "21610")
    with pytest.raises(TransientChannelError) as transient:
        await channel.send(message("+4790000001"))

    assert transient.value.retry_after == 3
    assert sink.records == []


async def test_memory_sink_finds_records_by_address() -> None:
    sink = MemorySink()
    channel = SandboxChannel(ChannelKind.EMAIL, sink)

    await channel.send(message("a@kommune.test"))
    await channel.send(message("b@kommune.test"))
    await channel.send(message("a@kommune.test"))

    assert len(sink.to("a@kommune.test")) == 2
    assert [r.to for r in sink.to("b@kommune.test")] == ["b@kommune.test"]
