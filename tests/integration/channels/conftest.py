"""Fixtures for the channel adapters: the fakes, and one harness per adapter for the contract."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from channels.base import ChannelKind
from tests.fakes.fixtures import (  # noqa: F401  # fixtures used by the tests here
    callback_receiver,
    fake_link,
    fake_twilio,
    smtp_sink,
    teams_receiver,
)
from tests.integration.channels.harnesses import (
    EmailHarness,
    Harness,
    LinkMobilityHarness,
    SandboxHarness,
    SmsHarness,
    TeamsHarness,
)

HARNESSES = [
    "email-smtp",
    "sms-twilio",
    "sms-linkmobility",
    "teams-webhook",
    "sandbox-email",
    "sandbox-sms",
    "sandbox-teams",
]


@pytest.fixture(params=HARNESSES)
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """Each adapter in turn, wired to a real server on loopback (or the sandbox's sink)."""
    name: str = request.param
    built: Harness
    if name == "email-smtp":
        built = EmailHarness(request.getfixturevalue("smtp_sink"))
    elif name == "sms-twilio":
        built = SmsHarness(request.getfixturevalue("fake_twilio"))
    elif name == "sms-linkmobility":
        built = LinkMobilityHarness(request.getfixturevalue("fake_link"))
    elif name == "teams-webhook":
        built = TeamsHarness(request.getfixturevalue("teams_receiver"))
    else:
        built = SandboxHarness(ChannelKind(name.removeprefix("sandbox-")))
    yield built
    await built.channel.close()
