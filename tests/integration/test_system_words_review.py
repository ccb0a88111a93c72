"""The review state of the system's own words reaches what members get and what the coordinator
sees: a marker no person has approved goes with bokmål's beside it, and the preview says which
languages' words are not reviewed (issue 24, point 4)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.models import Delivery
from dispatch.security.models import Role
from tests.conftest import SECRET_KEY
from tests.factories import claimed_messages
from tests.integration.test_dashboard import SignIn, declaration
from tests.integration.test_dashboard import signed_in as signed_in  # the fixture
from translations import strings
from translations.catalog import translator
from translations.review import is_approved

HODAN = "+4741000263"  # Somali: machine-drafted, not reviewed
INGRID = "+4741000221"  # bokmål
PIOTR = "+4791000368"  # Polish: approved by the outside review
MESSAGE = {
    lang: {"subject": f"Vann ({lang})", "sms": f"Kok vannet ({lang}).", "body": "Detaljer."}
    for lang in ("nb", "en", "so", "pl")
}
BODY: dict[str, Any] = {
    "title": "Vannøvelse",
    "networks": ["NIK", "NIFS"],
    "status": "exercise",
    "channels": ["sms"],
    "message": MESSAGE,
}


async def test_an_unreviewed_marker_goes_with_bokmal_and_the_preview_says_so(
    coordinator_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    demo: None,
) -> None:
    assert not is_approved("so", "EXERCISE")
    assert is_approved("pl", "EXERCISE")
    somali, polish, bokmal = translator("so"), translator("pl"), translator("nb")

    # The preview: the languages sent, each with its system words' state
    preview = await coordinator_client.post("/api/v1/incidents/preview", json=BODY)
    assert preview.status_code == 200, preview.text
    states = preview.json()["system_words"]
    assert states == {"nb": "approved", "en": "approved", "so": "draft", "pl": "approved"}

    # The exercise as sent
    declared = await coordinator_client.post("/api/v1/incidents", json=BODY)
    assert declared.status_code == 201, declared.text
    async with sessionmaker() as session, session.begin():
        ids = list((await session.scalars(select(Delivery.id))).all())
        texts = {
            m.to: m.text
            for m in await claimed_messages(
                session, ids, base_url="http://testserver.local", secret=SECRET_KEY
            )
        }
    exercise = strings.EXERCISE
    assert texts[HODAN].startswith(
        f"{somali.gettext(exercise)} / {bokmal.gettext(exercise)}: Kok vannet (so)."
    )
    assert texts[PIOTR].startswith(f"{polish.gettext(exercise)}: Kok vannet (pl).")
    assert texts[INGRID].startswith(f"{bokmal.gettext(exercise)}: Kok vannet (nb).")
    # The preview counted the SMS as sent, both markers included
    per_language = preview.json()["sms"]["per_language"]
    code = declared.json()["code"]
    assert per_language["so"]["characters"] == len(texts[HODAN].replace(code, "0000"))


async def test_the_dashboard_preview_lists_the_languages_not_reviewed(
    signed_in: SignIn, demo: None
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    form = declaration(
        language=["nb", "so"],
        **{"subject.so": "Biyo", "body.so": "Faahfaahin.", "sms.so": "Karkari biyaha."},
    )
    preview = await browser.post("/incidents/preview", form)
    assert preview.status_code == 200, preview.text
    listed = preview.text.split('id="preview-system-words"')[1].split("</ul>")[0]
    # The dashboard speaks bokmål; Somali's words are a machine draft, bokmål's are reviewed.
    assert 'data-review="draft"><span lang="so">somali</span>: ikke gjennomgått' in listed
    assert 'data-review="approved"><span lang="nb">norsk bokmål</span>: gjennomgått' in listed
