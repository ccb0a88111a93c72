"""The dashboard over HTTP: signing in and out, CSRF, roles, and every page's forms.

Browsers are in ``tests/e2e``; here each request is checked for what it writes and refuses.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pyotp
import pytest
from litestar import Litestar
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.acks.models import FieldReport
from dispatch.audit.service import Actor
from dispatch.db.base import utcnow
from dispatch.delivery.models import Delivery
from dispatch.delivery.sandbox import SandboxMessage
from dispatch.directory.models import Contact
from dispatch.incidents.models import Incident
from dispatch.meetings.models import Meeting
from dispatch.security.factors import ROLES_WITH_FACTOR, seal
from dispatch.security.models import Role, WebSession
from dispatch.security.service import create_user, hash_token
from tests.conftest import SECRET_KEY, RecordingEnqueuer
from tests.factories import directory_csv, row

PASSWORD = "correct horse battery staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
"""The authenticator every admin and coordinator of these tests has enrolled."""
SAME_ORIGIN = {"Origin": "https://testserver", "Sec-Fetch-Site": "same-origin"}


@dataclass
class Browser:
    """An httpx client that signed in through the form, like a browser with cookies."""

    client: httpx.AsyncClient
    csrf: str

    async def get(self, url: str, **kwargs: object) -> httpx.Response:
        return await self.client.get(url, **kwargs)  # type: ignore[arg-type]

    async def post(self, url: str, data: dict[str, object], **kwargs: object) -> httpx.Response:
        return await self.client.post(url, data={"_csrf": self.csrf, **data}, **kwargs)  # type: ignore[arg-type]


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)


def anonymous(app: Litestar, client: tuple[str, int] = ("127.0.0.1", 123)) -> httpx.AsyncClient:
    # https: the session cookie is Secure, and httpx (like a browser) keeps it off plain http.
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=client), base_url="https://testserver"
    )


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    """The contract's sign-in: a form with ``email`` and ``password``, as a browser sends it."""
    form = await client.get("/login")
    assert form.status_code == 200
    answer = await client.post(
        "/login", data={"email": email, "password": password}, headers=SAME_ORIGIN
    )
    if answer.status_code == 303 and answer.headers["location"] == "/login/code":
        # An admin or coordinator: the authenticator's current code, as the person types it.
        code = pyotp.TOTP(TOTP_SECRET).now()
        return await client.post("/login/code", data={"code": code}, headers=SAME_ORIGIN)
    return answer


SignIn = Callable[[Role], Awaitable[Browser]]


async def add_user(sessionmaker: async_sessionmaker[AsyncSession], email: str, role: Role) -> None:
    """A user with ``PASSWORD``; an admin or coordinator has enrolled ``TOTP_SECRET`` too."""
    async with sessionmaker() as session, session.begin():
        user = await create_user(
            session, email=email, role=role, password=PASSWORD, actor=Actor("t")
        )
        if role in ROLES_WITH_FACTOR:
            user.totp_secret = seal(SECRET_KEY, user.id, TOTP_SECRET)


