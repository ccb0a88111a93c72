"""Message packs over HTTP (workers replaced by a recorder): drafts, approval by role,
publication into the outbox, the public pages, the zip, and the passed-on reports."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.audit.models import AuditEvent
from dispatch.models import Contact, Delivery, Organisation, Pack, PackContent, PassedOn
from dispatch.packs.archive import PACK_ZIPS_STATE_KEY
from dispatch.security.links import make_token
from dispatch.security.models import Role
from dispatch.settings import Settings
from tests.conftest import ClientFactory, RecordingEnqueuer
from translations import strings
from translations.catalog import translator

Client = httpx.AsyncClient
BASE = "http://testserver.local"
SECRET = "pack-test-secret"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=SECRET, base_url=BASE)


@pytest.fixture
async def translator_client(make_client: ClientFactory) -> Client:
    return await make_client(Role.TRANSLATOR)


CONTENT: dict[str, dict[str, Any]] = {
    "nb": {
        "title": "Vaksine mot meslinger",
        "short": "Barn skal ha to doser MMR-vaksine. Spør helsestasjonen.",
        "body": "Meslinger smitter lett.\n\nVaksinen er gratis.",
        "links": [{"url": "https://www.fhi.no/meslinger", "label": "FHI om meslinger"}],
    },
    "ar": {
        "title": "لقاح الحصبة",
        "short": "يجب أن يحصل الأطفال على جرعتين من لقاح MMR.",
        "body": "الحصبة معدية جدا.\n\nاللقاح مجاني.",
    },
    "so": {"title": "Tallaalka jadeecada", "short": "Carruurtu waa inay helaan laba qiyaasood."},
}


async def create(client: Client, **changes: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/packs", json={"title": "Vaksine mot meslinger", "content": CONTENT, **changes}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def approve(client: Client, pack_id: int, lang: str, **changes: Any) -> httpx.Response:
    return await client.put(
        f"/api/v1/packs/{pack_id}/content/{lang}",
        json={**CONTENT[lang], **changes, "approved": True},
    )


async def published(coordinator: Client, *languages: str) -> dict[str, Any]:
    pack = await create(coordinator)
    for lang in languages:
        assert (await approve(coordinator, pack["id"], lang)).status_code == 200
    response = await coordinator.post(
        f"/api/v1/packs/{pack['id']}/publish", json={"networks": ["NIK", "NONEMI", "NIFS"]}
    )
    assert response.status_code == 201, response.text
    return {**pack, "publication": response.json()}


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessionmaker() as session:
        return (await session.scalar(select(func.count()).select_from(model))) or 0


async def test_create_makes_a_slug_and_every_language_a_draft(coordinator_client: Client) -> None:
    created = await create(coordinator_client)
    assert created["slug"] == "vaksine-mot-meslinger"
    assert created["url"] == f"{BASE}/packs/vaksine-mot-meslinger"
    again = await create(coordinator_client)
    assert again["slug"] == "vaksine-mot-meslinger-2"

    pack = (await coordinator_client.get(f"/api/v1/packs/{created['id']}")).json()
    assert [lang["language"] for lang in pack["languages"]] == ["nb", "ar", "so"]
    assert {lang["state"] for lang in pack["languages"]} == {"draft"}
    arabic = pack["languages"][1]
    assert (arabic["name"], arabic["direction"], arabic["public"]) == ("العربية", "rtl", False)
    assert arabic["short_sms"]["encoding"] == "UCS-2"
    norwegian = pack["languages"][0]
    assert norwegian["short_sms"] == {
        "encoding": "GSM-7",
        "segments": 1,
        "characters": len(CONTENT["nb"]["short"]),
        "offenders": [],
    }
    listed = (await coordinator_client.get("/api/v1/packs")).json()
    assert listed["total"] == 2
    assert listed["items"][0]["languages"] == {"nb": "draft", "ar": "draft", "so": "draft"}


async def test_bad_packs_are_refused_with_every_reason_and_nothing_written(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await coordinator_client.post(
        "/api/v1/packs",
        json={
            "title": " ",
            "slug": "Not a slug!",
            "content": {
                "xx-nonsense-tag": {"title": "x", "short": "y"},
                "en": {"title": "", "links": [{"url": "javascript:alert(1)"}]},
            },
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = " | ".join(response.json()["errors"])
    for expected in (
        "the pack's title is empty",
        "slug 'not a slug!'",
        "xx-nonsense-tag",
        "en: the title is empty",
        "en: give a short text, a long text, or both",
        "en: link 1 must be a web address",
    ):
        assert expected in errors
    assert await count(sessionmaker, Pack) == 0
    assert await count(sessionmaker, PackContent) == 0


async def test_a_translator_writes_drafts_and_only_a_coordinator_approves(
    coordinator_client: Client,
    translator_client: Client,
    viewer_client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    pack = await create(coordinator_client)
    path = f"/api/v1/packs/{pack['id']}/content"
    # A translator adds Tigrinya and improves Somali: drafts.
    tigrinya = {"title": "ክታበት ንፍዮ", "short": "ህጻናት ክልተ ግዜ ክኽተቡ ኣለዎም።"}
    response = await translator_client.put(f"{path}/ti", json=tigrinya)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "draft"
    assert response.json()["updated_by"].endswith("(test translator)")
    # Asking to approve is refused, and the text is not saved either.
    refused = await translator_client.put(
        f"{path}/so", json={"title": "Changed", "short": "x", "approved": True}
    )
    assert refused.status_code == 403
    assert "Only a coordinator may approve" in refused.json()["detail"]
    async with sessionmaker() as session:
        somali = await session.scalar(select(PackContent).where(PackContent.language == "so"))
    assert somali is not None
    assert somali.title == CONTENT["so"]["title"]
    # A viewer may not even write a draft.
    assert (await viewer_client.put(f"{path}/so", json=tigrinya)).status_code == 403
    # The coordinator approves Tigrinya as the translator wrote it.
    approved = await coordinator_client.put(f"{path}/ti", json={**tigrinya, "approved": True})
    assert approved.json()["state"] == "approved"
    assert approved.json()["approved_by"].endswith("(test coordinator)")
    # A later edit makes it a draft again; the approval is kept for the public page.
    edited = await translator_client.put(f"{path}/ti", json={**tigrinya, "body": "ዝርዝር።"})
    assert edited.json()["state"] == "draft"
    assert edited.json()["approved_at"] is not None
    async with sessionmaker() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert actions.count("pack.content_saved") == 2
    assert actions.count("pack.content_approved") == 1
    # Unknown packs and languages are a clear 404 / 422.
    missing = await coordinator_client.put("/api/v1/packs/999/content/nb", json=tigrinya)
    assert missing.status_code == 404
    bad = await coordinator_client.put(f"{path}/zz-zz-zz-1", json=tigrinya)
    assert bad.status_code == 422


@pytest.mark.usefixtures("demo")
async def test_publish_needs_an_approved_language(
    coordinator_client: Client,
    translator_client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    pack = await create(coordinator_client)
    url = f"/api/v1/packs/{pack['id']}/publish"
    response = await coordinator_client.post(url, json={"networks": ["NIK"]})
    assert response.status_code == 409
    assert "no language of this pack is approved" in response.json()["detail"]
    assert (await coordinator_client.post(url, json={"networks": ["XYZ"]})).status_code == 422
    assert (await translator_client.post(url, json={"networks": ["NIK"]})).status_code == 403
    assert await count(sessionmaker, Delivery) == 0
    # Not published: no public page.
    page = await coordinator_client.get(f"/packs/{pack['slug']}")
    assert page.status_code == 404
    assert translator("nb").gettext(strings.PACK_NOT_FOUND) in page.text


@pytest.mark.usefixtures("demo")
async def test_publish_writes_one_email_per_main_contact_and_one_post_per_network(
    coordinator_client: Client,
    enqueued: RecordingEnqueuer,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    pack = await create(coordinator_client)
    for lang in ("nb", "ar"):
        assert (await approve(coordinator_client, pack["id"], lang)).status_code == 200
    for code in ("NIK", "NIFS"):
        webhook = f"https://prod-00.westeurope.logic.azure.com/workflows/{code.lower()}"
        saved = await coordinator_client.patch(
            f"/api/v1/networks/{code}", json={"teams_webhook_url": webhook}
        )
        assert saved.status_code == 200, saved.text
    response = await coordinator_client.post(
        f"/api/v1/packs/{pack['id']}/publish",
        json={"networks": ["NIK", "NIFS"]},
        headers={"Idempotency-Key": "pack-1"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["languages"] == ["nb", "ar"]  # Somali is still a draft

    async with sessionmaker() as session:
        deliveries = (await session.scalars(select(Delivery))).all()
        mains = (
            await session.execute(
                select(Contact.id, Contact.email, Contact.organisation_id).where(
                    Contact.main_contact.is_(True), Contact.active.is_(True)
                )
            )
        ).all()
        org_names = dict((await session.execute(select(Organisation.id, Organisation.name))).all())
    emails = [d for d in deliveries if d.channel == "email"]
    teams = [d for d in deliveries if d.channel == "teams"]
    assert sorted(d.network_code or "" for d in teams) == ["NIFS", "NIK"]
    assert body["deliveries"] == {"email": len(emails), "teams": 2}
    # Every main contact of an organisation in NIK or NIFS, once, tied to its organisation.
    assert len({d.target for d in emails}) == len(emails)
    reached_orgs = {d.organisation_id for d in emails}
    assert body["organisations"] == len(reached_orgs)
    assert all(
        d.source_kind == "pack"
        and d.source_id == body["publication_id"]
        and d.incident_id is None
        and d.priority == 0
        for d in deliveries
    )
    by_contact = {f"contact:{cid}": (email, org) for cid, email, org in mains}
    for d in emails:
        assert (d.address, d.organisation_id) == by_contact[d.target]
    # Organisations with no main contact are named, not silently skipped.
    assert set(body["organisations_without_main_contact"]) <= set(org_names.values())
    assert sorted(enqueued.ids) == sorted(d.id for d in deliveries)

    # The same key again sends nothing more.
    again = await coordinator_client.post(
        f"/api/v1/packs/{pack['id']}/publish",
        json={"networks": ["NIK", "NIFS"]},
        headers={"Idempotency-Key": "pack-1"},
    )
    assert again.status_code == 200
    assert again.json()["publication_id"] == body["publication_id"]
    assert await count(sessionmaker, Delivery) == len(deliveries)
    assert len(enqueued.calls) == 1

    detail = (await coordinator_client.get(f"/api/v1/packs/{pack['id']}")).json()
    assert detail["published_at"] is not None
    assert detail["publications"][0]["deliveries"]["queued"] == len(deliveries)
    assert [(lang["language"], lang["public"]) for lang in detail["languages"]] == [
        ("nb", True),
        ("ar", True),
        ("so", False),
    ]


@pytest.mark.usefixtures("demo")
async def test_public_pages_show_approved_languages_in_their_own_script_and_direction(
    coordinator_client: Client, anonymous_client: Client, translator_client: Client
) -> None:
    pack = await published(coordinator_client, "nb", "ar")
    slug = pack["slug"]
    index = await anonymous_client.get(f"/packs/{slug}", headers={"Accept-Language": "en;q=0.9"})
    assert index.status_code == 200
    assert '<html lang="en" dir="ltr">' in index.text
    assert 'lang="ar" dir="rtl">' in index.text
    assert "العربية" in index.text
    assert "norsk bokmål" in index.text
    assert "Soomaali" not in index.text  # a draft is not public

    arabic = await anonymous_client.get(f"/packs/{slug}/ar")
    assert arabic.status_code == 200
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert "لقاح الحصبة" in arabic.text
    assert translator("ar").gettext(strings.PACK_PASSED_ON_QUESTION) in arabic.text
    assert "@media print" in arabic.text
    assert "script-src 'sha256-" in arabic.headers["content-security-policy"]
    assert arabic.headers["referrer-policy"] == "no-referrer"
    # The short text, ready to paste, in a read-only field.
    assert re.search(r"<textarea[^>]*readonly[^>]*>يجب أن يحصل", arabic.text)

    norwegian = (await anonymous_client.get(f"/packs/{slug}/nb")).text
    assert "<p>Meslinger smitter lett.</p>" in norwegian
    assert 'href="https://www.fhi.no/meslinger"' in norwegian
    # A draft edit after approval does not reach readers until approved again.
    await translator_client.put(
        f"/api/v1/packs/{pack['id']}/content/nb", json={**CONTENT["nb"], "title": "UTKAST"}
    )
    assert "UTKAST" not in (await anonymous_client.get(f"/packs/{slug}/nb")).text
    # Aliases redirect to the canonical tag; drafts and unknown tags are 404.
    alias = await anonymous_client.get(f"/packs/{slug}/NB")
    assert (alias.status_code, alias.headers["location"]) == (301, f"/packs/{slug}/nb")
    assert (await anonymous_client.get(f"/packs/{slug}/so")).status_code == 404
    assert (await anonymous_client.get(f"/packs/{slug}/xx-nonsense")).status_code == 404
    assert (await anonymous_client.get("/packs/no-such-pack")).status_code == 404


@pytest.mark.usefixtures("demo")
async def test_zip_holds_one_html_and_one_txt_per_language(
    coordinator_client: Client, anonymous_client: Client
) -> None:
    pack = await published(coordinator_client, "nb", "ar", "so")
    response = await anonymous_client.get(f"/packs/{pack['slug']}.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert f'filename="{pack["slug"]}.zip"' in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    slug = pack["slug"]
    assert sorted(archive.namelist()) == sorted(
        f"{slug}/{lang}.{ext}" for lang in ("nb", "ar", "so") for ext in ("html", "txt")
    )
    html = archive.read(f"{slug}/ar.html").decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "<form" not in html
    assert "<script" not in html
    assert 'href="nb.html"' in html  # other languages link to files in the zip
    text = archive.read(f"{slug}/nb.txt").decode()
    assert text.startswith("Vaksine mot meslinger\n")
    assert "FHI om meslinger: https://www.fhi.no/meslinger" in text
    assert text.rstrip().endswith(CONTENT["nb"]["short"])
    assert (await anonymous_client.get("/packs/nothing.zip")).status_code == 404


@pytest.mark.usefixtures("demo")
async def test_the_zip_is_built_once_per_approved_version(
    app: Litestar,
    coordinator_client: Client,
    translator_client: Client,
    anonymous_client: Client,
) -> None:
    builds = app.state[PACK_ZIPS_STATE_KEY]
    pack = await published(coordinator_client, "nb", "ar")
    url = f"/packs/{pack['slug']}.zip"
    before = builds.builds

    # Given a download that built the archive,
    first = await anonymous_client.get(url)
    assert first.status_code == 200
    assert builds.builds == before + 1
    # a second download, and one after a draft edit readers do not see, build nothing;
    again = await anonymous_client.get(url)
    assert again.content == first.content
    await translator_client.put(
        f"/api/v1/packs/{pack['id']}/content/nb", json={**CONTENT["nb"], "title": "UTKAST"}
    )
    after_draft = await anonymous_client.get(url)
    assert after_draft.content == first.content
    # and a client that has this version is told so without a body.
    unchanged = await anonymous_client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert builds.builds == before + 1

    # When a coordinator approves a new text, the next download has it.
    renamed = {**CONTENT["nb"], "title": "Ny vaksinedag mot meslinger"}
    assert (await approve(coordinator_client, pack["id"], "nb", **renamed)).status_code == 200
    fresh = await anonymous_client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != first.headers["etag"]
    assert builds.builds == before + 2
    text = zipfile.ZipFile(io.BytesIO(fresh.content)).read(f"{pack['slug']}/nb.txt").decode()
    assert text.startswith("Ny vaksinedag mot meslinger\n")
    assert (await anonymous_client.get(url)).content == fresh.content
    assert builds.builds == before + 2


async def _email_delivery(sessionmaker: async_sessionmaker[AsyncSession]) -> Delivery:
    async with sessionmaker() as session:
        delivery = await session.scalar(
            select(Delivery).where(Delivery.channel == "email").order_by(Delivery.id)
        )
    assert delivery is not None
    return delivery


@pytest.mark.usefixtures("demo")
async def test_an_organisation_reports_passing_a_language_on_with_one_click(
    coordinator_client: Client,
    anonymous_client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    pack = await published(coordinator_client, "nb", "ar")
    delivery = await _email_delivery(sessionmaker)
    token = make_token(SECRET, delivery.id, purpose="pack")
    page_url = f"/packs/{pack['slug']}/ar"
    async with sessionmaker() as session:
        organisation = await session.get(Organisation, delivery.organisation_id)
    assert organisation is not None

    page = await anonymous_client.get(page_url, params={"from": token})
    assert page.headers["cache-control"] == "no-store"
    reporting = translator("ar").gettext(strings.PACK_REPORTING_FOR, organisation=organisation.name)
    assert reporting in page.text
    assert f'name="from" value="{token}"' in page.text

    # One click: "about 50".
    done = await anonymous_client.post(page_url, data={"from": token, "people": "50"})
    assert done.status_code == 200
    assert translator("ar").ngettext(*strings.PACK_PASSED_ON_THANKS, 50) in done.text
    # The same organisation corrects it to 120 with the number field: replaced, not added.
    await anonymous_client.post(
        page_url, data={"from": token, "people": "other", "people_other": "120"}
    )
    # Someone without a link reports too: counted apart.
    await anonymous_client.post(page_url, data={"people": "10"})
    async with sessionmaker() as session:
        reports = (await session.scalars(select(PassedOn).order_by(PassedOn.id))).all()
    assert [(r.organisation_id, r.people, r.language) for r in reports] == [
        (organisation.id, 120, "ar"),
        (None, 10, "ar"),
    ]
    detail = (await coordinator_client.get(f"/api/v1/packs/{pack['id']}")).json()
    arabic = next(lang for lang in detail["languages"] if lang["language"] == "ar")
    assert arabic["passed_on"] == {
        "organisations": 1,
        "people": 120,
        "unattributed_reports": 1,
        "unattributed_people": 10,
    }
    assert detail["passed_on"]["people"] == 120


@pytest.mark.usefixtures("demo")
async def test_bad_numbers_and_forged_links_change_nothing(
    coordinator_client: Client,
    anonymous_client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    pack = await published(coordinator_client, "nb")
    delivery = await _email_delivery(sessionmaker)
    page_url = f"/packs/{pack['slug']}/nb"
    for people in ("0", "-5", "abc", "", "1000001"):
        response = await anonymous_client.post(page_url, data={"people": people})
        assert response.status_code == 422, people
        assert translator("nb").gettext(strings.PACK_NUMBER_INVALID) in response.text
    assert await count(sessionmaker, PassedOn) == 0
    # An acknowledgement token is not a pack token; a forged one names no organisation.
    for token in (make_token(SECRET, delivery.id), make_token("other-secret", delivery.id, "pack")):
        page = await anonymous_client.get(page_url, params={"from": token})
        assert 'name="from"' not in page.text
        await anonymous_client.post(page_url, data={"from": token, "people": "10"})
    async with sessionmaker() as session:
        reports = (await session.scalars(select(PassedOn))).all()
    assert [(r.organisation_id, r.people) for r in reports] == [(None, 10), (None, 10)]
