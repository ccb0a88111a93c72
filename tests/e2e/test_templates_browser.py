"""Templates in a real browser, against the Quick start's service with its starter library.

A coordinator changes the bokmål source (the approved translations then need review),
compares the Arabic draft with the source side by side, is told beside the field about a
placeholder that is not one of the template's fields, approves it, and declares an exercise
from the template: the preview shows each language's SMS as sent, its segments and its review
state, the Polish draft left out, and the Arabic reader's SMS arrives with the place and the
date written the Arabic way.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server, Shots, sign_in

SECONDS = 1000
TEMPLATE = "Kokevarsel (drikkevann)"
ARABIC_DATE = "7 ديسمبر 2026"


def test_write_compare_approve_and_declare_from_a_template(
    browser: Browser, server: Server, shots: Shots
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, server)

    # 1. The starter library is there; bokmål, nynorsk and English approved, Arabic a draft.
    page.get_by_role("link", name="Maler").click()
    page.get_by_role("link", name=TEMPLATE).click()
    languages = page.locator("#template-languages")
    expect(languages.locator("#language-nb")).to_contain_text("godkjent")
    expect(languages.locator("#language-en")).to_contain_text("godkjent")
    expect(languages.locator("#language-ar")).to_contain_text("utkast")
    template_url = page.url
    shots(page, "template")

    # 2. The source changes: the approved translations need review.
    page.locator("#language-nb").get_by_role("link", name="Sammenlign og rediger").click()
    sms = page.locator("#t-sms")
    sms.fill(sms.input_value().replace("Spørsmål:", "Spørsmål? Ring"))
    page.get_by_role("button", name="Godkjenn").click()
    expect(page.locator("#done")).to_contain_text("Godkjent")
    page.goto(template_url)
    expect(languages.locator("#language-en")).to_contain_text("må gjennomgås")
    expect(languages.locator("#language-nn")).to_contain_text("må gjennomgås")
    expect(languages.locator("#language-ar")).to_contain_text("utkast")
    shots(page, "needs-review")
    # The English text still says the same: approved again as it is.
    page.locator("#language-en").get_by_role("link", name="Sammenlign og rediger").click()
    page.get_by_role("button", name="Godkjenn").click()
    expect(page.locator("#done")).to_contain_text("Godkjent")

    # 3. Arabic beside the source: a wrong placeholder is refused beside the field, in bokmål.
    page.goto(template_url)
    page.locator("#language-ar").get_by_role("link", name="Sammenlign og rediger").click()
    expect(page.locator("#source-sms")).to_contain_text("Spørsmål? Ring {phone}")
    expect(page.locator("#t-sms")).to_have_attribute("dir", "rtl")
    arabic_sms = page.locator("#t-sms").input_value()
    page.locator("#t-sms").fill(arabic_sms.replace("{place}", "{sted}"))
    shots(page, "compare-side-by-side")
    page.get_by_role("button", name="Godkjenn").click()
    expect(page.locator("#sms-error")).to_contain_text("{sted} er ikke et av feltene i malen")
    expect(page.locator("#t-sms")).to_have_attribute("aria-invalid", "true")
    shots(page, "wrong-placeholder")
    page.locator("#t-sms").fill(arabic_sms)
    page.get_by_role("button", name="Godkjenn").click()
    expect(page.locator("#done")).to_contain_text("Godkjent")
    page.goto(template_url)
    expect(languages.locator("#language-ar")).to_contain_text("godkjent")
    expect(languages.locator("#language-ar")).to_contain_text("versjon")

    # 4. Declare from the template: fill in its fields, then the columns.
    page.goto(f"{server.base}/incidents/new")
    page.get_by_label("Øvelse: alle meldinger merkes ØVELSE").check()
    page.get_by_label("NIK").check()
    page.get_by_label("Mal", exact=True).select_option(label=TEMPLATE)
    expect(page.locator("#tf-place")).to_be_visible(timeout=10 * SECONDS)
    page.locator("#tf-place").fill("Voss")
    page.locator("#tf-date").fill("2026-12-07")
    page.locator("#tf-phone").fill("56 53 00 00")
    page.locator("#tf-url").fill("https://www.voss.kommune.no/kokevarsel")
    page.get_by_role("button", name="Fyll ut meldingen").click()
    expect(page.locator("#msg-nb-sms")).to_have_value(
        re.compile(r"Kokevarsel i Voss fra 7\. desember 2026")
    )
    expect(page.locator("#msg-ar-sms")).to_have_value(re.compile(ARABIC_DATE))
    expect(page.locator("#msg-nn-sms")).to_have_count(0)  # needs review: left out
    expect(page.locator("#title")).to_have_value(TEMPLATE)

    # The preview: each language's SMS as sent, its segments and its review state.
    review = page.locator("#preview-review")
    expect(review).to_be_visible(timeout=10 * SECONDS)
    expect(page.locator("#preview-review-pl")).to_contain_text("utkast")
    expect(page.locator("#preview-review-pl")).to_contain_text("utelatt")
    expect(page.locator("#preview-review-nn")).to_contain_text("må gjennomgås")
    arabic = page.locator("#preview-sms-ar")
    expect(arabic).to_contain_text("godkjent")
    expect(arabic).to_contain_text("UCS-2")
    expect(arabic.locator("pre")).to_contain_text(f"في Voss ابتداء من {ARABIC_DATE}")
    expect(arabic.locator("pre")).to_have_attribute("dir", "rtl")
    expect(page.locator("#preview-sms-nb pre")).to_contain_text("ØVELSE: Kokevarsel i Voss")
    expect(page.locator("#preview-sms-nb")).to_contain_text("segment")
    shots(page, "declare-from-template")

    # The coordinator can still change a language before sending.
    page.locator("#msg-en-sms").fill(
        "Boil-water notice in Voss from today. Boil all drinking water."
    )
    expect(page.locator("#preview-sms-en pre")).to_contain_text("from today", timeout=10 * SECONDS)
    expect(page.locator("#preview-review-en")).to_contain_text("endret før sending")
    page.get_by_role("button", name="Send varsel").click()
    expect(page).to_have_url(re.compile(r"/incidents/\d+$"))

    # 5. The Arabic reader's SMS, in the sandbox: Arabic, with the place and the Arabic date.
    page.goto(f"{server.base}/sandbox?channel=sms")
    arabic_row = page.locator("tr.sandbox-message", has_text="+4741000100")
    expect(arabic_row.first).to_contain_text(ARABIC_DATE, timeout=30 * SECONDS)
    expect(arabic_row.first).to_contain_text("Voss")
    shots(page, "arabic-sms-in-sandbox")
    assert errors == []
