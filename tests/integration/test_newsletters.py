"""Newsletters over HTTP: sending, stopping them (alerts ignore that), and contributions."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.campaigns.models import Campaign
from dispatch.delivery.models import Delivery
from dispatch.directory.models import Contact
from dispatch.incidents.audience import resolve_audience
from dispatch.newsletters.models import NewsletterContribution
from dispatch.security.links import make_token
from tests.conftest import RecordingEnqueuer
from translations import strings
from translations.catalog import translator

SECRET = "test-secret-key"
CONTENT = {
    "nb": {"subject": "Nyhetsbrev desember", "body": "Hei!\n\nNytt fra nettverket."},
    "en": {"subject": "Newsletter December", "body": "Hello!\n\nNews from the network."},
}


async def count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.usefixtures("demo")
async def test_a_newsletter_goes_to_every_contact_with_e_mail_and_each_teams_channel(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueued: RecordingEnqueuer,
) -> None:
    hook = "https://prod-01.westeurope.logic.azure.com/workflows/nik"
    patched = await coordinator_client.patch(
        "/api/v1/networks/NIK", json={"teams_webhook_url": hook}
    )
    assert patched.status_code == 200, patched.text
    body = {"title": "Desember", "networks": ["NIK"], "content": CONTENT}
    sent = await coordinator_client.post(
        "/api/v1/newsletters", json=body, headers={"Idempotency-Key": "nl-12"}
    )
    assert sent.status_code == 201, sent.text
    out = sent.json()
    async with sessionmaker() as session:
        rows = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
    emails = [d for d in rows if d.channel == "email"]
    teams = [d for d in rows if d.channel == "teams"]
    assert out["recipients"] == len(emails) > 0
    assert [(t.address, t.network_code) for t in teams] == [(hook, "NIK")]
    assert len(enqueued.ids) == len(rows)
    # Each in the contact's language when written, else the closest one that was.
    assert {d.language for d in emails} <= {"nb", "en"}
    again = await coordinator_client.post(
        "/api/v1/newsletters", json=body, headers={"Idempotency-Key": "nl-12"}
    )
    assert again.status_code == 200
    assert again.json()["recipients"] == out["recipients"]  # people, not Teams channels
    assert len(enqueued.ids) == len(rows)


@pytest.mark.usefixtures("demo")
async def test_bad_newsletters_are_refused_whole(
    coordinator_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    refused = await coordinator_client.post(
        "/api/v1/newsletters",
        json={
            "title": " ",
            "networks": ["NIK", "NOPE"],
            "content": {
                "nb": {"subject": "x", "body": ""},
                "zz-zz-zz": {"subject": "a", "body": "b"},
            },
            "channels": ["sms"],
        },
    )
    assert refused.status_code == 422
    errors = " ".join(refused.json()["errors"])
    for reason in ("title is missing", "unknown network 'NOPE'", "email or teams", "nb: give"):
        assert reason in errors
    ok = {"title": "x", "networks": ["NIK"], "content": CONTENT}
    assert (await viewer_client.post("/api/v1/newsletters", json=ok)).status_code == 403
    async with sessionmaker() as session:
        assert await count(session, Campaign) == 0
        assert await count(session, Delivery) == 0


@pytest.mark.usefixtures("demo")
async def test_stopping_newsletters_leaves_alerts_alone(
    coordinator_client: httpx.AsyncClient,
    member: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    first = await coordinator_client.post(
        "/api/v1/newsletters", json={"title": "1", "networks": ["NIK"], "content": CONTENT}
    )
    async with sessionmaker() as session:
        delivery = (
            await session.scalars(select(Delivery).where(Delivery.channel == "email"))
        ).first()
        assert delivery is not None
        contact_id = int(delivery.target.rsplit(":", 1)[1])
    link = f"/unsubscribe/{make_token(SECRET, delivery.id, purpose='unsubscribe')}"
    # A wrong purpose's token (an acknowledgement link's) does not unsubscribe anyone.
    wrong = await member.get(f"/unsubscribe/{make_token(SECRET, delivery.id, purpose='ack')}")
    assert wrong.status_code == 404
    page = await member.get(link)
    assert page.status_code == 200
    async with sessionmaker() as session:
        still = await session.get(Contact, contact_id)
        assert still is not None
        assert still.newsletter_opt_out is False  # opening the link changes nothing
    one_click = await member.post(link, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert translator(delivery.language).gettext(strings.UNSUBSCRIBE_DONE) in one_click.text
    async with sessionmaker() as session:
        stopped = await session.get(Contact, contact_id)
        assert stopped is not None
        assert stopped.newsletter_opt_out is True
        audience = await resolve_audience(session, ["NIK"])
    assert any(contact_id in p.contact_ids for p in audience)  # alerts still reach them
    second = await coordinator_client.post(
        "/api/v1/newsletters", json={"title": "2", "networks": ["NIK"], "content": CONTENT}
    )
    assert second.json()["opted_out"] == 1
    assert second.json()["recipients"] == first.json()["recipients"] - 1


async def test_contributions_land_in_the_coordinators_queue(
    member: httpx.AsyncClient,
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    page = await member.get("/newsletter/contribute?lang=so")
    assert '<html lang="so" dir="ltr">' in page.text
    refused = await member.post(
        "/newsletter/contribute?lang=so", data={"name": "", "organisation": "X", "text": ""}
    )
    assert refused.status_code == 422
    async with sessionmaker() as session:
        assert await count(session, NewsletterContribution) == 0
    sent = await member.post(
        "/newsletter/contribute?lang=so",
        data={"name": "Hodan", "organisation": "Somali Forum", "text": "Kurs i januar."},
    )
    assert sent.status_code == 200
    queue = (await coordinator_client.get("/api/v1/newsletters/contributions")).json()
    assert [(c["name"], c["language"], c["text"]) for c in queue["items"]] == [
        ("Hodan", "so", "Kurs i januar.")
    ]


async def test_guessing_links_is_stopped(member: httpx.AsyncClient) -> None:
    # The member pages share one throttle per kind of link: 20 wrong guesses, then 429.
    for n in range(20):
        assert (await member.get(f"/unsubscribe/{n}.wrong")).status_code == 404
    blocked = await member.get("/unsubscribe/1.wrong")
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    # Another kind of link keeps its own count.
    assert (await member.get("/confirm/1.wrong")).status_code == 404
