"""The dashboard's "New template" page over HTTP: field rows added and removed without saving,
the API's checks with each reason beside its field in the page's language, nothing written on
a refusal, and a saved template a draft in its source language."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.audit.models import AuditEvent
from dispatch.models import AlertTemplate, TemplateContent
from dispatch.security.models import Role
from tests.integration.test_dashboard import SignIn
from tests.integration.test_dashboard import signed_in as signed_in  # the fixture

FORM: dict[str, Any] = {
    "name": "Stengt legevakt",
    "field_name": ["place", "date"],
    "field_kind": ["text", "date"],
    "source_language": "nb",
    "subject": "Legevakten i {place} er stengt",
    "sms": "Legevakten i {place} er stengt fra {date}. Ring 116 117.",
    "body": "Fra {date} er legevakten i {place} stengt.",
    "instruction": "Ring 116 117 eller 113 ved fare for liv.",
    "action": "save",
}


async def counts(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    async with sessionmaker() as session:
        templates = await session.scalar(select(func.count()).select_from(AlertTemplate))
        contents = await session.scalar(select(func.count()).select_from(TemplateContent))
        audits = await session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("template.%"))
        )
        return templates or 0, contents or 0, audits or 0


def error_beside(page: str, error_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{error_id}">(.*?)</p>', page, re.S)
    assert found, f"no error {error_id}"
    return html.unescape(found.group(1))


async def test_an_unknown_placeholder_is_refused_beside_its_field_and_nothing_written(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    before = await counts(sessionmaker)
    refused = await browser.post("/templates/new", {**FORM, "sms": "Stengt i {sted} fra {date}."})
    assert refused.status_code == 422
    assert "{sted} er ikke et av feltene i malen" in error_beside(refused.text, "sms-error")
    assert 'id="t-sms" name="sms" rows="4" lang="nb" dir="ltr" aria-invalid="true"' in refused.text
    # What was typed is shown again: the fields, their kinds and the other texts.
    assert 'value="date"' in refused.text
    assert re.search(r'id="field-kind-1".*?<option value="date" selected>', refused.text, re.S)
    assert "Stengt i {sted} fra {date}." in refused.text
    assert await counts(sessionmaker) == before


async def test_wrong_fields_name_and_empty_text_are_each_named_in_the_page_language(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    before = await counts(sessionmaker)
    form = {
        **FORM,
        "name": " ",
        "field_name": ["Sted", "date", "date"],
        "field_kind": ["text", "colour", "date"],
        "subject": "",
        "sms": "",
        "body": "",
    }
    refused = await browser.post("/templates/new?lang=en", form)
    assert refused.status_code == 422
    assert "the template's name is empty" in error_beside(refused.text, "name-error")
    fields = error_beside(refused.text, "fields-error")
    assert "the field name 'Sted' must start with a letter a-z" in fields
    assert "the field {date} has the kind 'colour'" in fields
    assert "write a subject, an SMS text or a message" in error_beside(refused.text, "sms-error")
    nynorsk = await browser.post("/templates/new?lang=nn", form)
    assert "malen har ikkje noko namn" in error_beside(nynorsk.text, "name-error")
    assert await counts(sessionmaker) == before


async def test_field_rows_are_added_and_removed_without_saving(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    before = await counts(sessionmaker)
    added = await browser.post("/templates/new", {**FORM, "action": "add_field"})
    assert added.status_code == 200
    assert 'id="field-name-2"' in added.text
    assert re.search(r'id="field-name-2"[^>]*autofocus', added.text)
    removed = await browser.post("/templates/new", {**FORM, "action": "remove_field:0"})
    assert removed.status_code == 200
    assert 'id="field-name-1"' not in removed.text
    assert re.search(r'id="field-name-0" name="field_name" value="date"', removed.text)
    assert await counts(sessionmaker) == before


async def test_a_saved_template_is_a_draft_in_its_source_language_and_listed(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    browser = await signed_in(Role.COORDINATOR)
    form = {**FORM, "field_name": ["place", "date", ""], "field_kind": ["text", "date", "text"]}
    saved = await browser.post("/templates/new", form)
    assert saved.status_code == 303, saved.text
    location = saved.headers["location"]
    found = re.fullmatch(r"/templates/(\d+)\?done=created", location)
    assert found, location
    shown = await browser.get(location)
    assert 'id="done"' in shown.text
    assert 'id="language-nb"' in shown.text
    assert 'class="chip draft"' in shown.text
    async with sessionmaker() as session:
        template = await session.get(AlertTemplate, int(found.group(1)))
        assert template is not None
        assert template.fields == [
            {"name": "place", "kind": "text"},
            {"name": "date", "kind": "date"},
        ]
        assert template.source_language == "nb"
        content = await session.scalar(
            select(TemplateContent).where(TemplateContent.template_id == template.id)
        )
        assert content is not None
        assert (content.language, content.review) == ("nb", "draft")
        assert content.sms == FORM["sms"]
    listed = await browser.get("/templates")
    assert "Stengt legevakt" in listed.text
    # The same name again is refused beside the name, and nothing more is written.
    before = await counts(sessionmaker)
    again = await browser.post("/templates/new", form)
    assert again.status_code == 409
    assert "Stengt legevakt" in error_beside(again.text, "name-error")
    assert await counts(sessionmaker) == before


async def test_only_coordinators_write_templates_on_the_dashboard(
    signed_in: SignIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    before = await counts(sessionmaker)
    for role in (Role.TRANSLATOR, Role.VIEWER):
        browser = await signed_in(role)
        assert (await browser.get("/templates/new")).status_code == 403
        assert (await browser.post("/templates/new", FORM)).status_code == 403
        assert 'href="/templates/new"' not in (await browser.get("/templates")).text
    coordinator = await signed_in(Role.COORDINATOR)
    assert 'href="/templates/new"' in (await coordinator.get("/templates")).text
    page = await coordinator.get("/templates/new")
    assert page.status_code == 200
    assert '<option value="nb" selected>' in page.text
    assert await counts(sessionmaker) == before
