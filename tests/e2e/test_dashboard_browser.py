"""A coordinator and a member in a real browser, against the Quick start's service.

Sign in, declare an exercise, find the messages in the sandbox, acknowledge as the member
from the link in the e-mail, watch the incident page count it without reloading, and download
the report. Each step leaves a screenshot in ``test-artifacts/e2e/<test>/``.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server, Shots, next_code, sign_in

SECONDS = 1000  # Playwright counts milliseconds


def test_exercise_from_declaration_to_report(
    browser: Browser, server: Server, shots: Shots
) -> None:
    coordinator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = coordinator.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    # 1. Sign in: the page comes in bokmål.
    page.goto(f"{server.base}/login")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    shots(page, "sign-in")
    page.get_by_label("E-postadresse").fill(server.email)
    page.get_by_label("Passord").fill("wrong password!")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("alert")).to_contain_text("Feil")
    errors.clear()  # the refused sign-in's 401, which the console reports; nothing else may
    sign_in(page, server)
    expect(page.get_by_role("heading", name="Hendelser")).to_be_visible()
    shots(page, "incidents-empty")

    # 2. Declare an exercise, with the languages side by side and the preview as it is typed.
    page.get_by_role("link", name="Ny hendelse").click()
    page.get_by_label("Øvelse: alle meldinger merkes ØVELSE").check()
    page.get_by_label("Tittel (for oversikten og rapporten)").fill("Øvelse: vannforsyning i Bergen")
    page.get_by_label("NIK").check()
    page.locator("#msg-nb-subject").fill("Øvelse: kokevarsel")
    page.locator("#msg-nb-sms").fill("Øvelse: kok drikkevannet til ny beskjed.")
    page.locator("#msg-nb-body").fill("Dette er en øvelse. Kok drikkevannet til ny beskjed.")
    page.locator("#msg-en-subject").fill("Exercise: boil water notice")
    page.locator("#msg-en-sms").fill("Exercise: boil drinking water until further notice.")
    page.locator("#msg-en-body").fill("This is an exercise. Boil drinking water.")
    # A third language column, added in place without losing what was typed.
    page.get_by_label("Legg til språk").first.select_option("ar")
    page.get_by_role("button", name="Legg til", exact=True).first.click()
    page.locator("#msg-ar-subject").fill("تمرين: غلي الماء")
    page.locator("#msg-ar-sms").fill("تمرين: اغلوا ماء الشرب.")
    page.locator("#msg-ar-body").fill("هذا تمرين. اغلوا ماء الشرب.")
    expect(page.locator("#msg-nb-subject")).to_have_value("Øvelse: kokevarsel")
    recipients = page.locator("#preview-recipients")
    expect(recipients).to_have_text(re.compile(r"^[1-9]\d*$"), timeout=10 * SECONDS)
    expect(page.locator("#preview-sms")).to_contain_text("arabisk", timeout=10 * SECONDS)
    expect(page.locator("#msg-ar-sms")).to_have_attribute("dir", "rtl")
    planned = int(recipients.inner_text())
    shots(page, "declare-with-preview")
    page.get_by_role("button", name="Send varsel").click()
    expect(page).to_have_url(re.compile(r"/incidents/\d+$"))
    expect(page.locator(".banner.exercise")).to_be_visible()
    expect(page.locator("#count-recipients")).to_have_text(str(planned))
    expect(page.locator("#count-acknowledged")).to_have_text("0")
    incident_url = page.url
    # Delivered by the embedded workers to the sandbox; the page counts it by itself.
    expect(page.locator("#count-queued")).to_have_text("0", timeout=30 * SECONDS)
    shots(page, "incident-sent")

    # 3. The sandbox shows what would have gone out, with each e-mail's link.
    sandbox = coordinator.new_page()
    sandbox.goto(f"{server.base}/sandbox?channel=email")
    messages = sandbox.locator("tr.sandbox-message")
    expect(messages.first).to_be_visible(timeout=15 * SECONDS)
    # Each in the member's language, or the fallback the preview announced; marked either way.
    expect(messages.first).to_contain_text(re.compile("ØVELSE|EXERCISE|تمرين"))
    link = messages.first.locator("a.message-link").get_attribute("href")
    assert link is not None
    assert link.startswith(f"{server.base}/ack/")
    shots(sandbox, "sandbox")

    # 4. A member, in a browser of their own, opens the link and confirms.
    member = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    ack = member.new_page()
    ack.goto(link)
    shots(ack, "member-ack-page")
    ack.locator("form button[type=submit]").click()
    expect(ack.locator("body")).not_to_contain_text("404")
    shots(ack, "member-acknowledged")

    # 5. The incident page, never reloaded, shows the acknowledgement.
    page.bring_to_front()
    page.evaluate("window.notReloaded = true")  # gone if the page were loaded again
    expect(page.locator("#count-acknowledged")).to_have_text("1", timeout=15 * SECONDS)
    assert page.evaluate("window.notReloaded") is True
    assert page.url == incident_url
    # The full organisation table stays open across the section's own refreshes.
    page.get_by_label("Vis alle organisasjoner").check()
    expect(page.locator("#organisations")).to_be_visible()
    page.evaluate("document.getElementById('organisations').dataset.old = 'yes'")
    # Visible again in the section that replaced itself (the new element has no mark).
    expect(page.locator("#organisations:not([data-old])")).to_be_visible(timeout=10 * SECONDS)
    shots(page, "incident-acknowledged")

    # 6. The report, downloaded as a file.
    with page.expect_download() as download_info:
        page.locator("#report-html").click()
    download = download_info.value
    saved = shots.folder / download.suggested_filename
    download.save_as(saved)
    report = saved.read_text(encoding="utf-8")
    assert download.suggested_filename.endswith(".html")
    assert "ØVELSE" in report
    assert "<svg" in report
    assert "<script" not in report

    # 7. On a phone: nothing wider than the screen, and the counts still there.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        storage_state=coordinator.storage_state(),
    )
    small = phone.new_page()
    small.goto(incident_url)
    expect(small.locator("#count-acknowledged")).to_have_text("1")
    overflow = small.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
    shots(small, "incident-on-a-phone")

    # 8. Signing out ends the session.
    page.get_by_role("button", name="Logg ut").click()
    expect(page).to_have_url(f"{server.base}/login")
    page.goto(incident_url)
    expect(page).to_have_url(re.compile(r"/login\?next="))

    assert errors == [], errors
    for context in (coordinator, member, phone):
        context.close()


def test_keyboard_alone_reaches_and_uses_the_sign_in_form(
    browser: Browser, server: Server, shots: Shots
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.base}/login?lang=en")
    expect(page.locator(":focus")).to_have_attribute("id", "email")  # ready to type
    page.keyboard.type(server.email)
    page.keyboard.press("Tab")
    page.keyboard.type(server.password)
    page.keyboard.press("Enter")
    # A coordinator's second step: the authenticator is set up (or its code asked for) with
    # the keyboard too, the code field taking the focus.
    page.wait_for_url(re.compile(r"/login/(enrol|code)$"))
    expect(page.locator(":focus")).to_have_attribute("id", "code")
    if page.url.endswith("/login/enrol"):
        server.factor["secret"] = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.keyboard.type(next_code(server))
        page.keyboard.press("Enter")
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        page.keyboard.press("Tab")
        while page.evaluate("document.activeElement.className") != "button primary":
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    else:
        page.keyboard.type(next_code(server))
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.base}/")
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    # The first Tab on a page offers to skip the menu; Enter moves focus to the content.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to the content")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("id", "main")
    shots(page, "signed-in-by-keyboard-in-english")
    context.close()
