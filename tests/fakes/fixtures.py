"""Pytest fixtures for the fakes; import the ones you need into a ``conftest.py``.

from tests.fakes.fixtures import fake_twilio, smtp_sink, teams_receiver  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.http import HttpRecorder
from tests.fakes.linkmobility import FakeLink
from tests.fakes.smtp import SmtpSink
from tests.fakes.teams import TeamsReceiver
from tests.fakes.twilio import FakeTwilio


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    """A fake Twilio Messages API on loopback; point the SDK at ``fake_twilio.base_url``."""
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def fake_link() -> Iterator[FakeLink]:
    """A fake LINK Mobility SMS REST API on loopback; point the adapter's ``api_base`` at
    ``fake_link.base_url`` and register a gate with ``fake_link.gate(url)``."""
    with FakeLink() as fake:
        yield fake


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on loopback that keeps what it receives."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def teams_receiver() -> Iterator[TeamsReceiver]:
    """Teams Workflows webhooks on loopback: every path is one, answering 202."""
    with TeamsReceiver() as receiver:
        yield receiver


@pytest.fixture
def callback_receiver() -> Iterator[HttpRecorder]:
    """An HTTP server that records what is POSTed to it, e.g. Twilio status callbacks."""
    with HttpRecorder() as recorder:
        yield recorder
