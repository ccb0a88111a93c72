"""Hostile input gets a 4xx problem and writes nothing: bodies too large for a public route,
JSON nested too deeply to decode, and every string of every API body one character too long.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.models import Base

PUBLIC_POSTS = [
    "/ack/1.x",
    "/confirm/1.x",
    "/changes",
    "/newsletter/contribute",
    "/unsubscribe/1.x",
    "/packs/a/nb",
    "/webhooks/twilio/sms",
    "/webhooks/twilio/status",
    "/login",
]


async def row_counts(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessionmaker() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize("path", PUBLIC_POSTS)
async def test_public_routes_refuse_bodies_over_64_kib_before_reading_them(
    member: httpx.AsyncClient, path: str
) -> None:
    # A form of 70 KiB, as Content-Length announces it,
    big = {"comment": "x" * (70 * 1024)}
    answer = await member.post(path, data=big)
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    # and a 9 MB form of 900,000 fields, as the audit sent it.
    many = "&".join(f"f{n}=1" for n in range(900_000)).encode()
    flood = await member.post(
        path, content=many, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert flood.status_code == 413


async def test_signed_in_routes_take_larger_bodies_and_the_import_the_largest(
    coordinator_client: httpx.AsyncClient,
) -> None:
    header = (
        "organisation_name,organisation_number,organisation_kind,municipality_number,networks,"
        "contact_name,email,phone,language,channels,main_contact\n"
    )
    rows = "".join(
        f"Org {n},,ngo,,NIFS,Person {n},p{n}@example.org,,nb,email,no\n" for n in range(4000)
    )
    assert len(header + rows) > 64 * 1024
    imported = await coordinator_client.post(
        "/api/v1/directory/import",
        params={"dry_run": "true"},
        content=(header + rows).encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    # Above a megabyte, a JSON route refuses too.
    huge = await coordinator_client.post(
        "/api/v1/incidents/preview",
        content=b" " * (1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413


@pytest.mark.parametrize(
    "path", ["/api/v1/campaigns/list-review", "/api/v1/incidents", "/api/v1/packs"]
)
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
async def test_json_nested_too_deeply_is_a_422_not_a_500(
    admin_client: httpx.AsyncClient, path: str, content_type: str
) -> None:
    for body in (b"[" * 100_000, b'{"networks":' + b"[" * 50_000 + b"]" * 50_000 + b"}"):
        answer = await admin_client.post(path, content=body, headers={"Content-Type": content_type})
        assert answer.status_code == 422, answer.text[:300]
        assert "nested too deeply" in answer.json()["detail"]


# --- Every string field of every API body, one character over its limit ----------------------

Leaf = tuple[list[str], int | None]


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def string_leaves(
    schema: dict[str, Any], components: dict[str, Any], path: list[str]
) -> list[Leaf]:
    """Every free-text string in a body schema: its place, and its maxLength (None if absent)."""
    schema = _resolve(schema, components)
    found: list[Leaf] = []
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(key, []):
            for where, limit in string_leaves(branch, components, path):
                found.append((where, limit if limit is not None else schema.get("maxLength")))
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "object" in kinds:
        for name, child in (schema.get("properties") or {}).items():
            found += string_leaves(child, components, [*path, name])
        if isinstance(schema.get("additionalProperties"), dict):
            found += string_leaves(schema["additionalProperties"], components, [*path, "*"])
    if "array" in kinds and isinstance(schema.get("items"), dict):
        found += string_leaves(schema["items"], components, [*path, "[]"])
    if "string" in kinds and not {"enum", "const", "format"} & set(schema):
        found.append((path, schema.get("maxLength")))
    return found


def body_with(path: list[str], value: str) -> Any:
    """The smallest body that puts ``value`` at ``path`` (``*`` a language, ``[]`` a list)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "[]":
        return [body_with(rest, value)]
    if head == "*":
        return {"nb": body_with(rest, value)}
    return {head: body_with(rest, value)}


def operations_with_bodies(app: Litestar) -> list[tuple[str, str, dict[str, Any]]]:
    doc = app.openapi_schema.to_schema()
    found = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                concrete = re.sub(
                    r"\{(\w+)\}", lambda m: "NIK" if m.group(1) == "code" else "1", path
                )
                found.append((method.upper(), concrete, content["application/json"]["schema"]))
    return found


async def test_every_string_field_has_a_limit_and_one_over_it_is_refused_writing_nothing(
    app: Litestar, admin_client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    components = app.openapi_schema.to_schema()["components"]["schemas"]
    before = await row_counts(sessionmaker)
    checked = 0
    for method, path, schema in operations_with_bodies(app):
        for where, limit in string_leaves(schema, components, []):
            field = ".".join(where)
            assert limit is not None, f"{method} {path}: the string {field} has no maxLength"
            body = body_with(where, "x" * (limit + 1))
            answer = await admin_client.request(method, path, json=body)
            assert answer.status_code == 422, f"{method} {path} {field}: {answer.status_code}"
            detail = answer.json()["detail"]
            assert f"longer than {limit} characters" in detail, f"{method} {path} {field}: {detail}"
            checked += 1
    assert checked >= 90
    assert await row_counts(sessionmaker) == before


async def test_a_100_kb_webhook_url_is_refused_not_a_500(admin_client: httpx.AsyncClient) -> None:
    answer = await admin_client.patch(
        "/api/v1/networks/NIK",
        json={"teams_webhook_url": "https://x.logic.azure.com/" + "a" * 100_000},
    )
    assert answer.status_code == 422
    assert "longer than 2000 characters" in answer.json()["detail"]
