"""Members' own changes: the public page from every e-mail's footer, the coordinator's queue,
and nothing in the directory changed until a coordinator approves."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.changes.models import ChangeRequest
from dispatch.directory.models import Contact, Organisation
from dispatch.incidents import render
from translations import strings
from translations.catalog import translator


def form(**overrides: str) -> dict[str, str]:
    return {
        "kind": "add",
        "organisation": "Bergen kommune, flyktningtjenesten",
        "name": "Leyla Ahmadi",
        "email": "leyla.ahmadi@bergen.kommune.example",
        "phone": "",
        "language": "fa-AF",
        "comment": "Ny kontaktperson fra januar.",
        **overrides,
    }


async def count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


def test_every_e_mail_footer_links_to_the_page() -> None:
    mail = render.email(
        status="actual",
        lang="so",
        content={"subject": "S", "body": "B"},
        link="",
        organisation="Oslo kommune",
        network="NIK",
        base_url="https://varsling.example",
    )
    url = "https://varsling.example/changes?lang=so"
    assert translator("so").gettext(strings.CHANGES_FOOTER, link=url) in mail.text
    assert f'<a href="{url}">{url}</a>' in mail.html


@pytest.mark.usefixtures("demo")
async def test_a_request_is_queued_and_changes_nothing(
    member: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    page = await member.get("/changes?lang=ar")
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert translator("ar").gettext(strings.CHANGES_TITLE) in page.text
    by_browser = await member.get("/changes", headers={"Accept-Language": "uk,en;q=0.5"})
    assert '<html lang="uk"' in by_browser.text
    async with sessionmaker() as session:
        contacts = await count(session, Contact)
    sent = await member.post("/changes?lang=nb", data=form())
    assert sent.status_code == 200
    assert translator("nb").gettext(strings.CHANGES_THANKS) in sent.text
    async with sessionmaker() as session:
        assert await count(session, ChangeRequest) == 1
        assert await count(session, Contact) == contacts


async def test_a_request_with_mistakes_shows_every_reason_and_keeps_nothing(
    member: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    refused = await member.post(
        "/changes?lang=nb", data=form(kind="", name="", email="", language="xx-not-a-tag")
    )
    assert refused.status_code == 422
    assert translator("nb").gettext(strings.CHANGES_NEED_ADDRESS) in refused.text
    # Every reason in the page's language, the form's own checks as much as the directory's.
    assert "navnet mangler" in refused.text
    assert "velg om personen skal legges til eller fjernes" in refused.text
    assert "the name is missing" not in refused.text
    assert 'value="Bergen kommune, flyktningtjenesten"' in refused.text
    async with sessionmaker() as session:
        assert await count(session, ChangeRequest) == 0


@pytest.mark.usefixtures("demo")
async def test_the_coordinator_approves_an_addition_and_a_removal(
    member: httpx.AsyncClient,
    coordinator_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        bergen = await session.scalar(
            select(Organisation.id).where(Organisation.name == "Bergen kommune")
        )
        leaving = (
            await session.scalars(
                select(Contact).where(Contact.active.is_(True), Contact.email.is_not(None))
            )
        ).first()
    assert bergen is not None
    assert leaving is not None
    await member.post("/changes", data=form())
    await member.post(
        "/changes", data=form(kind="remove", name=leaving.name, email=leaving.email or "")
    )
    await member.post("/changes", data=form(name="Spam", email="spam@example.com"))
    assert (await viewer_client.get("/api/v1/change-requests")).status_code == 403
    queue = (await coordinator_client.get("/api/v1/change-requests?state=pending")).json()
    assert queue["total"] == 3
    spam, removal, addition = queue["items"]

    no_org = await coordinator_client.post(
        f"/api/v1/change-requests/{addition['id']}/approve", json={}
    )
    assert no_org.status_code == 422
    assert "organisation" in no_org.json()["detail"]
    added = await coordinator_client.post(
        f"/api/v1/change-requests/{addition['id']}/approve", json={"organisation_id": bergen}
    )
    assert added.status_code == 200, added.text
    assert added.json()["state"] == "approved"
    removed = await coordinator_client.post(
        f"/api/v1/change-requests/{removal['id']}/approve", json={}
    )
    assert removed.status_code == 200, removed.text
    rejected = await coordinator_client.post(
        f"/api/v1/change-requests/{spam['id']}/reject", json={"reason": "Ikke et medlem."}
    )
    assert rejected.json()["state"] == "rejected"
    twice = await coordinator_client.post(f"/api/v1/change-requests/{spam['id']}/approve", json={})
    assert twice.status_code == 409
    async with sessionmaker() as session:
        new = await session.get(Contact, added.json()["contact_ids"][0])
        assert new is not None
        assert (new.name, new.organisation_id, new.language) == ("Leyla Ahmadi", bergen, "fa-AF")
        gone = await session.get(Contact, leaving.id)
        assert gone is not None
        assert gone.active is False
        assert await session.scalar(select(func.count()).where(Contact.name == "Spam")) == 0


@pytest.mark.usefixtures("demo")
async def test_the_dashboard_queue(
    member: httpx.AsyncClient, app: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from dispatch.security.models import Role
    from tests.integration.test_dashboard import PASSWORD, add_user, anonymous, hidden, sign_in

    await member.post("/changes", data=form())
    await add_user(sessionmaker, "kari@helsedir.example", Role.COORDINATOR)
    async with anonymous(app) as browser:
        assert (await sign_in(browser, "kari@helsedir.example", PASSWORD)).status_code == 303
        queue = await browser.get("/change-requests")
        assert queue.status_code == 200
        assert "Leyla Ahmadi" in queue.text
        csrf = hidden(queue.text, "_csrf")
        request_id = int(re.findall(r'id="change-(\d+)"', queue.text)[0])
        missing = await browser.post(f"/change-requests/{request_id}/approve", data={"_csrf": csrf})
        assert missing.status_code == 422
        async with sessionmaker() as session:
            bergen = await session.scalar(
                select(Organisation.id).where(Organisation.name == "Bergen kommune")
            )
        done = await browser.post(
            f"/change-requests/{request_id}/approve",
            data={"_csrf": csrf, "organisation_id": str(bergen)},
        )
        assert done.status_code == 303
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).where(Contact.name == "Leyla Ahmadi")) == 1
