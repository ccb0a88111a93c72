"""Signing in as people do, in Chromium: a coordinator's authenticator app, and single sign-on
through a real OpenID provider (panva's certified ``oidc-provider``) on loopback.

The provider is the real thing; for the refusals a test asks it (``tests/oidc/provider.mjs``)
to hand out one ID token with a claim changed and signed again with its own key, or signed with
a key it never published: what an attacker in the middle or a confused provider would send.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.e2e.conftest import Server, Shots, give_second_factor, next_code
from tests.oidc_provider import CLIENT_ID, OidcProvider, oidc_provider_factory  # noqa: F401
from tests.processes import Process, clean_env, free_port, start_api

ACCOUNTS = {
    "kari": {"roles": ["coordinator"], "email": "kari@helsedir.example", "name": "Kari Nordmann"},
    "ola": {"roles": ["Beredskap.Leser"], "preferred_username": "ola@helsedir.example"},
    "per": {"roles": ["guest"], "email": "per@helsedir.example"},
}


def sign_in_with_password(page: Page, server: Server) -> None:
    page.goto(f"{server.base}/login")
    page.get_by_label("E-postadresse").fill(server.email)
    page.get_by_label("Passord").fill(server.password)
    page.get_by_role("button", name="Logg inn").click()


def test_a_coordinator_sets_up_an_authenticator_and_signs_in_with_its_codes(
    browser: Browser, server: Server, shots: Shots
) -> None:
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    # 1. The first sign-in: the password is right, and the authenticator is set up next.
    sign_in_with_password(page, server)
    expect(page).to_have_url(f"{server.base}/login/enrol")
    expect(page.get_by_role("heading", name="Sett opp autentiseringsappen")).to_be_visible()
    expect(page.locator("figure.qr svg")).to_be_visible()
    shots(page, "enrol-authenticator")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    now = datetime.now(UTC)
    valid = {totp.at(now + timedelta(seconds=s)) for s in (-60, -30, 0, 30, 60)}
    wrong = next(c for c in ("000000", "111111", "222222") if c not in valid)
    page.locator("#code").fill(wrong)
    page.get_by_role("button", name="Bekreft og logg inn").click()
    expect(page.get_by_role("alert")).to_contain_text("Koden er feil")
    # 2. The code the app shows: signed in, and the recovery codes shown this once.
    server.factor["secret"] = secret
    page.locator("#code").fill(next_code(server))
    page.get_by_role("button", name="Bekreft og logg inn").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    recovery = page.locator("#recovery-codes code").all_inner_texts()
    shots(page, "recovery-codes")
    page.get_by_role("link", name="Jeg har tatt vare på dem – fortsett").click()
    expect(page.get_by_role("heading", name="Hendelser")).to_be_visible()
    # The QR code is not to be had again.
    page.goto(f"{server.base}/login/enrol")
    expect(page).to_have_url(f"{server.base}/login")
    page.goto(f"{server.base}/")
    page.get_by_role("button", name="Logg ut").click()

    # 3. Next time: password, then a code; a wrong one is refused with the reason.
    sign_in_with_password(page, server)
    expect(page).to_have_url(f"{server.base}/login/code")
    page.locator("#code").fill(wrong)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("alert")).to_contain_text("Koden er feil")
    shots(page, "wrong-code")
    give_second_factor(page, server)
    expect(page.get_by_role("heading", name="Hendelser")).to_be_visible()
    page.get_by_role("button", name="Logg ut").click()

    # 4. A lost phone: a recovery code works, once.
    sign_in_with_password(page, server)
    page.locator("#code").fill(recovery[0])
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", name="Hendelser")).to_be_visible()
    page.get_by_role("button", name="Logg ut").click()
    sign_in_with_password(page, server)
    page.locator("#code").fill(recovery[0])
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("alert")).to_contain_text("allerede brukt")
    context.close()


# --- Single sign-on --------------------------------------------------------------------------


@dataclass(frozen=True)
class SsoServer:
    base: str
    provider: OidcProvider
    process: Process


@pytest.fixture
def sso_server(
    tmp_path: Path,
    dispatch_bin: str,
    oidc_provider_factory: Callable[..., OidcProvider],  # noqa: F811
) -> Iterator[SsoServer]:
    """``dispatch serve`` signing in through the provider on loopback; ``Beredskap.Leser`` is
    mapped to viewer, as an organisation's own role names would be."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    provider = oidc_provider_factory(redirect_uri=f"{base}/login/oidc/callback", accounts=ACCOUNTS)
    env = clean_env(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'sso.sqlite3'}",
        secret_key="e2e-sso-secret-key-for-tests",
        base_url=base,
        oidc_role_map='{"Beredskap.Leser": "viewer"}',
        **provider.settings(),
    )
    process = start_api(dispatch_bin, env, port, tmp_path / "serve.log")
    yield SsoServer(base, provider, process)
    process.stop()


def through_provider(context: BrowserContext, sso: SsoServer, login: str) -> Page:
    """From the service's sign-in page to the provider's, signing in there as ``login``."""
    page = context.new_page()
    page.goto(f"{sso.base}/login?next=/packs")
    page.get_by_role("link", name="Logg inn med kontoen fra virksomheten din").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(sso.provider.issuer)}/"))
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password: the provider's test form")
    page.locator("button[type=submit]").click()
    return page


