"""Updating and closing an incident in Chromium: no language is dropped, what no one will read
is said before sending, closing asks first and shows what goes to whom, and afterwards a
member's link says that the alert is over, naming the sender in the member's language."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server, Shots
from tests.e2e.test_dashboard_browser import sign_in
from translations import strings
from translations.catalog import translator

SECONDS = 1000
ARABIC_MEMBER = "ahmed.hassan@oslo.kommune.example"
LANGUAGES = {
    "nb": ("Øvelse: kokevarsel", "Kok vannet."),
    "en": ("Exercise: boil water", "Boil the water."),
    "ar": ("تمرين: غلي الماء", "اغلوا الماء."),
    "so": ("Layli: karkari biyaha", "Karkari biyaha."),
}


def add_language(page: Page, target: str, tag: str) -> None:
    page.locator(f"#{target}-add").select_option(tag)
    page.locator(f"#{target}-add ~ button").click()
    expect(page.locator(f"#{target} input[name='language'][value='{tag}']")).to_have_count(1)


def test_update_and_close_keep_every_language_and_closing_asks_first(
    browser: Browser, server: Server, shots: Shots
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = context.new_page()
    sign_in(page, server)

    # Given an exercise to NIK by e-mail in bokmål, English, Arabic and Somali.
    page.goto(f"{server.base}/incidents/new")
    page.get_by_label("Øvelse: alle meldinger merkes ØVELSE").check()
    page.get_by_label("Tittel (for oversikten og rapporten)").fill("Øvelse: språk beholdes")
    page.get_by_label("NIK").check()
    for channel in ("SMS", "Teams"):
        page.get_by_label(channel, exact=True).uncheck()
    for tag in ("ar", "so"):
        add_language(page, "columns", tag)
    # A language can be added once; asking again changes nothing.
    page.locator("#columns-add").select_option("ar")
    page.locator("#columns-add ~ button").click()
    expect(page.locator("#columns input[name='language'][value='ar']")).to_have_count(1)
    # A column added by mistake can be removed.
    add_language(page, "columns", "pl")
    page.get_by_role("button", name="Fjern polsk").click()
    expect(page.locator("#columns input[name='language']")).to_have_count(4)
    for tag, (subject, body) in LANGUAGES.items():
        page.locator(f"#msg-{tag}-subject").fill(subject)
        page.locator(f"#msg-{tag}-body").fill(body)
    page.get_by_role("button", name="Send varsel").click()
    expect(page).to_have_url(re.compile(r"/incidents/\d+$"))
    incident = page.url

    # The update form starts with every language of the alert, not only bokmål and English.
    columns = page.locator("#update-columns input[name='language']")
    expect(columns).to_have_count(4)
    assert [columns.nth(i).get_attribute("value") for i in range(4)] == list(LANGUAGES)

    # When a Thai column is added, and Somali is left empty, the preview warns before sending.
    add_language(page, "update-columns", "th")
    for tag, (subject, body) in LANGUAGES.items():
        if tag != "so":
            page.locator(f"#update-{tag}-subject").fill("Oppdatering: " + subject)
            page.locator(f"#update-{tag}-body").fill(body)
    page.locator("#update-th-subject").fill("อัปเดต")
    page.locator("#update-th-body").fill("ต้มน้ำ")
    warnings = page.locator("#update-preview #preview-warnings")
    expect(warnings).to_contain_text("Ingen mottakere leser thai.", timeout=10 * SECONDS)
    expect(warnings).to_contain_text("får engelsk i stedet for sitt eget språk")
    expect(warnings).to_contain_text(re.compile(r"\d+ mottakere? får norsk bokmål"))
    shots(page, "update-preview-warns")
    page.get_by_role("button", name="Send oppdateringen").click()
    expect(page).to_have_url(f"{incident}?done=update")

    # The closing form starts with the update's languages.
    close_columns = page.locator("#close-columns input[name='language']")
    expect(close_columns).to_have_count(4)
    page.get_by_text("Skriv en avslutningsmelding").click()
    for tag in ("nb", "en", "ar"):
        page.locator(f"#close-{tag}-subject").fill(f"Over ({tag})")
        page.locator(f"#close-{tag}-body").fill(f"Vannet er trygt ({tag}).")
    page.locator("#close-th-subject").fill("จบ")
    page.locator("#close-th-body").fill("น้ำปลอดภัย")
    expect(page.locator("#close-preview #preview-warnings")).to_contain_text(
        "Ingen mottakere leser thai.", timeout=10 * SECONDS
    )

    # Closing asks first, with what goes to whom; nothing is closed yet.
    page.get_by_role("button", name="Avslutt hendelsen …").click()
    expect(page.get_by_role("heading", name="Avslutte hendelsen?")).to_be_visible()
    expect(page.locator("#close-recipients")).to_contain_text(
        re.compile(r"Avslutningsmeldingen går til \d+ mottakere")
    )
    expect(page.locator("#close-languages")).to_contain_text("arabisk")
    expect(page.locator("#preview-warnings")).to_contain_text("Ingen mottakere leser thai.")
    shots(page, "close-confirm")
    page.get_by_role("link", name="Nei, gå tilbake").click()
    expect(page.locator("#update-heading")).to_be_visible()  # still open: updates possible

    page.get_by_text("Skriv en avslutningsmelding").click()
    for tag in ("nb", "en", "ar"):
        page.locator(f"#close-{tag}-subject").fill(f"Over ({tag})")
        page.locator(f"#close-{tag}-body").fill(f"Vannet er trygt ({tag}).")
    page.get_by_role("button", name="Avslutt hendelsen …").click()
    page.get_by_role("button", name="Ja, avslutt hendelsen").click()
    expect(page).to_have_url(f"{incident}?done=closed")
    expect(page.locator("#update-heading")).to_have_count(0)

    # The Arabic member's e-mail names the sender in Arabic; the link now says it is over.
    page.goto(f"{server.base}/sandbox?channel=email&to={ARABIC_MEMBER}")
    alert = page.locator("tr.sandbox-message", has_text=LANGUAGES["ar"][0]).first
    expect(alert).to_be_visible(timeout=20 * SECONDS)
    arabic = translator("ar")
    expect(alert).to_contain_text(arabic.gettext(strings.ALERT_FROM_DIRECTORATE) + " · NIK")
    link = alert.locator("a.message-link").get_attribute("href")
    assert link is not None
    member = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    ack = member.new_page()
    ack.goto(link)
    expect(ack.locator("html")).to_have_attribute("lang", "ar")
    expect(ack.locator("#over")).to_have_text(arabic.gettext(strings.INCIDENT_CLOSED))
    expect(ack.locator("#closing")).to_contain_text("Vannet er trygt (ar).")
    expect(ack.locator("#sender")).to_have_text(
        arabic.gettext(strings.ALERT_FROM_DIRECTORATE) + " · NIK"
    )
    expect(ack.locator("form button[type=submit]")).to_have_count(0)
    shots(ack, "member-link-after-closing")
    member.close()
    context.close()
