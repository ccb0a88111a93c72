"""The channels as a coordinator and an admin see them in a real browser: which SMS providers
carry the traffic, an admin taking one out and putting it back, a test card to a network's Teams
channel (accepted, then refused), and the declaration's estimate of how long SMS take.

The service is the Quick start's (SQLite, workers in the server) with two SMS providers on
loopback fakes (Twilio through its SDK, LINK Mobility through its REST API) and a Teams
receiver on loopback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server, Shots, load_demo, sign_in
from tests.fakes.linkmobility import FakeLink
from tests.fakes.teams import TeamsReceiver
from tests.fakes.twilio import FakeTwilio
from tests.processes import clean_env, create_token, free_port, run, start_api

SECONDS = 1000  # Playwright counts milliseconds
ADMIN_EMAIL = "drift@helsedir.example"
ADMIN_PASSWORD = "a long admin password for the channels test"


@dataclass(frozen=True)
class ChannelServer:
    server: Server
    """The demo coordinator."""
    admin: Server
    token: str
    teams: TeamsReceiver
    twilio: FakeTwilio


@pytest.fixture
def channel_server(
    tmp_path: Path,
    dispatch_bin: str,
    fake_twilio: FakeTwilio,
    fake_link: FakeLink,
    teams_receiver: TeamsReceiver,
) -> Iterator[ChannelServer]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    providers = [
        fake_twilio.provider(weight=50, segments_per_second=10),
        fake_link.provider(base, weight=50, segments_per_second=10),
    ]
    env = clean_env(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'channels.sqlite3'}",
        secret_key="e2e-secret-key-for-the-channels-test",
        base_url=base,
        log_json="true",
        sms_providers=json.dumps(providers),
        allow_loopback_webhooks="true",
    )
    email, password = load_demo(dispatch_bin, env)
    run(dispatch_bin, env, "user", "create", "--email", ADMIN_EMAIL, "--role", "admin",
        stdin=ADMIN_PASSWORD + "\n")  # fmt: skip
    token = create_token(dispatch_bin, env, role="admin")
    process = start_api(dispatch_bin, env, port, tmp_path / "serve.log")
    try:
        yield ChannelServer(
            Server(base, email, password, process),
            Server(base, ADMIN_EMAIL, ADMIN_PASSWORD, process),
            token,
            teams_receiver,
            fake_twilio,
        )
    finally:
        process.stop()


def test_an_admin_sees_the_providers_takes_one_out_and_tests_teams(
    browser: Browser, channel_server: ChannelServer, shots: Shots
) -> None:
    base = channel_server.server.base
    webhook = channel_server.teams.url("/workflows/nik")
    answer = httpx.patch(
        f"{base}/api/v1/networks/NIK",
        json={"teams_webhook_url": webhook},
        headers={"Authorization": f"Bearer {channel_server.token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = context.new_page()
    sign_in(page, channel_server.admin)

    # Both providers in service, each with its capacity.
    page.get_by_role("link", name="Kanaler").click()
    expect(page.get_by_role("heading", name="SMS-leverandører")).to_be_visible()
    for name in ("twilio", "link"):
        row = page.locator(f"#provider-{name}")
        expect(row).to_have_attribute("data-state", "active")
        expect(row).to_contain_text("I drift")
        expect(row).to_contain_text("10 segmenter i sekundet")
    shots(page, "channels")

    # The admin takes LINK out: the row says so, with who did it; the API agrees.
    page.locator("#provider-link").get_by_role("button", name="Ta ut av drift").click()
    expect(page).to_have_url(f"{base}/channels")
    link_row = page.locator("#provider-link")
    expect(link_row).to_have_attribute("data-state", "disabled")
    expect(link_row).to_contain_text("Tatt ut av en administrator")
    expect(link_row).to_contain_text(f"tatt ut av {ADMIN_EMAIL}")
    listed = httpx.get(
        f"{base}/api/v1/sms/providers",
        headers={"Authorization": f"Bearer {channel_server.token}"},
        timeout=10,
    ).json()
    assert {p["name"]: p["state"] for p in listed} == {"twilio": "active", "link": "disabled"}
    shots(page, "channels-link-taken-out")

    # The declaration page's estimate counts only Twilio now, and says LINK is out.
    page.goto(f"{base}/incidents/new")
    page.get_by_label("Øvelse: alle meldinger merkes ØVELSE").check()
    page.get_by_label("Tittel (for oversikten og rapporten)").fill("Øvelse: vannforsyning")
    page.get_by_label("NIK").check()
    page.locator("#msg-nb-subject").fill("Øvelse: kokevarsel")
    page.locator("#msg-nb-sms").fill("Øvelse: kok drikkevannet til ny beskjed.")
    page.locator("#msg-nb-body").fill("Dette er en øvelse.")
    estimate = page.locator("#preview-estimate")
    expect(estimate).to_contain_text(
        re.compile(r"alle hovedkontakter innen ca\. \d+ (sek|min), alle innen ca\. \d+ (sek|min)"),
        timeout=10 * SECONDS,
    )
    expect(page.locator("#preview-providers-down")).to_contain_text("link")
    shots(page, "declare-estimate")

    # Put back: in service again.
    page.goto(f"{base}/channels")
    page.locator("#provider-link").get_by_role("button", name="Sett i drift igjen").click()
    expect(page.locator("#provider-link")).to_have_attribute("data-state", "active")

    # A test card to NIK's Teams channel: accepted, and the card is at the receiver.
    page.locator("#teams-NIK").get_by_role("button", name="Send et testkort").click()
    expect(page.locator("#test-card-result")).to_contain_text("Teams tok imot testkortet for NIK")
    assert len(channel_server.teams.payloads("/workflows/nik")) == 1
    shots(page, "channels-test-card")
    # The flow is gone: Teams refuses, and the page says so rather than pretending.
    channel_server.teams.status_for["/workflows/nik"] = 404
    page.locator("#teams-NIK").get_by_role("button", name="Send et testkort").click()
    expect(page.locator("#test-card-result")).to_contain_text(
        "Teams tok ikke imot testkortet for NIK"
    )
    # Networks without a webhook say why their Teams messages go nowhere.
    expect(page.locator("#teams-NONEMI")).to_contain_text("ingen webhook")
    context.close()


def test_a_coordinator_sees_the_providers_but_cannot_take_one_out(
    browser: Browser, channel_server: ChannelServer
) -> None:
    server = channel_server.server
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    sign_in(page, server)
    page.goto(f"{server.base}/channels")
    expect(page.locator("#provider-twilio")).to_contain_text("I drift")
    expect(page.get_by_role("button", name="Ta ut av drift")).to_have_count(0)
    # Nor by posting the form by hand: the guard refuses and nothing changes.
    token = page.locator("input[name=_csrf]").first.get_attribute("value")
    refused = page.request.post(
        f"{server.base}/channels/sms/link", form={"_csrf": token or "", "state": "disabled"}
    )
    assert refused.status == 403
    page.goto(f"{server.base}/channels")
    expect(page.locator("#provider-link")).to_have_attribute("data-state", "active")
    context.close()