def signed_out(page: Page, sso: SsoServer) -> None:
    page.goto(f"{sso.base}/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))


def test_single_sign_on_gives_the_role_from_the_token_and_survives_a_key_rotation(
    browser: Browser, sso_server: SsoServer, shots: Shots
) -> None:
    context = browser.new_context(locale="nb-NO")
    page = through_provider(context, sso_server, "kari")
    # Back where she was going, signed in as the coordinator her token says she is.
    expect(page).to_have_url(f"{sso_server.base}/packs")
    expect(page.locator(".who")).to_have_text("kari@helsedir.example")
    expect(page.get_by_role("link", name="Kontaktregister")).to_be_visible()  # coordinators only
    shots(page, "sso-signed-in")
    context.close()

    # The provider starts signing with a new key (the old one is no longer published): the
    # service fetches the keys again and lets the next person in.
    sso_server.provider.rotate_keys()
    context = browser.new_context(locale="nb-NO")
    page = through_provider(context, sso_server, "ola")
    expect(page).to_have_url(f"{sso_server.base}/packs")
    expect(page.locator(".who")).to_have_text("ola@helsedir.example")
    expect(page.get_by_role("link", name="Kontaktregister")).to_have_count(
        0
    )  # a viewer, by the map
    context.close()


def test_a_person_without_a_known_role_gets_no_session_and_is_told_why(
    browser: Browser, sso_server: SsoServer, shots: Shots
) -> None:
    context = browser.new_context(locale="nb-NO")
    page = through_provider(context, sso_server, "per")
    expect(page.get_by_role("heading", name="Du er ikke logget inn")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("ingen rolle i denne tjenesten")
    shots(page, "sso-no-role")
    signed_out(page, sso_server)
    context.close()


def test_a_tampered_state_is_refused(browser: Browser, sso_server: SsoServer) -> None:
    context = browser.new_context(locale="nb-NO")
    came_back: list[str] = []

    def hold(route: Route) -> None:
        # The provider's sign-in form answers with a redirect to its /auth/… resume address,
        # which redirects the browser back to the service with the code and the state. Follow
        # the two hops here (Playwright does not route a redirect's next request) and keep the
        # last address instead of letting the browser open it.
        answer = route.fetch(max_redirects=0)
        resume = answer.headers.get("location", "")
        if resume.startswith("/"):
            resume = sso_server.provider.issuer + resume
        # What the browser would send to the resume address: its cookies for that path (the
        # provider keeps one there), and those the sign-in answer just set.
        cookies = {c["name"]: c["value"] for c in context.cookies(resume)}
        for header in answer.headers_array:
            if header["name"].lower() == "set-cookie":
                name, value = header["value"].split(";", 1)[0].split("=", 1)
                cookies[name] = value
        resumed = route.fetch(
            url=resume,
            method="GET",
            headers={"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
            max_redirects=0,
        )
        came_back.append(resumed.headers.get("location", ""))
        route.abort()

    provider_login = re.compile(re.escape(sso_server.provider.issuer) + r"/interaction/[^/]+$")
    context.route(provider_login, lambda route: hold(route) if route.request.method == "POST"
                  else route.continue_())  # fmt: skip
    page = through_provider(context, sso_server, "kari")
    for _ in range(100):
        if came_back:
            break
        page.wait_for_timeout(100)
    assert came_back, "the provider sent the browser back with a code"
    assert "/login/oidc/callback?" in came_back[0], came_back
    context.unroute(provider_login)
    query = {k: v[0] for k, v in parse_qs(urlsplit(came_back[0]).query).items()}
    assert query["code"]
    # The real code, with its state altered on the way.
    query["state"] = query["state"][:-4] + (
        "AAAA" if not query["state"].endswith("AAAA") else "BBBB"
    )
    page.goto(f"{sso_server.base}/login/oidc/callback?{urlencode(query)}")
    expect(page.get_by_role("alert")).to_contain_text("endret underveis")
    signed_out(page, sso_server)
    context.close()


@pytest.mark.parametrize(
    ("change", "foreign_key"),
    [
        ({"nonce": "a-nonce-from-another-sign-in"}, False),
        ({"aud": "another-application", "azp": CLIENT_ID}, False),
        ({"iss": "https://login.evil.example/v2.0"}, False),
        (None, True),
    ],
    ids=["wrong-nonce", "wrong-audience", "wrong-issuer", "unpublished-key"],
)
def test_an_id_token_that_does_not_check_out_signs_no_one_in(
    browser: Browser,
    sso_server: SsoServer,
    change: dict[str, str] | None,
    foreign_key: bool,
) -> None:
    sso_server.provider.tamper(change, foreign_key=foreign_key)
    context = browser.new_context(locale="nb-NO")
    page = through_provider(context, sso_server, "kari")
    expect(page.get_by_role("heading", name="Du er ikke logget inn")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("kunne ikke bekreftes")
    signed_out(page, sso_server)
    context.close()
