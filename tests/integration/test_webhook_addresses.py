"""Teams webhooks cannot be turned on the service's own network (SSRF), and only admins and
coordinators see their addresses."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from channels import teams
from channels.base import ChannelKind, OutgoingMessage, PermanentChannelError
from channels.teams import TeamsChannel, webhook_problem
from dispatch.app import ENGINE_STATE_KEY, create_app
from dispatch.audit.service import Actor
from dispatch.security.models import Role
from dispatch.security.service import create_token
from dispatch.settings import Settings
from tests.conftest import RecordingEnqueuer
from tests.fakes.teams import TeamsReceiver

WORKFLOW = "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"
HOSTILE = [
    "http://127.0.0.1:6379/",
    "https://169.254.169.254/latest/meta-data/",
    "https://kubernetes.default.svc/api/v1/secrets",
    "https://10.0.0.5/hook",
    "http://prod-12.westeurope.logic.azure.com/workflows/abc",
    "https://logic.azure.com.evil.example/hook",
    "https://user:pw@prod-12.westeurope.logic.azure.com/x",
    "https://[::1]/hook",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_only_https_on_a_workflows_host_is_a_webhook(url: str) -> None:
    assert webhook_problem(url, allow_loopback=False) is not None
    assert webhook_problem(WORKFLOW, allow_loopback=False) is None
    assert (
        webhook_problem("https://x.environment.api.powerplatform.com/p", allow_loopback=False)
        is None
    )
    assert (
        webhook_problem("https://org.webhook.office.com/webhookb2/x", allow_loopback=False) is None
    )


def test_loopback_only_when_the_setting_allows_it() -> None:
    assert webhook_problem("http://127.0.0.1:8080/hook", allow_loopback=True) is None
    assert webhook_problem("http://127.0.0.1:8080/hook", allow_loopback=False) is not None
    # The setting opens loopback, not the rest of the private network.
    assert webhook_problem("https://169.254.169.254/x", allow_loopback=True) is not None


@pytest.fixture
async def strict_app(database_url: str) -> AsyncIterator[Litestar]:
    """The app as production runs it: no loopback webhooks."""
    settings = Settings(database_url=database_url, secret_key="k" * 32)
    app = create_app(settings, enqueuer=RecordingEnqueuer())
    yield app
    await app.state[ENGINE_STATE_KEY].dispose()


async def _client(app: Litestar, role: Role) -> httpx.AsyncClient:
    from dispatch.db.session import sessionmaker_from

    async with sessionmaker_from(app.state)() as session, session.begin():
        _, token = await create_token(session, name="t", role=role, actor=Actor("test"))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver.local",
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_the_api_refuses_internal_addresses_and_writes_nothing(strict_app: Litestar) -> None:
    async with await _client(strict_app, Role.ADMIN) as admin:
        for url in HOSTILE:
            answer = await admin.patch("/api/v1/networks/NIK", json={"teams_webhook_url": url})
            assert answer.status_code == 422, url
            created = await admin.post(
                "/api/v1/organisations",
                json={"name": "Org", "kind": "ngo", "teams_webhook_url": url},
            )
            assert created.status_code == 422, url
        networks = (await admin.get("/api/v1/networks")).json()
        assert all(n["teams_webhook_url"] is None for n in networks)
        assert (await admin.get("/api/v1/organisations")).json()["total"] == 0
        assert (
            await admin.patch("/api/v1/networks/NIK", json={"teams_webhook_url": WORKFLOW})
        ).status_code == 200


async def test_only_admins_and_coordinators_see_webhook_addresses(strict_app: Litestar) -> None:
    async with await _client(strict_app, Role.COORDINATOR) as coordinator:
        await coordinator.patch("/api/v1/networks/NIK", json={"teams_webhook_url": WORKFLOW})
        made = await coordinator.post(
            "/api/v1/organisations",
            json={"name": "Org", "kind": "ngo", "teams_webhook_url": WORKFLOW},
        )
        assert made.json()["teams_webhook_url"] == WORKFLOW
        nik = (await coordinator.get("/api/v1/networks")).json()[0]
        assert (nik["teams_webhook_url"], nik["has_teams_webhook"]) == (WORKFLOW, True)
    for role in (Role.VIEWER, Role.TRANSLATOR):
        async with await _client(strict_app, role) as reader:
            nik = (await reader.get("/api/v1/networks")).json()[0]
            assert (nik["teams_webhook_url"], nik["has_teams_webhook"]) == (None, True)
            org = (await reader.get(f"/api/v1/organisations/{made.json()['id']}")).json()
            assert (org["teams_webhook_url"], org["has_teams_webhook"]) == (None, True)
            listed = (await reader.get("/api/v1/organisations")).json()["items"]
            assert WORKFLOW not in str(listed)


def _message(url: str) -> OutgoingMessage:
    return OutgoingMessage(ChannelKind.TEAMS, url, "Tekst", "Emne", "nb", "ref")


async def test_a_name_that_resolves_inside_is_refused_at_send_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a host name that passes the address check but resolves to this machine (as a
    # Workflows-looking name could, through DNS the attacker controls),
    name = socket.gethostname()
    try:
        resolved = {info[4][0] for info in socket.getaddrinfo(name, 443)}
    except OSError:
        pytest.skip(f"{name} does not resolve here")
    if not all(address.startswith("127.") for address in resolved):
        pytest.skip(f"{name} resolves to {resolved}, not to loopback")
    monkeypatch.setattr(teams, "WORKFLOWS_HOSTS", (name,))
    with TeamsReceiver() as receiver:
        port = int(receiver.url("/x").rsplit(":", 1)[1].split("/", 1)[0])
        channel = TeamsChannel(timeout=5)
        try:
            with pytest.raises(PermanentChannelError) as refused:
                await channel.send(_message(f"https://{name}:{port}/workflows/x"))
        finally:
            await channel.close()
        # nothing was sent, and the reason says no more than that.
        assert receiver.requests() == []
    assert str(refused.value.reason) == (
        "the Teams webhook address leads inside a private network and is refused"
    )


async def test_link_local_is_refused_even_where_loopback_is_allowed() -> None:
    channel = TeamsChannel(timeout=2, allow_loopback=True)
    try:
        with pytest.raises(PermanentChannelError) as refused:
            await channel.send(_message("https://169.254.169.254/latest/meta-data/"))
        assert "must be a Microsoft Teams Workflows address" in refused.value.reason
    finally:
        await channel.close()
