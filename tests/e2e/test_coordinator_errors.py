"""A coordinator's refused forms, as a person sees them in Chromium: a page (never its source),
in the page's language, with each reason beside the field it is about, and nothing sent."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, Response, expect

from tests.e2e.conftest import Server, Shots
from tests.e2e.test_dashboard_browser import sign_in

SECONDS = 1000


def submit(page: Page, button: str) -> Response:
    """Click ``button`` and return the answer to the form's POST."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.is_navigation_request()
    ) as answer:
        page.get_by_role("button", name=button, exact=True).click()
    return answer.value


def assert_a_page(answer: Response) -> None:
    assert answer.status == 422
    assert answer.headers["content-type"].startswith("text/html"), answer.headers


def declare_exercise(page: Page, server: Server) -> str:
    """A small exercise to NIK by e-mail, from the dashboard; the incident page's address."""
    page.goto(f"{server.base}/incidents/new")
    page.get_by_label("Øvelse: alle meldinger merkes ØVELSE").check()
    page.get_by_label("Tittel (for oversikten og rapporten)").fill("Øvelse: feilmeldinger")
    page.get_by_label("NIK").check()
    for channel in ("SMS", "Teams"):
        page.get_by_label(channel, exact=True).uncheck()
    page.locator("#msg-nb-subject").fill("Øvelse")
    page.locator("#msg-nb-body").fill("Dette er en øvelse.")
    page.get_by_role("button", name="Send varsel").click()
    expect(page).to_have_url(re.compile(r"/incidents/\d+$"))
    return page.url


