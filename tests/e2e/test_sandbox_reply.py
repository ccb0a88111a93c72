"""The sandbox can answer: in Chromium, a coordinator replies to an SMS as the member would,
and sees the acknowledgement on the incident page and the field report in the inbox."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server, Shots
from tests.e2e.test_dashboard_browser import sign_in

SECONDS = 1000
INGRID = "+4741000221"  # Oslo kommune, NIK, bokmål


def test_a_coordinator_replies_as_a_member_in_the_sandbox(
    browser: Browser, server: Server, shots: Shots
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = context.new_page()
    sign_in(page, server)

    # Given an exercise to NIK by SMS.
    page.goto(f"{server.base}/incidents/new")
    page.get_by_label("Øvelse: alle meldinger merkes ØVELSE").check()
    page.get_by_label("Tittel (for oversikten og rapporten)").fill("Øvelse: svar fra sandkassen")
    page.get_by_label("NIK").check()
    page.get_by_label("E-post", exact=True).uncheck()
    page.locator("#msg-nb-sms").fill("Øvelse: kok vannet.")
    page.locator("#msg-en-sms").fill("Exercise: boil the water.")
    # Teams is ticked, but no network has a webhook: the preview says why it counts 0.
    expect(page.locator("#preview-teams-none")).to_contain_text(
        "ingen av de valgte nettverkene har en Teams-webhook", timeout=10 * SECONDS
    )
    page.get_by_role("button", name="Send varsel").click()
    expect(page).to_have_url(re.compile(r"/incidents/\d+$"))
    incident = page.url
    code = page.locator("#reply-code").get_attribute("data-code") or ""
    expect(page.locator("#reply-code")).to_have_text(f"svarkode {code}")
    assert re.fullmatch(r"\d{4}", code), code

    # When the coordinator answers Ingrid's SMS as Ingrid would, with OK and the code.
    page.goto(f"{server.base}/sandbox?channel=sms")
    row = page.locator("tr.sandbox-message", has_text=INGRID).first
    expect(row).to_be_visible(timeout=20 * SECONDS)
    row.get_by_role("link", name="Svar som dette medlemmet").click()
    expect(page.get_by_label("Fra (medlemmets mobilnummer)")).to_have_value(INGRID)
    page.get_by_label("Tekst", exact=True).fill(f"OK {code}")
    page.get_by_role("button", name="Send svaret").click()
    expect(page.locator("#reply-outcome")).to_contain_text("Takk, bekreftelsen din er registrert")
    # Our answer is in the outbox, to Ingrid.
    expect(page.locator("tr.sandbox-message").first).to_contain_text("bekreftelsen din")
    shots(page, "sandbox-reply")

    # Then the incident page counts the acknowledgement; people and messages apart, the reply
    # code labelled, and why Teams shows nothing.
    page.goto(incident)
    expect(page.locator("#count-acknowledged")).to_have_text("1")
    recipients = int(page.locator("#count-recipients").inner_text())
    expect(page.locator("#people-heading")).to_have_text(f"{recipients} mottakere")
    expect(page.locator("#messages-count")).to_have_text(
        re.compile(r"^\d+ meldinger: 0 venter, \d+ levert$"), timeout=20 * SECONDS
    )
    expect(page.locator("#teams-none")).to_be_visible()
    shots(page, "incident-page-explains-itself")

    # And a reply with text becomes a field report in the inbox.
    page.goto(f"{server.base}/sandbox?channel=sms&to={INGRID.replace('+', '%2B')}")
    page.get_by_label("Tekst", exact=True).fill("Lang kø ved legevakten")
    page.get_by_role("button", name="Send svaret").click()
    expect(page.locator("#reply-outcome")).to_be_visible()
    page.goto(f"{server.base}/field-reports")
    report = page.locator("article.report", has_text="Lang kø ved legevakten")
    expect(report.locator(".reporter")).to_have_text("Ingrid Aas")
    expect(report.locator(".organisation")).to_have_text("Oslo kommune")
    expect(report.locator(".language")).to_have_text("skriver på norsk bokmål")
    expect(report.locator(".about-incident")).to_contain_text("Øvelse: svar fra sandkassen")
    expect(report.locator(".about-incident")).to_contain_text(f"svarkode {code}")
    reply = report.get_by_role("link", name="Svar på e-post")
    assert (reply.get_attribute("href") or "").startswith("mailto:ingrid.aas@oslo.kommune.example")
    expect(report.get_by_role("link", name="Svar på SMS")).to_have_attribute(
        "href", f"sms:{INGRID}"
    )
    shots(page, "field-report-inbox")

    # A number that is not one is refused beside the field, in bokmål.
    page.goto(f"{server.base}/sandbox")
    page.get_by_label("Fra (medlemmets mobilnummer)").fill("12")
    page.get_by_label("Tekst", exact=True).fill("OK")
    page.get_by_role("button", name="Send svaret").click()
    expect(page.locator("#reply-from-error")).to_have_text(
        "«12» er ikke et mobilnummer, som +4791234567"
    )
    context.close()
