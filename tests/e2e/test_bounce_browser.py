"""A bounce in a real browser: ``dispatch serve`` on the embedded default with an inbound mail
domain takes a mail server's bounce on its mail-in port (SMTP), and the coordinator sees it
where they look: "E-post i retur" on the address in the directory, with the server's reason,
and the incident page's e-mail counts."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from dispatch.security.links import Links
from tests.e2e.conftest import Server, Shots, load_demo, sign_in
from tests.integration.test_serve_mail_in import bounce
from tests.processes import (
    clean_env,
    create_token,
    declare_email_exercise,
    free_port,
    start_api,
    wait_until,
)

DOMAIN = "svar.example"
SECRET = "e2e-secret-key-for-tests"
AHMED = "ahmed.hassan@oslo.kommune.example"  # listed for two organisations


@pytest.fixture
def server(tmp_path: Path, dispatch_bin: str) -> Iterator[tuple[Server, dict[str, str], int]]:
    port, mail_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'e2e.sqlite3'}",
        secret_key=SECRET,
        base_url=base,
        log_json="true",
        inbound_mail_domain=DOMAIN,
        mail_in_host="127.0.0.1",
        mail_in_port=str(mail_port),
    )
    email, password = load_demo(dispatch_bin, env)
    process = start_api(dispatch_bin, env, port, tmp_path / "serve.log")
    yield Server(base, email, password, process), env, mail_port
    process.stop()


def test_a_bounce_shows_on_the_directory_and_the_incident_page(
    browser: Browser,
    server: tuple[Server, dict[str, str], int],
    dispatch_bin: str,
    shots: Shots,
) -> None:
    served, env, mail_port = server
    headers = {"Authorization": f"Bearer {create_token(dispatch_bin, env)}"}
    # Given an e-mail exercise to NIK, handed to the sandbox,
    incident = declare_email_exercise(served.base, headers, "Øvelse retur")

    def sent_to_ahmed() -> list[dict[str, str]]:
        messages: list[dict[str, str]] = httpx.get(
            f"{served.base}/api/v1/sandbox/messages",
            headers=headers,
            params={"channel": "email", "to": AHMED},
        ).json()
        return messages

    wait_until(lambda: bool(sent_to_ahmed()), timeout=30, what="the e-mail to Ahmed")
    delivery_id = int(sent_to_ahmed()[0]["reference"])
    # when his mail server's bounce reaches mail-in,
    with smtplib.SMTP("127.0.0.1", mail_port, timeout=10) as smtp:
        to = Links("", SECRET, delivery_id).address("bounce", DOMAIN)
        assert smtp.sendmail("", [to], bounce("5.1.1", "mailbox unknown")) == {}

    # then the directory marks his address on both his listings, with the server's reason,
    coordinator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = coordinator.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, served)
    page.goto(f"{served.base}/directory")
    expect(page.locator("#contacts tbody tr").first).to_be_visible()
    badges = page.locator("#contacts .badge.bounced")
    expect(badges).to_have_count(2)
    for badge in badges.all():
        expect(badge).to_have_text("E-post i retur")
        expect(badge).to_have_attribute("title", re.compile("5.1.1 mailbox unknown"))
    marked = page.locator("#contacts tbody tr", has=page.locator(".badge.bounced"))
    for row in marked.all():
        expect(row).to_contain_text(AHMED)
    shots(page, "directory-bounced")

    # and the incident page counts it, and says what it means.
    page.goto(f"{served.base}/incidents/{incident['id']}")
    expect(page.locator("#count-email-bounced")).to_have_text("1")
    expect(page.locator("#count-email-accepted")).to_have_text(
        str(incident["deliveries"]["planned"])
    )
    expect(page.locator("#email-bounced-note")).to_contain_text("E-post i retur regnes som feilet")
    shots(page, "incident-email-counts")
    assert errors == []
    coordinator.close()
