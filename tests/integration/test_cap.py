"""CAP 1.2 output, validated against the OASIS schema with lxml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.audit.service import Actor
from dispatch.directory.demo import load_demo

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "cap" / "CAP-v1.2.xsd"
"""The OASIS schema, carried with the tests (its licence: ``tests/data/cap/NOTICE.md``)."""
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    assert SCHEMA.exists(), f"the CAP schema is expected at {SCHEMA}"
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def message(lang: str, text: str) -> dict[str, str]:
    return {"subject": text, "sms": text, "body": f"{text}.", "instruction": "Følg med."}


async def test_cap_follows_the_message_versions_and_validates(
    coordinator_client: httpx.AsyncClient,
    viewer_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    schema: etree.XMLSchema,
) -> None:
    async with sessionmaker() as session, session.begin():
        await load_demo(session, actor=Actor("test"))
    body: dict[str, Any] = {
        "title": "Utbrudd av meslinger",
        "networks": ["NIK", "NIFS"],
        "status": "exercise",
        "severity": "severe",
        "urgency": "immediate",
        "certainty": "likely",
        "channels": ["email", "sms"],
        "message": {
            "nb": message("nb", "Meslinger i Oslo"),
            "ar": message("ar", "الحصبة في أوسلو"),
            "fa-AF": message("fa-AF", "سرخکان در اسلو"),
        },
    }
    incident = (await coordinator_client.post("/api/v1/incidents", json=body)).json()

    def parse(response: httpx.Response) -> Any:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/cap+xml")
        document = etree.fromstring(response.content)
        schema.assertValid(document)
        return document

    first = parse(await viewer_client.get(f"/api/v1/incidents/{incident['id']}/cap"))
    assert first.findtext("cap:status", namespaces=NS) == "Exercise"
    assert first.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert first.findtext("cap:scope", namespaces=NS) == "Restricted"
    assert first.find("cap:references", NS) is None
    infos = first.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["nb", "ar", "fa-AF"]
    assert {i.findtext("cap:category", namespaces=NS) for i in infos} == {"Health"}
    assert infos[1].findtext("cap:headline", namespaces=NS) == "الحصبة في أوسلو"
    assert infos[0].findtext("cap:severity", namespaces=NS) == "Severe"

    await coordinator_client.post(
        f"/api/v1/incidents/{incident['id']}/updates",
        json={"message": {"nb": message("nb", "Flere tilfeller")}},
    )
    update = parse(await viewer_client.get(f"/api/v1/incidents/{incident['id']}/cap"))
    assert update.findtext("cap:msgType", namespaces=NS) == "Update"
    first_id = first.findtext("cap:identifier", namespaces=NS)
    assert first_id in update.findtext("cap:references", namespaces=NS)

    await coordinator_client.post(
        f"/api/v1/incidents/{incident['id']}/close",
        json={"message": {"nb": message("nb", "Over")}},
    )
    cancel = parse(await viewer_client.get(f"/api/v1/incidents/{incident['id']}/cap"))
    assert cancel.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert len(cancel.findtext("cap:references", namespaces=NS).split()) == 2
