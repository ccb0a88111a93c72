"""The starter library: alerts the networks would really send, as data files in ``library/``.

Each ``library/<key>.toml`` is one template: its name, fields and languages, each language
marked ``review = "approved"`` (nb, nn and en, written with care) or ``"draft"`` (a first
translation no reviewer has read). Loading goes through the same checks as the API; a template
already loaded (by its file's key) is left as it is, so a coordinator's edits survive a reload.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.alert_templates.models import AlertTemplate, Review
from dispatch.alert_templates.schemas import FieldIn, TemplateIn, TemplateLanguageIn
from dispatch.alert_templates.service import contents_of, create_template
from dispatch.audit.service import Actor, record
from dispatch.db.base import utcnow

LIBRARY = Path(__file__).with_name("library")
PARTS = ("subject", "sms", "body", "instruction")


@dataclass(slots=True)
class Loaded:
    added: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)


def library_files(folder: Path = LIBRARY) -> list[Path]:
    return sorted(folder.glob("*.toml"))


def read(path: Path) -> tuple[TemplateIn, dict[str, str]]:
    """A library file as the API's body, and each language's review state in the file."""
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    content = data.get("content", {})
    body = TemplateIn(
        name=data["name"],
        source_language=data.get("source_language", "nb"),
        fields=[
            FieldIn(name=f["name"], kind=f.get("kind", "text")) for f in data.get("fields", [])
        ],
        content={
            lang: TemplateLanguageIn(**{part: texts.get(part, "") for part in PARTS})
            for lang, texts in content.items()
        },
    )
    states = {lang: texts.get("review", "draft") for lang, texts in content.items()}
    return body, states


async def load_library(session: AsyncSession, *, actor: Actor, folder: Path = LIBRARY) -> Loaded:
    """Add every library template not loaded yet, its approved languages approved (and each
    approval audited, as a coordinator's would be); the caller commits."""
    loaded = Loaded()
    for path in library_files(folder):
        key = path.stem
        if await session.scalar(select(AlertTemplate.id).where(AlertTemplate.library_key == key)):
            loaded.already_there.append(key)
            continue
        body, states = read(path)
        template = await create_template(session, data=body, actor=actor, library_key=key)
        now = utcnow()
        for content in await contents_of(session, template.id):
            if states.get(content.language) != Review.APPROVED:
                continue
            content.review = Review.APPROVED
            content.approved_by, content.approved_at = actor.label, now
            content.approved_version = template.version
            record(
                session,
                actor=actor,
                action="template.content_approved",
                entity_type="template",
                entity_id=template.id,
                details={"language": content.language, "version": template.version, "library": key},
            )
        await session.flush()
        loaded.added.append(key)
    return loaded
