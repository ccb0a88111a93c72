"""A new template written on the dashboard in a real browser: a coordinator adds a date field,
is told in bokmål beside the SMS field that a placeholder is not one of the fields, corrects
it, saves, and finds the template in the list as a bokmål draft."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server, Shots, sign_in

NAME = "Stengt legevakt"
SMS = "Legevakten i {place} er stengt fra {date}. Ring 116 117."


def test_write_a_new_template_with_a_date_field(
    browser: Browser, server: Server, shots: Shots
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, server)

    page.get_by_role("link", name="Maler").click()
    page.get_by_role("link", name="Ny mal").click()
    expect(page).to_have_url(f"{server.base}/templates/new")
    page.get_by_label("Navn", exact=True).fill(NAME)
    page.locator("#field-name-0").fill("place")
    page.get_by_role("button", name="Legg til felt").click()
    # The row is added by the server: what was typed stays, and the new row has the focus.
    expect(page.locator("#field-name-0")).to_have_value("place")
    expect(page.locator("#field-name-1")).to_be_focused()
    page.locator("#field-name-1").fill("date")
    page.locator("#field-kind-1").select_option(label="dato")
    expect(page.locator("#source-language")).to_have_value("nb")
    page.get_by_label("Emne (e-post og Teams)").fill("Legevakten i {place} er stengt")
    page.get_by_label("SMS-tekst").fill(SMS.replace("{place}", "{sted}"))
    page.get_by_label("Hva skal gjøres").fill("Ring 113 ved fare for liv.")
    shots(page, "new-template")

    # A placeholder that is not a field: refused beside the SMS field, in bokmål.
    page.get_by_role("button", name="Lagre som utkast").click()
    expect(page.locator("#sms-error")).to_contain_text("{sted} er ikke et av feltene i malen")
    expect(page.locator("#t-sms")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#form-errors")).to_contain_text("Ingenting er lagret")
    expect(page.locator("#field-kind-1")).to_have_value("date")
    shots(page, "unknown-placeholder")

    page.locator("#t-sms").fill(SMS)
    page.get_by_role("button", name="Lagre som utkast").click()
    expect(page).to_have_url(re.compile(r"/templates/\d+\?done=created$"))
    expect(page.locator("#done")).to_contain_text("Lagret som utkast")
    expect(page.locator("#template-fields-list")).to_contain_text("{date} dato")
    expect(page.locator("#language-nb")).to_contain_text("utkast")
    shots(page, "saved")

    page.get_by_role("link", name="← Maler").click()
    listed = page.locator("article.template", has_text=NAME)
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("utkast")
    expect(listed.locator("code", has_text="{date}")).to_have_count(1)
    shots(page, "listed")
    assert errors == []
