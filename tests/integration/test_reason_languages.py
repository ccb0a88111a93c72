"""Every reason an API answer or a dashboard page gives is said in the language asked for: the
request decoding's (msgspec's) reasons, an import's rejected rows, and the reasons of packs,
newsletters, change requests, the list review and network admin (issue 22, point 2).

Over HTTP against the app: the API by ``Accept-Language``, the dashboard in its own language
(bokmål unless ``?lang=`` says otherwise). Each refusal also writes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.campaigns.models import Campaign
from dispatch.changes.models import ChangeRequest
from dispatch.db.base import utcnow
from dispatch.directory.models import Contact, Organisation
from dispatch.packs.models import Pack
from dispatch.security.models import Role
from tests.factories import directory_csv, row
from tests.integration.test_dashboard import Browser, add_user, anonymous, hidden, sign_in

NB = {"Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5"}
NN = {"Accept-Language": "nn"}


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
async def coordinator_page(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Browser]:
    """A coordinator signed in to the dashboard (password and authenticator), as a browser is."""
    await add_user(sessionmaker, "koordinator@helsedir.example", Role.COORDINATOR)
    async with anonymous(app) as client:
        answer = await sign_in(client, "koordinator@helsedir.example")
        assert answer.status_code == 303, answer.text
        yield Browser(client, hidden((await client.get("/")).text, "_csrf"))


def problem(answer: httpx.Response, status: int = 422) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    return body


# --- What the request decoding could not read (point 2) -------------------------------------


async def test_decoding_reasons_follow_accept_language_and_default_to_english(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # A name that is a number, in bokmål:
    bokmal = problem(
        await coordinator_client.post(
            "/api/v1/organisations", json={"name": 12, "kind": "ngo"}, headers=NB
        )
    )
    assert bokmal["detail"] == (
        "Forespørselen kunne ikke leses: feltet «name»: forventet tekst, fikk et heltall."
    )
    assert bokmal["errors"] == ["feltet «name»: forventet tekst, fikk et heltall"]
    # in nynorsk, and in English when no language is asked for.
    nynorsk = problem(
        await coordinator_client.post(
            "/api/v1/organisations", json={"name": 12, "kind": "ngo"}, headers=NN
        )
    )
    assert nynorsk["errors"] == ["feltet «name»: venta tekst, fekk eit heiltal"]
    english = await coordinator_client.post(
        "/api/v1/organisations", json={"name": 12, "kind": "ngo"}
    )
    assert problem(english)["errors"] == ["field 'name': expected text, got a whole number"]
    assert english.headers["content-language"] == "en"

    # A missing field, an unknown one, a text too long, a query parameter out of range:
    missing = await coordinator_client.post("/api/v1/organisations", json={}, headers=NB)
    assert problem(missing)["errors"] == ["feltet «name» må være med, men mangler"]
    assert missing.headers["content-language"] == "nb"
    unknown = await coordinator_client.post(
        "/api/v1/organisations", json={"name": "A", "kind": "ngo", "colour": "red"}, headers=NB
    )
    assert problem(unknown)["errors"] == ["«colour» er et ukjent felt her"]
    too_long = await coordinator_client.post(
        "/api/v1/organisations", json={"name": "x" * 301, "kind": "ngo"}, headers=NB
    )
    assert problem(too_long)["errors"] == ["feltet «name»: teksten er lengre enn 300 tegn"]
    page = await coordinator_client.get("/api/v1/incidents", params={"page": 0}, headers=NB)
    assert problem(page)["errors"] == ["spørringsparameteren «page»: må være minst 1"]
    # A body that is not JSON at all:
    broken = await coordinator_client.post(
        "/api/v1/organisations",
        content=b'{"name": "A"} x',
        headers={**NB, "Content-Type": "application/json"},
    )
    assert problem(broken, 400)["detail"].startswith(
        "Innholdet er ikke gyldig JSON: det kommer mer etter at JSON-en slutter"
    )
    assert await count(sessionmaker, Organisation) == 0


# --- An import's rejected rows (point 3) ------------------------------------------------------


async def test_an_imports_rejected_rows_are_said_in_the_language_asked_for(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    body = directory_csv([row(phone="12"), row(contact_name="Ola", email="ola@", phone="")])

    async def imported(headers: dict[str, str]) -> httpx.Response:
        return await coordinator_client.post(
            "/api/v1/directory/import",
            content=body,
            params={"dry_run": "true"},
            headers={"Content-Type": "text/csv", **headers},
        )

    bokmal = await imported(NB)
    assert bokmal.status_code == 200, bokmal.text
    assert bokmal.headers["content-language"] == "nb"
    rejected = {r["row"]: r["errors"] for r in bokmal.json()["rejected"]}
    assert rejected[1] == [
        "telefonnummeret «12» er ikke et gyldig norsk eller internasjonalt mobilnummer"
    ]
    assert rejected[2][0].startswith("e-postadressen «ola@» er ikke gyldig: ")
    english = await imported({})
    assert english.headers["content-language"] == "en"
    assert english.json()["rejected"][0]["errors"] == [
        "phone '12' is not a valid Norwegian or international mobile number"
    ]
    assert await count(sessionmaker, Contact) == 0


# --- Packs, newsletters, change requests, the list review, network admin (point 5) ---------


async def test_a_refused_pack_is_explained_in_bokmal(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    refused = await coordinator_client.post(
        "/api/v1/packs",
        json={
            "title": " ",
            "slug": "Not a slug!",
            "content": {"en": {"title": "", "short": "", "body": ""}},
        },
        headers=NB,
    )
    errors = problem(refused)["errors"]
    assert errors == [
        "tittelen på pakken er tom",
        "en: tittelen er tom",
        "en: skriv en kort tekst, en lang tekst eller begge",
        "slug «not a slug!» må være 3 til 80 tegn av a-z, 0-9 og bindestrek, og begynne og "
        "slutte med en bokstav eller et siffer",
    ]
    assert problem(refused)["detail"].startswith("4 feil: tittelen på pakken er tom; ")
    missing = await coordinator_client.get("/api/v1/packs/4040", headers=NN)
    assert problem(missing, 404)["detail"] == "Det finst inga meldingspakke med id 4040."
    assert await count(sessionmaker, Pack) == 0


@pytest.mark.usefixtures("demo")
async def test_a_refused_newsletter_is_explained_in_bokmal(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    refused = await coordinator_client.post(
        "/api/v1/newsletters",
        json={"title": "", "networks": ["NIK"], "channels": ["fax"], "content": {}},
        headers=NB,
    )
    assert problem(refused)["errors"] == [
        "tittelen mangler",
        "kanalen «fax» må være email eller teams",
        "skriv nyhetsbrevet på minst ett språk",
    ]
    assert await count(sessionmaker, Campaign) == 0


@pytest.mark.usefixtures("demo")
async def test_a_list_review_refused_for_its_times_says_why_in_bokmal(
    coordinator_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    now = utcnow()
    naive = await coordinator_client.post(
        "/api/v1/campaigns/list-review",
        json={"networks": ["NIK"], "deadline": "2030-01-31T12:00:00"},
        headers=NB,
    )
    assert problem(naive)["detail"] == (
        "Deadline må ha tidssone, for eksempel 2027-01-31T12:00:00+01:00."
    )
    past = await coordinator_client.post(
        "/api/v1/campaigns/list-review",
        json={
            "networks": ["NIK"],
            "deadline": (now - timedelta(days=1)).isoformat(),
            "reminder_at": (now + timedelta(days=1)).isoformat(),
        },
        headers=NB,
    )
    assert problem(past)["errors"] == [
        "fristen må være fram i tid",
        "reminder_at må være etter nå og før fristen",
    ]
    assert await count(sessionmaker, Campaign) == 0


async def test_network_admin_is_refused_in_the_language_asked_for(
    admin_client: httpx.AsyncClient, coordinator_page: Browser
) -> None:
    unknown = await admin_client.patch(
        "/api/v1/networks/XYZ", json={"teams_webhook_url": ""}, headers=NB
    )
    assert problem(unknown, 404)["detail"] == (
        "Det finnes ikke noe nettverk «XYZ»; nettverkene er NIK, NONEMI og NIFS."
    )
    # The dashboard's Channels page: a test card for a network without a webhook.
    browser = coordinator_page
    page = await browser.post("/channels/teams/NIK/test-card", {})
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "NIK har ingen Teams-webhook ennå: legg inn en før du sender et testkort." in page.text
    english = await browser.post("/channels/teams/NIK/test-card?lang=en", {})
    assert "NIK has no Teams webhook yet" in english.text


async def test_a_change_request_approved_without_an_organisation_says_why_on_the_page(
    member: httpx.AsyncClient,
    coordinator_client: httpx.AsyncClient,
    coordinator_page: Browser,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sent = await member.post(
        "/changes?lang=nb",
        data={
            "kind": "add",
            "organisation": "Bergen kommune",
            "name": "Leyla Ahmadi",
            "email": "leyla@bergen.kommune.example",
            "language": "fa-AF",
        },
    )
    assert sent.status_code == 200, sent.text
    async with sessionmaker() as session:
        request_id = await session.scalar(select(ChangeRequest.id))
    page = await coordinator_page.post(
        f"/change-requests/{request_id}/approve", {"organisation_id": ""}
    )
    assert page.status_code == 422
    assert "Velg organisasjonen den nye kontakten hører til (organisation_id)." in page.text
    api = await coordinator_client.post(
        f"/api/v1/change-requests/{request_id}/approve", json={}, headers=NN
    )
    assert problem(api)["detail"] == (
        "Vel organisasjonen den nye kontakten høyrer til (organisation_id)."
    )
    async with sessionmaker() as session:
        request = await session.get(ChangeRequest, request_id)
        assert request is not None
        assert request.state == "pending"
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0
