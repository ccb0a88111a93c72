"""Shared fixtures: databases (SQLite and PostgreSQL), the app, and clients per role.

Tests that need PostgreSQL or Redis skip when the server is not reachable on a laptop, and fail
under ``CI=true``: CI must never go green by skipping them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dispatch.app import ENGINE_STATE_KEY, create_app
from dispatch.audit.service import Actor
from dispatch.db.engine import create_engine, create_sessionmaker
from dispatch.db.migrate import upgrade
from dispatch.directory.demo import load_demo
from dispatch.models import Base
from dispatch.security.models import Role
from dispatch.security.service import create_token
from dispatch.settings import Settings
from tests.isolation import worker_redis_url

pytest_plugins = ["tests.fakes.fixtures"]

IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_DATABASE_URL = os.environ.get(
    "DISPATCH_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# Under pytest-xdist each worker has a Redis database of its own (tests/isolation.py).
TEST_REDIS_URL = worker_redis_url(
    os.environ.get("DISPATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    os.environ.get("PYTEST_XDIST_WORKER"),
)
KEEP_TABLES = {"networks", "alembic_version"}


def unavailable(what: str) -> None:
    """Skip on a laptop without the service; fail in CI, where it must be there."""
    message = f"{what} is not reachable"
    if IN_CI:
        pytest.fail(f"{message}, and CI=true requires it", pytrace=False)
    pytest.skip(message)


async def _pg_admin(url: str, statement: str) -> None:
    import asyncpg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A new, migrated PostgreSQL database for this test session, dropped at the end."""
    name = f"dispatch_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_admin(TEST_DATABASE_URL, f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError) as exc:
        unavailable(f"PostgreSQL at {TEST_DATABASE_URL} ({exc})")
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    asyncio.run(_pg_admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis (this xdist worker's database), emptied before and after the test."""
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {TEST_REDIS_URL} ({exc})")
    client.flushdb()
    yield TEST_REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture
def clean_postgres(postgres_url: str) -> str:
    """The session's PostgreSQL database, emptied for a test that uses real processes."""
    asyncio.run(_reset_postgres(postgres_url))
    return postgres_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A clean, migrated database: every test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_reset_postgres(url))
    yield url


async def _reset_postgres(url: str) -> None:
    # TRUNCATE does not fire the audit log's row triggers, so the append-only rule stays on.
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in KEEP_TABLES]
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            await conn.execute(text("UPDATE networks SET teams_webhook_url = NULL"))
    finally:
        await engine.dispose()


@pytest.fixture
def dialect(database_url: str) -> str:
    """``sqlite`` or ``postgresql``."""
    return make_url(database_url).get_backend_name()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for service-level tests; the test commits what it wants kept."""
    async with sessionmaker() as session:
        yield session


SECRET_KEY = "test-secret-key"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The Teams receiver listens on loopback, which only this setting lets a webhook name.
    return Settings(
        database_url=database_url,
        secret_key=SECRET_KEY,
        log_json=True,
        allow_loopback_webhooks=True,
    )


class RecordingEnqueuer:
    """Keeps the delivery ids the API hands to the queue, for tests of the API alone."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[int], int]] = []

    def enqueue(self, delivery_ids: Sequence[int], *, delay_ms: int = 0) -> None:
        self.calls.append((list(delivery_ids), delay_ms))

    @property
    def ids(self) -> list[int]:
        return [i for ids, _ in self.calls for i in ids]


@pytest.fixture
def enqueued() -> RecordingEnqueuer:
    return RecordingEnqueuer()


@pytest.fixture
async def app(settings: Settings, enqueued: RecordingEnqueuer) -> AsyncIterator[Litestar]:
    """The app without workers, served in the test's own event loop; ids go to ``enqueued``."""
    app = create_app(settings, enqueuer=enqueued)
    yield app
    await app.state[ENGINE_STATE_KEY].dispose()


ClientFactory = Callable[[Role | None], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def make_client(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[ClientFactory]:
    """HTTP clients, each carrying a fresh token for a role (or none, for ``None``)."""
    clients: list[httpx.AsyncClient] = []

    async def factory(role: Role | None) -> httpx.AsyncClient:
        headers = {}
        if role is not None:
            async with sessionmaker() as session, session.begin():
                _, token = await create_token(
                    session, name=f"test {role.value}", role=role, actor=Actor("test")
                )
            headers["Authorization"] = f"Bearer {token}"
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver.local",
            headers=headers,
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


@pytest.fixture
async def coordinator_client(make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client(Role.COORDINATOR)


@pytest.fixture
async def admin_client(make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client(Role.ADMIN)


@pytest.fixture
async def viewer_client(make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client(Role.VIEWER)


@pytest.fixture
async def anonymous_client(make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client(None)


@pytest.fixture
async def demo(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The demo directory: three networks, observers, organisations and contacts."""
    async with sessionmaker() as session, session.begin():
        await load_demo(session, actor=Actor("test"))


@pytest.fixture
async def member(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A browser without a token or a session: a member following a link."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as client:
        yield client


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def dispatch_bin(repo_root: Path) -> str:
    """The installed ``dispatch`` console script of this environment."""
    found = shutil.which("dispatch", path=str(repo_root / ".venv" / "bin")) or shutil.which(
        "dispatch"
    )
    assert found, "the dispatch console script is not installed; run `make install`"
    return found
