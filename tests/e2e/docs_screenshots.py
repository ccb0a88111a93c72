"""The README's screenshots, made in Chromium against the Quick start's service: the declaration
page with its preview, the incident page after a member has acknowledged, and the printable
report. Not part of ``make test``; ``make screenshots`` runs it and writes ``docs/screenshots/``.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server
from tests.e2e.test_dashboard_browser import sign_in

SECONDS = 1000
FOLDER = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TEXTS = {
    "nb": (
        "Øvelse: kokevarsel i Bergen",
        "Øvelse: kok drikkevannet til ny beskjed.",
        "Dette er en øvelse. Kok drikkevannet til ny beskjed.",
    ),
    "en": (
        "Exercise: boil water notice in Bergen",
        "Exercise: boil drinking water until further notice.",
        "This is an exercise. Boil drinking water until further notice.",
    ),
    "ar": (
        "تمرين: غلي الماء في برغن",
        "تمرين: اغلوا ماء الشرب حتى إشعار آخر.",
        "هذا تمرين. اغلوا ماء الشرب حتى إشعار آخر.",
    ),
}


def test_take_the_readme_screenshots(browser: Browser, server: Server) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="nb-NO")
    page = context.new_page()
    sign_in(page, server)

    page.goto(f"{server.base}/incidents/new")
    page.get_by_label("Øvelse: alle meldinger merkes ØVELSE").check()
    page.get_by_label("Tittel (for oversikten og rapporten)").fill("Øvelse: vannforsyning i Bergen")
    page.get_by_label("NIK").check()
    page.get_by_label("Teams", exact=True).uncheck()
    page.locator("#columns-add").select_option("ar")
    page.locator("#columns-add ~ button").click()
    for tag, (subject, sms, body) in TEXTS.items():
        page.locator(f"#msg-{tag}-subject").fill(subject)
        page.locator(f"#msg-{tag}-sms").fill(sms)
        page.locator(f"#msg-{tag}-body").fill(body)
    expect(page.locator("#preview-sms")).to_contain_text("arabisk", timeout=10 * SECONDS)
    page.screenshot(path=str(FOLDER / "declaration.png"), full_page=True)

    page.get_by_role("button", name="Send varsel").click()
    expect(page).to_have_url(re.compile(r"/incidents/\d+$"))
    incident = page.url
    expect(page.locator("#count-queued")).to_have_text("0", timeout=30 * SECONDS)
    # A member acknowledges from the link in their e-mail.
    sandbox = context.new_page()
    sandbox.goto(f"{server.base}/sandbox?channel=email")
    link = sandbox.locator("tr.sandbox-message a.message-link").first.get_attribute("href")
    assert link is not None
    member = browser.new_context()
    ack = member.new_page()
    ack.goto(link)
    ack.locator("form button[type=submit]").click()
    member.close()
    page.goto(incident)
    expect(page.locator("#count-acknowledged")).to_have_text("1", timeout=15 * SECONDS)
    page.screenshot(path=str(FOLDER / "incident.png"), full_page=False)

    report = page.request.get(f"{incident}/report/html")
    assert report.ok
    # As the downloaded file opens: a page of its own (not under the dashboard's policy).
    printed = context.new_page()
    printed.set_content(report.text())
    printed.screenshot(path=str(FOLDER / "report.png"), full_page=False)
    context.close()
