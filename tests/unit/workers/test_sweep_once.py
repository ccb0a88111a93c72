"""The sweeper runs each due step on its own: one that fails does not hold up the others."""

from __future__ import annotations

from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker

from dispatch.settings import Settings
from workers import actors


class _Session:
    def begin(self) -> Any:
        @asynccontextmanager
        async def transaction() -> Any:
            yield self

        return transaction()


@asynccontextmanager
async def _sessionmaker() -> Any:
    yield _Session()


async def test_a_failing_step_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def step(name: str, ids: list[int]) -> Any:
        async def run(session: Any, *args: Any) -> list[int]:
            ran.append(name)
            if name == "campaigns":
                raise RuntimeError("a bad campaign row")
            return ids

        return run

    monkeypatch.setattr(actors, "sweep", step("requeue", [1]))
    monkeypatch.setattr(actors, "run_due", step("escalation", [2]))
    monkeypatch.setattr(actors.campaigns, "run_due", step("campaigns", [3]))
    monkeypatch.setattr(actors.exercises, "run_due", step("exercises", [4]))
    enqueued: list[list[int]] = []
    runtime = SimpleNamespace(
        engine=SimpleNamespace(router=None),
        sessionmaker=_sessionmaker,
        enqueuer=SimpleNamespace(enqueue=lambda ids: enqueued.append(list(ids))),
    )
    declared = actors.Actors(StubBroker(), Settings(secret_key="k"))
    monkeypatch.setattr(declared, "runtime", lambda: _ready(runtime))

    assert await declared.sweep_once() == 3
    assert ran == ["requeue", "escalation", "campaigns", "exercises"]
    assert enqueued == [[1, 2, 4]]


async def _ready(value: Any) -> Any:
    return value
