"""Dashboard forms to the API's own input structures, so that both share one validation.

A message is written in columns, one per language, side by side; each column's fields are named
``subject.<tag>``, ``body.<tag>``, ``sms.<tag>`` and ``instruction.<tag>``, and the hidden field
``language`` lists the columns on the page in their order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar.datastructures import FormMultiDict

from dispatch.errors import InvalidInputError
from dispatch.incidents.schemas import IncidentIn, LanguageContent, TemplateUse
from dispatch.incidents.validation import CHANNELS
from translations.locales import UnknownLanguageError, canonical_tag
from translations.strings.marking import N_
from translations.text import Text

PARTS = ("subject", "body", "sms", "instruction")
DEFAULT_COLUMNS = ("nb", "en")


@dataclass(slots=True)
class MessageForm:
    """What the coordinator typed, kept as typed so a page with errors shows it again."""

    columns: list[str] = field(default_factory=lambda: list(DEFAULT_COLUMNS))
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, tag: str, part: str) -> str:
        return self.values.get(tag, {}).get(part, "")


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def message_form(form: FormMultiDict) -> MessageForm:
    """The language columns and their text, in page order; unknown tags are kept to report."""
    columns: list[str] = []
    for raw in form.getall("language", []):
        if isinstance(raw, str) and raw.strip() and raw.strip() not in columns:
            columns.append(raw.strip())
    values = {
        tag: {part: _text(form, f"{part}.{tag}").strip() for part in PARTS} for tag in columns
    }
    return MessageForm(columns=columns or list(DEFAULT_COLUMNS), values=values)


def message_of(typed: MessageForm) -> dict[str, LanguageContent]:
    """Languages with any text, as the API takes them; an empty column is left out."""
    errors: list[str] = []
    message: dict[str, LanguageContent] = {}
    for tag in typed.columns:
        parts = typed.values.get(tag, {})
        if not any(parts.values()):
            continue
        try:
            canonical = canonical_tag(tag)
        except UnknownLanguageError:
            errors.append(
                Text(N_("'%(tag)s' is not a language tag we know"), field="message", tag=tag)
            )
            continue
        message[canonical] = LanguageContent(**parts)
    if errors:
        raise InvalidInputError.from_errors(errors)
    return message


@dataclass(slots=True)
class IncidentForm:
    """The declaration form as typed."""

    title: str = ""
    status: str = ""
    severity: str = "severe"
    networks: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=lambda: list(CHANNELS))
    ack_required: bool = True
    ack_deadline_minutes: str = "30"
    idempotency_key: str = ""
    message: MessageForm = field(default_factory=MessageForm)
    template_id: str = ""
    """The template the message was filled in from, if any."""
    template_fields: dict[str, str] = field(default_factory=dict)
    """The template's field values, by field name (form fields ``field.<name>``)."""
    include_unreviewed: bool = False


def incident_form(form: FormMultiDict) -> IncidentForm:
    return IncidentForm(
        template_id=_text(form, "template_id").strip()[:20],
        template_fields={
            key.removeprefix("field."): value.strip()
            for key, value in form.multi_items()
            if key.startswith("field.") and isinstance(value, str)
        },
        include_unreviewed=_text(form, "include_unreviewed") == "on",
        title=_text(form, "title").strip(),
        status=_text(form, "status"),
        severity=_text(form, "severity") or "severe",
        networks=[n for n in form.getall("networks", []) if isinstance(n, str)],
        channels=[c for c in form.getall("channels", []) if isinstance(c, str)],
        ack_required=_text(form, "ack_required") == "on",
        ack_deadline_minutes=_text(form, "ack_deadline_minutes").strip() or "30",
        idempotency_key=_text(form, "idempotency_key")[:200],
        message=message_form(form),
    )


def incident_in(typed: IncidentForm) -> IncidentIn:
    """The API's declaration body, or every problem with the form at once."""
    errors: list[str] = []
    if not typed.status:
        errors.append(
            Text(
                N_("choose whether this is a real incident, an exercise or a test"),
                field="status",
            )
        )
    try:
        minutes = int(typed.ack_deadline_minutes)
    except ValueError:
        errors.append(
            Text(
                N_("the acknowledgement deadline '%(value)s' must be whole minutes"),
                field="ack_deadline_minutes",
                value=typed.ack_deadline_minutes,
            )
        )
        minutes = 30
    try:
        message = message_of(typed.message)
    except InvalidInputError as exc:
        errors.extend(exc.errors)
        message = {}
    template = template_use(errors, typed)
    if errors:
        raise InvalidInputError.from_errors(errors)
    return IncidentIn(
        title=typed.title,
        networks=typed.networks,
        message=message,
        template=template,
        status=typed.status,
        severity=typed.severity,
        ack_required=typed.ack_required,
        ack_deadline_minutes=minutes,
        channels=typed.channels,
    )


def template_use(errors: list[str], typed: IncidentForm) -> TemplateUse | None:
    """The template the form was filled in from, with its field values, or None."""
    if not typed.template_id:
        return None
    if not typed.template_id.isdigit():
        errors.append(Text(N_("choose a template from the list"), field="template_id"))
        return None
    return TemplateUse(
        id=int(typed.template_id),
        fields=dict(typed.template_fields),
        include_unreviewed=typed.include_unreviewed,
    )