@pytest.fixture
async def signed_in(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[SignIn]:
    clients: list[httpx.AsyncClient] = []

    async def factory(role: Role) -> Browser:
        email = f"{role.value}{len(clients)}@helsedir.example"
        await add_user(sessionmaker, email, role)
        client = anonymous(app)
        clients.append(client)
        answer = await sign_in(client, email)
        assert answer.status_code == 303, answer.text
        page = await client.get("/")
        return Browser(client, hidden(page.text, "_csrf"))

    yield factory
    for client in clients:
        await client.aclose()


def declaration(key: str = "key-1", **overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "idempotency_key": key,
        "status": "exercise",
        "title": "Øvelse: vannforsyning",
        "networks": ["NIK", "NIFS"],
        "channels": ["email", "sms"],
        "severity": "severe",
        "ack_required": "on",
        "ack_deadline_minutes": "30",
        "language": ["nb", "en"],
        "subject.nb": "Øvelse: vannforsyning",
        "body.nb": "Dette er en øvelse.",
        "sms.nb": "Øvelse: kok vannet.",
        "subject.en": "Exercise: water supply",
        "body.en": "This is an exercise.",
        "sms.en": "Exercise: boil the water.",
    }
    form.update(overrides)
    return form


async def count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


# --- Signing in and out ----------------------------------------------------------------------


async def test_pages_send_the_unsigned_to_the_sign_in_form(app: Litestar) -> None:
    async with anonymous(app) as client:
        answer = await client.get("/incidents/new?x=1")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=/incidents/new%3Fx%3D1"
        fragment = await client.get("/incidents/1/progress", headers={"HX-Request": "1"})
        assert fragment.status_code == 204
        assert fragment.headers["HX-Redirect"].startswith("/login?next=")
        assert (await client.get("/")).headers["location"] == "/login?next=/"


async def test_sign_in_sets_a_secure_cookie_and_keeps_only_its_hash(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessionmaker, "kari@helsedir.example", Role.COORDINATOR)
    async with anonymous(app) as client:
        answer = await sign_in(client, "Kari@Helsedir.example")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/"
        cookie = answer.headers["set-cookie"]
        for attribute in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
            assert attribute in cookie
        token = client.cookies["bv_session"]
        async with sessionmaker() as session:
            stored = (await session.scalars(select(WebSession))).all()
        assert [s.token_hash for s in stored] == [hash_token(token)]
        assert (await client.get("/")).status_code == 200


async def test_a_wrong_password_or_a_forged_form_signs_no_one_in(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessionmaker, "kari@helsedir.example", Role.COORDINATOR)
    async with anonymous(app) as client:
        wrong = await sign_in(client, "kari@helsedir.example", "not the password")
        assert wrong.status_code == 401
        assert "bv_session" not in wrong.headers.get("set-cookie", "")
        unknown = await sign_in(client, "nobody@helsedir.example")
        assert unknown.status_code == 401
        # The same message either way: the page does not tell which addresses have accounts.
        assert re.sub(r'value="[^"]*"', "", wrong.text) == re.sub(
            r'value="[^"]*"', "", unknown.text
        ).replace("nobody", "kari")
        # A form on another site that posts here, with the right password even: the browser
        # names the other site, and the sign-in is refused.
        right = {"email": "kari@helsedir.example", "password": PASSWORD}
        for headers in (
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Sec-Fetch-Site": "cross-site"},
        ):
            forged = await client.post("/login", data=right, headers=headers)
            assert forged.status_code == 403, headers
            assert "annet nettsted" in forged.text  # bokmål by default
    async with sessionmaker() as session:
        assert await count(session, WebSession) == 0


async def test_sign_in_limits_lock_out_the_guesser_not_the_person(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessionmaker, "kari@helsedir.example", Role.COORDINATOR)
    await add_user(sessionmaker, "ola@helsedir.example", Role.COORDINATOR)
    guesser = ("198.51.100.7", 40000)
    async with anonymous(app, client=guesser) as client:
        # Given ten wrong passwords for Kari's account from one address,
        for _ in range(10):
            assert (await sign_in(client, "kari@helsedir.example", "guess")).status_code == 401
        # that address gets no more tries at her account, even with the right password,
        refused = await sign_in(client, "kari@helsedir.example")
        assert refused.status_code == 429
        assert "bv_session" not in refused.headers.get("set-cookie", "")
        # and ten more at other accounts close it for every account.
        for n in range(10):
            assert (await sign_in(client, f"x{n}@helsedir.example", "guess")).status_code == 401
        assert (await sign_in(client, "ola@helsedir.example")).status_code == 429
    # Kari herself, from an address that has not failed, still gets in,
    async with anonymous(app, client=("203.0.113.20", 40000)) as client:
        assert (await sign_in(client, "kari@helsedir.example")).status_code == 303
    # while another guesser's address gets one wrong try at her account, no more.
    async with anonymous(app, client=("192.0.2.99", 40000)) as client:
        assert (await sign_in(client, "kari@helsedir.example", "guess")).status_code == 401
        assert (await sign_in(client, "kari@helsedir.example", "guess")).status_code == 429


async def test_next_never_leads_off_the_site(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessionmaker, "kari@helsedir.example", Role.VIEWER)
    async with anonymous(app) as client:
        for target, expected in [
            ("https://evil.example/", "/"),
            ("//evil.example/x", "/"),
            ("/packs", "/packs"),
        ]:
            form = await client.get("/login", params={"next": target})
            answer = await client.post(
                "/login",
                data={
                    "next": hidden(form.text, "next"),
                    "email": "kari@helsedir.example",
                    "password": PASSWORD,
                },
            )
            assert answer.headers["location"] == expected


async def test_sign_out_ends_the_session_and_needs_the_csrf_token(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.VIEWER)
    forged = await browser.client.post("/logout", data={"_csrf": "wrong"})
    assert forged.headers["location"] == "/"
    assert (await browser.get("/")).status_code == 200
    stolen = browser.client.cookies["bv_session"]
    answer = await browser.post("/logout", {})
    assert answer.headers["location"] == "/login"
    async with sessionmaker() as session:
        assert await count(session, WebSession) == 0
    # The old cookie, replayed, signs no one in.
    browser.client.cookies.set("bv_session", stolen)
    assert (await browser.get("/")).status_code == 303


async def test_an_expired_session_goes_back_to_sign_in(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.VIEWER)
    async with sessionmaker() as session, session.begin():
        await session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert (await browser.get("/")).status_code == 303


# --- CSRF and roles --------------------------------------------------------------------------


@pytest.mark.usefixtures("demo")
async def test_a_form_without_the_csrf_token_writes_nothing(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    for token in ("", "0" * 64):
        answer = await browser.client.post("/incidents", data={**declaration(), "_csrf": token})
        assert answer.status_code == 403
        assert "did not come from this site" in answer.text
    header = await browser.client.post(
        "/incidents", data=declaration(), headers={"X-CSRF-Token": browser.csrf}
    )
    assert header.status_code == 303
    async with sessionmaker() as session:
        assert await count(session, Incident) == 1


@pytest.mark.usefixtures("demo")
async def test_a_viewer_sees_counts_and_no_controls(signed_in: SignIn) -> None:
    viewer = await signed_in(Role.VIEWER)
    home = await viewer.get("/")
    assert "/incidents/new" not in home.text
    assert "/directory" not in home.text
    for path in ("/incidents/new", "/directory", "/field-reports"):
        refused = await viewer.get(path)
        assert refused.status_code == 403, path
        assert "viewer" in refused.text
    assert (await viewer.post("/incidents", declaration())).status_code == 403


# --- Incidents -------------------------------------------------------------------------------


@pytest.mark.usefixtures("demo")
async def test_declare_previews_then_sends_once(
    signed_in: SignIn,
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    form_page = await browser.get("/incidents/new")
    key = hidden(form_page.text, "idempotency_key")
    assert len(key) >= 20
    preview = await browser.post("/incidents/preview", declaration(key))
    api = (
        await coordinator_client.post(
            "/api/v1/incidents/preview",
            json={
                "title": "x",
                "networks": ["NIK", "NIFS"],
                "channels": ["email", "sms"],
                "status": "exercise",
                "message": {
                    "nb": {
                        "subject": "Øvelse",
                        "body": "Dette er en øvelse.",
                        "sms": "Øvelse: kok vannet.",
                    },
                    "en": {
                        "subject": "Exercise",
                        "body": "This is an exercise.",
                        "sms": "Exercise: boil the water.",
                    },
                },
            },
        )
    ).json()
    assert f'<span id="preview-recipients">{api["recipients"]}</span>' in preview.text
    assert api["fallbacks"]
    fallbacks = preview.text.split('id="preview-fallbacks"')[1].split("</ul>")[0]
    assert fallbacks.count("→") == len(api["fallbacks"])
    first = await browser.post("/incidents", declaration(key))
    again = await browser.post("/incidents", declaration(key))
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    async with sessionmaker() as session:
        assert await count(session, Incident) == 1
        deliveries = await count(session, Delivery)
    assert sorted(enqueued.ids) == sorted(set(enqueued.ids))
    assert len(enqueued.ids) == deliveries
    incident_page = await browser.get(first.headers["location"])
    assert incident_page.status_code == 200
    assert 'id="count-recipients">' + str(api["recipients"]) in incident_page.text
    assert 'hx-trigger="every 3s"' in incident_page.text


@pytest.mark.usefixtures("demo")
async def test_a_declaration_with_mistakes_keeps_what_was_typed_and_writes_nothing(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    answer = await browser.post(
        "/incidents",
        declaration(
            status="", networks=[], ack_deadline_minutes="soon", **{"body.nb": "Min tekst"}
        ),
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    # In the page's language (bokmål), each beside its field.
    assert 'id="status-error">velg om dette er en ekte hendelse' in answer.text
    assert 'id="deadline-error">svarfristen «soon» må være hele minutter' in answer.text
    assert "Min tekst</textarea>" in answer.text
    preview = await browser.post("/incidents/preview", declaration(networks=[]))
    assert "velg minst ett nettverk" in preview.text
    async with sessionmaker() as session:
        assert await count(session, Incident) == 0
        assert await count(session, Delivery) == 0


@pytest.mark.usefixtures("demo")
async def test_update_close_and_report_from_the_incident_page(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    declared = await browser.post("/incidents", declaration())
    page_url = declared.headers["location"]
    column = await browser.get("/incidents/new/column?add_language=AR&prefix=update")
    assert 'name="body.ar"' in column.text
    assert 'id="update-ar-body"' in column.text
    bad_column = await browser.get("/incidents/new/column?add_language=xx-zz-nope")
    assert bad_column.status_code == 422
    empty = await browser.post(f"{page_url}/updates", {"language": ["nb"]})
    assert empty.status_code == 422
    updated = await browser.post(
        f"{page_url}/updates",
        {
            "language": ["nb"],
            "subject.nb": "Oppdatering",
            "body.nb": "Vannet er trygt igjen.",
            "sms.nb": "Vannet er trygt.",
        },
    )
    assert updated.status_code == 303, re.findall(r"<li>.*?</li>", updated.text)
    assert updated.headers["location"].endswith("?done=update")
    # Closing asks first, saying that nobody is told; only the confirmed form closes.
    asked = await browser.post(f"{page_url}/close", {"language": ["nb", "en"]})
    assert asked.status_code == 200
    assert 'name="confirmed" value="yes"' in asked.text
    assert f'action="{page_url}/updates"' in (await browser.get(page_url)).text  # still open
    closed = await browser.post(f"{page_url}/close", {"language": ["nb", "en"], "confirmed": "yes"})
    assert closed.headers["location"].endswith("?done=closed")
    # Closing again (an old tab) says why, on a page.
    again = await browser.post(f"{page_url}/close", {"language": ["nb"]})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("text/html")
    assert f"Hendelse {page_url.rsplit('/', 1)[1]} er allerede avsluttet." in again.text
    after = await browser.get(closed.headers["location"])
    assert "Vannet er trygt igjen." in after.text
    assert f'action="{page_url}/updates"' not in after.text  # closed: no more updates
    report = await browser.get(f"{page_url}/report/html")
    assert report.status_code == 200
    assert report.headers["content-disposition"].startswith("attachment;")
    assert "<svg" in report.text
    assert (await browser.get(f"{page_url}/report/pdf")).status_code == 422


@pytest.mark.usefixtures("demo")
async def test_call_the_networks_in_from_the_incident_page_then_cancel(
    signed_in: SignIn,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    declared = await browser.post("/incidents", declaration())
    page_url = declared.headers["location"]
    incident_page = await browser.get(page_url)
    assert f'action="{page_url}/meeting"' in incident_page.text
    key = hidden(incident_page.text, "idempotency_key")
    async with sessionmaker() as session:
        before = await count(session, Delivery)
    # A link that is not https is refused with the typed values kept, and nothing is written.
    bad = await browser.post(
        f"{page_url}/meeting",
        {"join_url": "ftp://x", "starts_at": "", "duration": "45", "idempotency_key": key},
    )
    assert bad.status_code == 422
    assert "møtelenken må være møtets https-adresse" in bad.text  # in the page's language
    assert 'value="ftp://x"' in bad.text
    async with sessionmaker() as session:
        assert await count(session, Delivery) == before
        assert await count(session, Meeting) == 0
    form = {
        "join_url": "https://teams.microsoft.com/l/meetup-join/abc",
        "starts_at": "2031-05-06T14:30",
        "duration": "45",
        "idempotency_key": key,
    }
    called = await browser.post(f"{page_url}/meeting", form)
    assert called.status_code == 303, called.text
    meeting_url = called.headers["location"].split("?")[0]
    again = await browser.post(f"{page_url}/meeting", form)  # a double click invites once
    assert again.headers["location"].split("?")[0] == meeting_url
    async with sessionmaker() as session:
        (meeting,) = (await session.scalars(select(Meeting))).all()
        invitations = await count(session, Delivery) - before
    assert meeting.kind == "emergency"
    assert meeting.starts_at == datetime(2031, 5, 6, 12, 30, tzinfo=UTC)  # 14:30 in Oslo
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=45)
    assert invitations > 0
    assert len(enqueued.ids) - len(set(enqueued.ids)) == 0
    shown = await browser.get(called.headers["location"])
    assert "Beredskapsmøte: Øvelse: vannforsyning" in shown.text
    assert "Hvem svarte hva" in shown.text  # bokmål by default, names for a coordinator
    listed = await browser.get("/meetings")
    assert meeting_url in listed.text
    cancelled = await browser.post(f"{meeting_url}/cancel", {})
    assert cancelled.status_code == 303
    after = await browser.get(cancelled.headers["location"])
    assert f'action="{meeting_url}/cancel"' not in after.text
    twice = await browser.post(f"{meeting_url}/cancel", {})
    assert twice.status_code == 422
    assert "Dette møtet er allerede avlyst." in twice.text  # in the page's language

    viewer = await signed_in(Role.VIEWER)
    seen = await viewer.get(meeting_url)
    assert seen.status_code == 200
    assert "<summary>" not in seen.text  # no names for a viewer
    assert (await viewer.post(f"{meeting_url}/cancel", {})).status_code == 403


@pytest.mark.usefixtures("demo")
async def test_titles_and_texts_are_escaped(signed_in: SignIn) -> None:
    browser = await signed_in(Role.COORDINATOR)
    declared = await browser.post(
        "/incidents",
        declaration(
            title='<script>alert("x")</script>', **{"body.nb": "<img src=x onerror=alert(1)>"}
        ),
    )
    page = await browser.get(declared.headers["location"])
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert" in page.text
    assert "<img src=x" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


# --- Directory, inbox, sandbox, packs ---------------------------------------------------------


@pytest.mark.usefixtures("demo")
async def test_directory_search_and_edit(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    async with sessionmaker() as session:
        contact = (await session.scalars(select(Contact).order_by(Contact.id))).first()
    assert contact is not None
    found = await browser.get("/directory", params={"q": contact.name[:6]})
    assert contact.name in found.text
    fragment = await browser.get(
        "/directory", params={"q": contact.name[:6]}, headers={"HX-Request": "1"}
    )
    assert fragment.text.lstrip().startswith('<div id="contacts">')
    nothing = await browser.get("/directory", params={"q": "%_no such person_%"})
    assert contact.name not in nothing.text
    url = f"/directory/contacts/{contact.id}"
    form = {
        "name": "Ny Navnesen",
        "email": contact.email or "",
        "phone": "not a number",
        "language": "so",
        "channels": ["email"],
        "active": "on",
    }
    refused = await browser.post(url, form)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    # The directory's own checks speak the page's language too.
    assert "telefonnummeret «not a number» er ikke et gyldig norsk" in refused.text
    assert 'value="Ny Navnesen"' in refused.text
    async with sessionmaker() as session:
        assert (await session.get(Contact, contact.id)).name == contact.name  # type: ignore[union-attr]
    saved = await browser.post(url, {**form, "phone": ""})
    assert saved.headers["location"] == f"/directory?saved={contact.id}"
    async with sessionmaker() as session:
        changed = await session.get(Contact, contact.id)
    assert changed is not None
    assert (changed.name, changed.language) == ("Ny Navnesen", "so")


async def test_import_checks_then_imports_row_by_row(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    data = directory_csv([row(), row(contact_name="Ola", email="ola@x.example", phone="12")])
    files = {"file": ("liste.csv", data, "text/csv")}
    checked = await browser.client.post(
        "/directory/import",
        data={"_csrf": browser.csrf, "dry_run": "on"},
        files=files,
    )
    assert checked.status_code == 200
    assert 'id="rejected"' in checked.text
    assert '<th scope="row" class="num">2</th>' in checked.text
    assert "telefonnummeret «12» er ikke et gyldig norsk" in checked.text
    async with sessionmaker() as session:
        assert await count(session, Contact) == 0
    imported = await browser.client.post(
        "/directory/import", data={"_csrf": browser.csrf}, files=files
    )
    assert imported.status_code == 200
    async with sessionmaker() as session:
        assert await count(session, Contact) == 1
    missing = await browser.post("/directory/import", {})
    assert missing.status_code == 422


@pytest.mark.usefixtures("demo")
async def test_field_report_inbox_marks_read(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session, session.begin():
        session.add(
            FieldReport(source="sms", text="Mange spør om vannet <b>nå</b>", network_code="NIK")
        )
    browser = await signed_in(Role.COORDINATOR)
    inbox = await browser.get("/field-reports?unread=true")
    assert "Mange spør om vannet &lt;b&gt;nå&lt;/b&gt;" in inbox.text
    async with sessionmaker() as session:
        report_id = await session.scalar(select(FieldReport.id))
    swapped = await browser.client.post(
        f"/field-reports/{report_id}/read",
        data={"_csrf": browser.csrf, "read": "true"},
        headers={"HX-Request": "1"},
    )
    assert swapped.text.lstrip().startswith(f'<article class="report" id="report-{report_id}">')
    assert "Mange spør" not in (await browser.get("/field-reports?unread=true")).text


async def test_sandbox_page_lists_messages_with_their_links(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    empty = await browser.get("/sandbox")
    assert 'class="sandbox-message"' not in empty.text
    assert "every 5s" in empty.text
    async with sessionmaker() as session, session.begin():
        for to, language, direction in (("+4741000100", "ar", "rtl"), ("+4791000200", "nb", "ltr")):
            session.add(
                SandboxMessage(
                    channel="sms",
                    to=to,
                    subject="",
                    body="تمرين" if language == "ar" else "Øvelse",
                    html="",
                    language=language,
                    direction=direction,
                    link="https://testserver/ack/abc",
                    reference="r",
                    sent_at=utcnow(),
                )
            )
    one = await browser.get("/sandbox", params={"channel": "sms", "to": "+4741000100"})
    assert one.text.count('class="sandbox-message"') == 1
    assert 'lang="ar" dir="rtl"' in one.text
    assert "+4791000200" not in one.text
    assert 'href="https://testserver/ack/abc"' in one.text
    # A viewer sees no addresses: the page is for those who may see personal data.
    viewer = await signed_in(Role.VIEWER)
    assert (await viewer.get("/sandbox")).status_code == 403


async def test_packs_page_shows_each_language_state(
    signed_in: SignIn, coordinator_client: httpx.AsyncClient
) -> None:
    created = await coordinator_client.post(
        "/api/v1/packs",
        json={
            "title": "Vaksinasjon",
            "content": {
                "nb": {"title": "Vaksine", "short": "Vaksinen er gratis."},
                "ar": {"title": "لقاح", "short": "اللقاح مجاني."},
            },
        },
    )
    assert created.status_code == 201, created.text
    pack_id = created.json()["id"]
    saved = await coordinator_client.put(
        f"/api/v1/packs/{pack_id}/content/nb",
        json={"title": "Vaksine", "short": "Vaksinen er gratis.", "approved": True},
    )
    assert saved.status_code == 200, saved.text
    browser = await signed_in(Role.TRANSLATOR)
    page = await browser.get("/packs")
    assert "Vaksinasjon" in page.text
    assert re.search(r'class="chip approved"><span lang="nb">', page.text)
    assert re.search(r'class="chip draft"><span lang="ar">', page.text)


async def test_bokmal_by_default_english_on_request_and_remembered(signed_in: SignIn) -> None:
    browser = await signed_in(Role.VIEWER)
    norwegian = await browser.get("/")
    assert '<html lang="nb">' in norwegian.text
    assert "Hendelser" in norwegian.text
    english = await browser.get("/?lang=en")
    assert '<html lang="en">' in english.text
    assert ">Incidents<" in english.text
    assert "bv_lang=en" in english.headers["set-cookie"]
    again = await browser.get("/packs")
    assert '<html lang="en">' in again.text


async def test_impossible_input_is_refused_on_pages_too(signed_in: SignIn) -> None:
    """The dashboard's own hook runs the app's check first (a router's hook replaces the app's)."""
    browser = await signed_in(Role.COORDINATOR)
    assert (await browser.get("/incidents/18446744073709551616")).status_code == 404
    form = {"join_url": "https://teams.example/x", "starts_at": "", "duration": "60"}
    refused = await browser.post("/incidents/1/meeting", {**form, "join_url": "a\x00b"})
    assert refused.status_code == 422
