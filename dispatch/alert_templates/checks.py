"""Checks on a template and its languages: every problem found at once, each a ``Text`` said in
the reader's language beside the field it is about."""

from __future__ import annotations

import unicodedata

from dispatch.alert_templates.fields import (
    MAX_FIELDS,
    NAME,
    PARTS,
    Field,
    FieldKind,
    check_placeholders,
)
from dispatch.alert_templates.schemas import FieldIn
from translations.locales import UnknownLanguageError, canonical_tag
from translations.strings.marking import N_
from translations.text import LanguageName, Text

LIMITS = {"subject": 200, "sms": 1600, "body": 20000, "instruction": 2000}
_BREAKS = frozenset("\n\r\t")


def check_name(errors: list[str], raw: str) -> str:
    name = raw.strip()
    if not name:
        errors.append(Text(N_("the template's name is empty"), field="name"))
    elif len(name) > 200:
        errors.append(
            Text(
                N_("the template's name is longer than %(limit)d characters"),
                field="name",
                limit=200,
            )
        )
    return name


def check_fields(errors: list[str], fields: list[FieldIn]) -> list[Field]:
    """The fields, each a lower-case name unique in the template and a known kind."""
    if len(fields) > MAX_FIELDS:
        errors.append(
            Text(N_("a template has at most %(most)d fields"), field="fields", most=MAX_FIELDS)
        )
    checked: list[Field] = []
    kinds = ", ".join(k.value for k in FieldKind)
    for item in fields[:MAX_FIELDS]:
        name = item.name.strip()
        if not NAME.match(name):
            errors.append(
                Text(
                    N_(
                        "the field name '%(name)s' must start with a letter a-z and hold only "
                        "a-z, 0-9 and _ (at most 40)"
                    ),
                    field="fields",
                    name=name,
                )
            )
            continue
        if any(f.name == name for f in checked):
            errors.append(
                Text(N_("the field {%(name)s} is named twice"), field="fields", name=name)
            )
            continue
        try:
            kind = FieldKind(item.kind.strip().lower())
        except ValueError:
            errors.append(
                Text(
                    N_("the field {%(name)s} has the kind '%(kind)s'; the kinds are %(kinds)s"),
                    field="fields",
                    name=name,
                    kind=item.kind,
                    kinds=kinds,
                )
            )
            continue
        checked.append(Field(name=name, kind=kind))
    return checked


def check_language(errors: list[str], raw: str, *, where: str = "content") -> str:
    try:
        return canonical_tag(raw)
    except UnknownLanguageError:
        errors.append(Text(N_("'%(tag)s' is not a language tag we know"), field=where, tag=raw))
        return raw


def check_texts(
    errors: list[str], lang: str, texts: dict[str, str], fields: list[Field]
) -> dict[str, str]:
    """One language's parts, trimmed: lengths, control characters and placeholders."""
    trimmed = {part: texts.get(part, "").strip() for part in PARTS}
    language = LanguageName(lang)
    known = {f.name for f in fields}
    if not (trimmed["subject"] or trimmed["sms"] or trimmed["body"]):
        errors.append(
            Text(
                N_("%(language)s: write a subject, an SMS text or a message"),
                field=f"content.{lang}.sms",
                language=language,
            )
        )
    for part, value in trimmed.items():
        where = f"content.{lang}.{part}"
        if len(value) > LIMITS[part]:
            errors.append(
                Text(
                    N_("%(language)s: %(part)s is longer than %(limit)d characters"),
                    field=where,
                    language=language,
                    part=part,
                    limit=LIMITS[part],
                )
            )
        for char in value:
            if unicodedata.category(char) == "Cc" and (part == "subject" or char not in _BREAKS):
                errors.append(
                    Text(
                        N_("%(language)s: %(part)s contains the control character %(char)s"),
                        field=where,
                        language=language,
                        part=part,
                        char=f"U+{ord(char):04X}",
                    )
                )
                break
        check_placeholders(errors, value, known, where=where)
    return trimmed
