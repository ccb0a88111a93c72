"""A message pack through real parts: ``dispatch serve`` and ``dispatch worker`` processes on
PostgreSQL and Redis, a real SMTP server and a Teams receiver; then the organisation opens its
link over HTTP and reports that it passed the language on."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.fakes.smtp import SmtpSink
from tests.fakes.teams import TeamsReceiver
from tests.integration.test_fanout import Cluster, cluster  # noqa: F401 - the fixture
from tests.processes import wait_until
from translations import strings
from translations.catalog import translator

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

CONTENT = {
    "nb": {"title": "Råd ved hetebølge", "short": "Drikk vann.", "body": "Hold deg i skyggen."},
    "ar": {"title": "نصائح لموجة الحر", "short": "اشرب الماء.", "body": "ابق في الظل."},
    "uk": {"title": "Поради під час спеки", "short": "Пийте воду.", "body": "Будьте в тіні."},
}


def test_a_published_pack_reaches_main_contacts_and_their_reports_come_back(
    cluster: Cluster,  # noqa: F811
    smtp_sink: SmtpSink,
    teams_receiver: TeamsReceiver,
) -> None:
    created = cluster.post("/api/v1/packs", {"title": "Hetebølge", "content": CONTENT})
    assert created.status_code == 201, created.text
    pack = created.json()
    for lang, text in CONTENT.items():
        response = httpx.put(
            f"{cluster.base}/api/v1/packs/{pack['id']}/content/{lang}",
            json={**text, "approved": True},
            headers=cluster.headers,
            timeout=10,
        )
        assert response.status_code == 200, response.text
    published = cluster.post(f"/api/v1/packs/{pack['id']}/publish", {"networks": ["NIK"]})
    assert published.status_code == 201, published.text
    planned = published.json()["deliveries"]
    assert planned["email"] > 0
    assert planned["teams"] == 1

    def settled() -> bool:
        counts = cluster.get(f"/api/v1/packs/{pack['id']}")["publications"][0]["deliveries"]
        return counts["delivered"] == planned["email"] + planned["teams"]

    wait_until(settled, timeout=30, what="every pack delivery delivered")

    # One e-mail per main contact, in their language, listing every language with its link.
    mails = [m for m in smtp_sink.messages if "/packs/" in m.text]
    assert len(mails) == planned["email"]
    assert len({r for m in mails for r in m.rcpt_tos}) == planned["email"]
    arabic = next(m for m in mails if "ahmed.hassan@oslo.kommune.example" in m.rcpt_tos)
    assert arabic.message["Subject"] == translator("ar").gettext(
        strings.PACK_EMAIL_SUBJECT, title=CONTENT["ar"]["title"]
    )
    assert 'lang="ar" dir="rtl"' in arabic.html
    for name in ("norsk bokmål", "العربية", "українська"):
        assert name in arabic.text
    # And one card in NIK's Teams channel, with a button to the languages.
    cards = teams_receiver.cards("/workflows/nik")
    assert len(cards) == 1
    assert "Råd ved hetebølge" in str(cards[0])

    # The main contact follows the Ukrainian link from the e-mail and reports 200 people.
    link = re.search(r"(http://127\.0\.0\.1:\d+/packs/[\w-]+/uk\?from=[\w.-]+)", arabic.text)
    assert link is not None
    page = httpx.get(link.group(1), timeout=10)
    assert page.status_code == 200
    assert '<html lang="uk" dir="ltr">' in page.text
    assert "Oslo kommune" in page.text
    token = link.group(1).split("from=")[1]
    report = httpx.post(
        link.group(1).split("?")[0], data={"from": token, "people": "200"}, timeout=10
    )
    assert report.status_code == 200
    assert translator("uk").ngettext(*strings.PACK_PASSED_ON_THANKS, 200) in report.text

    detail = cluster.get(f"/api/v1/packs/{pack['id']}")
    ukrainian = next(lang for lang in detail["languages"] if lang["language"] == "uk")
    assert ukrainian["passed_on"]["organisations"] == 1
    assert ukrainian["passed_on"]["people"] == 200
    # The zip is served to anyone.
    download = httpx.get(f"{cluster.base}/packs/{pack['slug']}.zip", timeout=10)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
