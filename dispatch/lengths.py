"""The longest text each kind of field of the API takes, checked when the body is decoded.

Every string an API body carries has one of these types, so an over-long value is a 422 that
names the field, before anything reaches the database (whose ``varchar`` would answer 500).
``tests/integration/test_hostile_input.py`` walks the OpenAPI document and sends each string
field one character over its limit.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar.openapi.spec import Components, OpenAPI, OpenAPIType, Reference, RequestBody, Schema
from msgspec import Meta

Word = Annotated[str, Meta(max_length=40)]
"""A code or a choice: a network code, a channel, a state, a CAP value, an organisation kind."""
LanguageTag = Annotated[str, Meta(max_length=35)]
"""A BCP 47 language tag (the database holds 35 characters)."""
Name = Annotated[str, Meta(max_length=200)]
"""A person's name, a title, a tag, a link's label."""
OrganisationName = Annotated[str, Meta(max_length=300)]
Email = Annotated[str, Meta(max_length=320)]
Phone = Annotated[str, Meta(max_length=40)]
"""A phone number as typed (spaces and dashes allowed); stored in E.164."""
Number = Annotated[str, Meta(max_length=20)]
"""An organisation or municipality number as typed."""
Slug = Annotated[str, Meta(max_length=80)]
Url = Annotated[str, Meta(max_length=2000)]
Subject = Annotated[str, Meta(max_length=300)]
"""An e-mail subject or a pack's title line."""
Sms = Annotated[str, Meta(max_length=1600)]
"""SMS text: ten segments of 160 GSM characters at the most (the check counts segments)."""
Body = Annotated[str, Meta(max_length=20_000)]
"""A long text: an alert's body, a pack's text, a newsletter, an agenda."""
Reason = Annotated[str, Meta(max_length=2000)]


# --- The limits in the OpenAPI document ----------------------------------------------------------
# Litestar's schema generator drops the length of a list's items and a dict's values, and puts
# an optional string's on the ``oneOf`` around it. These functions write each limit msgspec
# enforces onto the string schema it belongs to, so clients (and the test that walks the
# document) see every one.


def document_lengths(openapi: OpenAPI, bodies: dict[tuple[str, str], Any]) -> None:
    """``bodies`` maps (path, method) to the type of that operation's JSON body."""
    components = openapi.components.schemas if isinstance(openapi.components, Components) else {}
    for (path, method), body_type in bodies.items():
        item = (openapi.paths or {}).get(path)
        operation = getattr(item, method.lower(), None) if item is not None else None
        request = getattr(operation, "request_body", None)
        if not isinstance(request, RequestBody):
            continue
        media = (request.content or {}).get("application/json")
        if media is not None and media.schema is not None:
            _apply(msgspec.inspect.type_info(body_type), media.schema, components or {})


def _resolve(schema: Schema | Reference, components: dict[str, Schema]) -> Schema | None:
    seen = 0
    while isinstance(schema, Reference) and seen < 20:
        found = components.get(schema.ref.rsplit("/", 1)[-1])
        if found is None:
            return None
        schema, seen = found, seen + 1
    return schema if isinstance(schema, Schema) else None


def _apply(info: Any, node: Schema | Reference, components: dict[str, Schema]) -> None:
    schema = _resolve(node, components)
    if schema is None:
        return
    inspect = msgspec.inspect
    if isinstance(info, inspect.UnionType):
        for option in info.types:
            if not isinstance(option, inspect.NoneType):
                _apply(option, schema, components)
        return
    branches = [b for b in (schema.one_of or schema.any_of or []) if b is not None]
    if branches:
        for branch in branches:
            _apply(info, branch, components)
        return
    if isinstance(info, inspect.StrType) and info.max_length is not None:
        if schema.type == OpenAPIType.STRING and schema.max_length is None:
            schema.max_length = info.max_length
    elif isinstance(info, inspect.ListType) and schema.items is not None:
        if isinstance(schema.items, Schema | Reference):
            _apply(info.item_type, schema.items, components)
    elif isinstance(info, inspect.DictType) and isinstance(
        schema.additional_properties, Schema | Reference
    ):
        _apply(info.value_type, schema.additional_properties, components)
    elif isinstance(info, inspect.StructType):
        for field in info.fields:
            child = (schema.properties or {}).get(field.encode_name)
            if child is not None:
                _apply(field.type, child, components)