def test_every_refused_dashboard_form_is_a_page_in_its_language_with_reasons_by_the_fields(
    browser: Browser, server: Server, shots: Shots
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = context.new_page()
    sign_in(page, server)

    # Given the declaration form, sent empty: the browser itself asks for what is required.
    page.goto(f"{server.base}/incidents/new")
    page.get_by_role("button", name="Send varsel").click()
    expect(page).to_have_url(f"{server.base}/incidents/new")
    assert page.locator("input[name=status]:invalid").count() == 3

    # When only what the browser requires is given, the server refuses the rest: a page, in
    # bokmål, each reason beside its field.
    page.get_by_label("Øvelse: alle meldinger merkes ØVELSE").check()
    page.get_by_label("Tittel (for oversikten og rapporten)").fill("Øvelse uten mottakere")
    for channel in ("E-post", "SMS", "Teams"):
        page.get_by_label(channel, exact=True).uncheck()
    assert_a_page(submit(page, "Send varsel"))
    expect(page.get_by_role("alert")).to_contain_text("Ingenting er lagret eller sendt")
    expect(page.locator("#networks-error")).to_have_text(
        "velg minst ett nettverk: NIK, NONEMI, NIFS"
    )
    expect(page.locator("#channels-error")).to_have_text(
        "velg minst én kanal: e-post, SMS eller Teams"
    )
    expect(page.locator("#message-error")).to_contain_text("meldingen er tom")
    expect(page.get_by_label("Tittel (for oversikten og rapporten)")).to_have_value(
        "Øvelse uten mottakere"
    )
    shots(page, "declare-refused-in-bokmal")

    # An SMS text that is missing, and one that is too long, are named at their own fields.
    page.get_by_label("NIK").check()
    page.get_by_label("SMS", exact=True).check()
    page.locator("#msg-nb-subject").fill("Øvelse")
    page.locator("#msg-nb-body").fill("Tekst")
    page.locator("#msg-en-sms").fill("x" * 1700)
    assert_a_page(submit(page, "Send varsel"))
    expect(page.locator("#msg-nb-sms-error")).to_have_text(
        "norsk bokmål: SMS-teksten er tom, og SMS er blant kanalene"
    )
    expect(page.locator("#msg-nb-sms")).to_have_attribute("aria-describedby", "msg-nb-sms-error")
    expect(page.locator("#msg-en-sms-error")).to_contain_text("engelsk: SMS-en ville blitt")
    expect(page.locator("#msg-en-sms-error")).to_contain_text("det meste er 10")

    # In nynorsk, the same form says it in nynorsk.
    page.goto(f"{server.base}/incidents/new?lang=nn")
    page.locator("input[name=status][value=exercise]").check()
    page.locator("#title").fill("Øving")
    assert_a_page(submit(page, "Send varsel"))
    expect(page.locator("#networks-error")).to_have_text(
        "vel minst eitt nettverk: NIK, NONEMI, NIFS"
    )
    page.goto(f"{server.base}/incidents/new?lang=nb")

    # Given an incident, an update sent empty is a page with the reason at the update form.
    incident = declare_exercise(page, server)
    assert_a_page(submit(page, "Send oppdateringen"))
    expect(page).to_have_url(f"{incident}/updates")
    expect(page.locator("#update-message-error")).to_contain_text("meldingen er tom")
    expect(page.locator("#update-heading ~ #form-errors")).to_be_visible()
    shots(page, "update-refused-in-bokmal")

    # A closing message with a body but no subject, and e-mail among the channels.
    page.goto(incident)
    page.get_by_text("Skriv en avslutningsmelding").click()
    page.locator("#close-nb-body").fill("Vannet er trygt.")
    assert_a_page(submit(page, "Avslutt hendelsen …"))
    expect(page.locator("#close-nb-subject-error")).to_have_text(
        "norsk bokmål: emnet er tomt, og e-post er blant kanalene"
    )
    expect(page.locator("#close-nb-body")).to_have_value("Vannet er trygt.")
    expect(page.locator("#update-heading")).to_be_visible()  # not closed

    # Calling the networks in with a link that is not the meeting's https address.
    page.goto(incident)
    page.get_by_label("Lenke til Teams-møtet").fill("ftp://example.org/meeting")
    assert_a_page(submit(page, "Kall inn nettverkene"))
    expect(page.locator("#join_url-error")).to_have_text(
        "møtelenken må være møtets https-adresse, slik Teams gir den"
    )
    expect(page.get_by_label("Lenke til Teams-møtet")).to_have_value("ftp://example.org/meeting")

    # Nothing was sent but the one alert: the sandbox holds the e-mails of the first version only.
    page.goto(f"{server.base}/sandbox?channel=email")
    expect(page.locator("tr.sandbox-message").first).to_be_visible(timeout=15 * SECONDS)
    expect(page.locator("body")).not_to_contain_text("Oppdatering")
    context.close()


def test_a_refused_contact_shows_each_reason_beside_its_field(
    browser: Browser, server: Server, shots: Shots
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = context.new_page()
    sign_in(page, server)

    # Given a demo contact's page (Lars Haugen at FHI, reached by e-mail only),
    page.goto(f"{server.base}/directory?q=Lars")
    page.get_by_role("link", name="Lars Haugen").click()
    expect(page).to_have_url(re.compile(r"/directory/contacts/\d+$"))
    contact = page.url

    # when a number that is no mobile number and a language that is none are saved,
    page.locator("#phone").fill("12")
    page.get_by_label("Ønsket språk (språkkode, for eksempel nb, ar eller so)").fill("xx")
    assert_a_page(submit(page, "Lagre"))

    # each reason stands in bokmål beside its field, which names it, and the summary lists both.
    expect(page.get_by_role("alert")).to_contain_text("Ingenting er lagret eller sendt")
    expect(page.locator("#phone-error")).to_have_text(
        "telefonnummeret «12» er ikke et gyldig norsk eller internasjonalt mobilnummer"
    )
    expect(page.locator("#phone")).to_have_attribute("aria-describedby", "phone-error")
    expect(page.locator("#phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#language-error")).to_have_text(
        "språk: «xx» er ikke en språkkode vi kjenner; bruk en BCP 47-kode som nb, en, ar eller "
        "fa-AF"
    )
    expect(page.locator("#language")).to_have_attribute("aria-describedby", "language-error")
    expect(page.locator("#name-error")).to_have_count(0)
    expect(page.locator("#name")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#phone")).to_have_value("12")
    shots(page, "contact-refused-in-bokmal")

    # An address another contact at FHI has is refused beside the e-mail field.
    page.goto(contact)
    page.locator("#email").fill("kari.nordmann@fhi.example")
    answer = submit(page, "Lagre")
    assert answer.status == 409
    expect(page.locator("#email-error")).to_contain_text(
        "i denne organisasjonen har allerede denne e-postadressen"
    )
    expect(page.locator("#email")).to_have_attribute("aria-describedby", "email-error")

    # In English on request, the same field says it in English.
    page.goto(f"{contact}?lang=en")
    page.locator("#phone").fill("12")
    assert_a_page(submit(page, "Save"))
    expect(page.locator("#phone-error")).to_have_text(
        "phone '12' is not a valid Norwegian or international mobile number"
    )
    context.close()
