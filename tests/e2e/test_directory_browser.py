"""The directory in a real browser: the numbers that replied STOP are marked, and the filter
lists them alone without a page load (HTMX), against a real ``dispatch serve`` whose Twilio
webhook took the STOP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from twilio.request_validator import RequestValidator

from tests.e2e.conftest import Server, Shots, load_demo
from tests.e2e.test_dashboard_browser import sign_in
from tests.processes import clean_env, free_port, start_api

AUTH_TOKEN = "e2e-twilio-token"
AHMED = "+4741000100"  # listed for two organisations


@pytest.fixture
def server(tmp_path: Path, dispatch_bin: str) -> Iterator[Server]:
    """The Quick start's service, with Twilio settings so that its inbound webhook exists (the
    SDK points at a closed port: nothing is sent anywhere)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'e2e.sqlite3'}",
        secret_key="e2e-secret-key-for-tests",
        base_url=base,
        log_json="true",
        twilio_account_sid="AC" + "4" * 32,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from="+4759440000",
        twilio_api_base="http://127.0.0.1:9",
    )
    email, password = load_demo(dispatch_bin, env)
    process = start_api(dispatch_bin, env, port, tmp_path / "serve.log")
    yield Server(base, email, password, process)
    process.stop()


def text_stop(server: Server, sender: str) -> str:
    form = {
        "From": sender,
        "To": "+4759440000",
        "Body": "STOP",
        "MessageSid": f"SM{uuid.uuid4().hex}",
    }
    url = f"{server.base}/webhooks/twilio/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    answer = httpx.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.text


def test_the_directory_marks_and_filters_numbers_that_replied_stop(
    browser: Browser, server: Server, shots: Shots
) -> None:
    # Given a STOP from Ahmed's number, answered in his language (Arabic) with how to undo it,
    assert "START" in text_stop(server, AHMED)
    coordinator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = coordinator.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, server)

    # the directory marks his two rows, and only those;
    page.goto(f"{server.base}/directory")
    rows = page.locator("#contacts tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 2
    expect(page.locator("#contacts .badge.stopped")).to_have_count(2)
    expect(page.locator("#contacts tr", has=page.locator(".badge.stopped")).first).to_contain_text(
        "Ahmed Hassan"
    )
    shots(page, "directory-stop-marked")

    # ticking the filter lists them alone, in place, and the address says so.
    page.get_by_label("Bare de der nummeret har svart STOP").check()
    expect(rows).to_have_count(2)
    expect(page).to_have_url(f"{server.base}/directory?q=&network=&sms_stopped=1")
    for row in rows.all():
        expect(row).to_contain_text("SMS stoppet")
    shots(page, "directory-stop-filtered")

    # The contact's page says what it means and how it is undone.
    rows.first.get_by_role("link").click()
    expect(page.locator("p.notice")).to_contain_text("svarer START")
    shots(page, "contact-stopped")
    assert errors == []
    coordinator.close()
