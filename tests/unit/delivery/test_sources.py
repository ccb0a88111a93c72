"""The senders registered with the outbox engine, by kind."""

from __future__ import annotations

import pytest

from dispatch import wiring
from dispatch.delivery.models import SourceKind
from dispatch.delivery.sources import Sources


def test_every_kind_of_message_has_exactly_one_sender() -> None:
    sources = wiring.message_sources(sender="varsel@helsedir.example")

    assert {kind for kind in SourceKind if kind in sources} == set(SourceKind)
    assert all(sources.get(kind).kind == kind for kind in SourceKind)


def test_a_kind_registered_twice_or_not_at_all_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="two message sources for incident"):
        Sources([wiring.message_sources(sender="x").get("incident")] * 2)
    with pytest.raises(KeyError, match="no message source is registered for 'carrier'"):
        Sources([]).get("carrier")
