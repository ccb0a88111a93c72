"""With the database unreachable, the API answers 503 with Retry-After, not 500; liveness stays
up and readiness says why."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import exc as sa_exc

from dispatch.app import create_app
from dispatch.db.engine import database_unavailable
from dispatch.settings import Settings
from tests.conftest import RecordingEnqueuer
from tests.processes import free_port


async def test_an_unreachable_database_is_a_503_with_retry_after() -> None:
    # Nothing listens on this port: every connection is refused, as during a restart.
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none"
    app = create_app(Settings(database_url=url, secret_key="x"), enqueuer=RecordingEnqueuer())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as client:
        answer = await client.get(
            "/api/v1/incidents", headers={"Authorization": "Bearer bv_anything"}
        )
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.headers["retry-after"] == "5"
        assert "database is not answering" in answer.json()["detail"]
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert (await client.get("/health")).status_code == 200


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (sa_exc.OperationalError("SELECT 1", {}, Exception("server closed")), True),
        (sa_exc.TimeoutError("QueuePool limit reached"), True),
        (sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")), False),
        (sa_exc.ProgrammingError("SELECT", {}, Exception("syntax error")), False),
        (ValueError("a bug"), False),
    ],
)
def test_what_counts_as_the_database_being_away(error: BaseException, unavailable: bool) -> None:
    assert database_unavailable(error) is unavailable


async def test_the_log_names_the_route_not_the_path_with_its_link_token(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none"
    app = create_app(Settings(database_url=url, secret_key="x"), enqueuer=RecordingEnqueuer())
    from dispatch.security.links import make_token

    token = make_token("x", 5)  # genuine, so answering it needs the database
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as client:
        answer = await client.get(f"/ack/{token}")
    assert answer.status_code == 503
    logged = "\n".join(r.getMessage() for r in caplog.records) + capfd.readouterr().err
    assert "database_unavailable" in logged
    assert "/ack/{token}" in logged
    assert token not in logged


async def test_readiness_asks_the_database_at_most_once_a_second(database_url: str) -> None:
    import time

    from sqlalchemy import event

    from dispatch.app import ENGINE_STATE_KEY

    app = create_app(
        Settings(database_url=database_url, secret_key="x"), enqueuer=RecordingEnqueuer()
    )
    engine = app.state[ENGINE_STATE_KEY]
    asked: list[str] = []
    event.listen(
        engine.sync_engine,
        "before_cursor_execute",
        lambda *args: asked.append(args[2]) if args[2] == "SELECT 1" else None,
    )
    started = time.monotonic()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as client:
        for _ in range(200):
            assert (await client.get("/health/ready")).status_code == 200
    elapsed = time.monotonic() - started
    await engine.dispose()
    assert 1 <= len(asked) <= int(elapsed) + 1, (len(asked), elapsed)
