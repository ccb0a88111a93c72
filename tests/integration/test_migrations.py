"""Migrations build an empty database on SQLite and PostgreSQL; the audit log is append-only."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dispatch.db.engine import create_engine
from dispatch.db.migrate import downgrade, upgrade
from dispatch.models import Base
from tests.conftest import TEST_DATABASE_URL, _pg_admin, unavailable


async def _tables_and_networks(url: str) -> tuple[set[str], list[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            codes = (
                (await conn.execute(text("SELECT code FROM networks ORDER BY id"))).scalars().all()
            )
        return tables, list(codes)
    finally:
        await engine.dispose()


def _check_upgrade_from_empty(url: str) -> None:
    upgrade(url)
    tables, codes = asyncio.run(_tables_and_networks(url))
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert codes == ["NIK", "NONEMI", "NIFS"]
    downgrade(url, "base")
    tables, _ = asyncio.run(_tables_and_networks_after_downgrade(url))
    assert tables <= {"alembic_version"}
    upgrade(url)


async def _tables_and_networks_after_downgrade(url: str) -> tuple[set[str], list[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        return tables, []
    finally:
        await engine.dispose()


def test_upgrade_from_empty_on_sqlite(tmp_path: Path) -> None:
    _check_upgrade_from_empty(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")


@pytest.mark.postgres
def test_upgrade_from_empty_on_postgresql() -> None:
    name = f"dispatch_migrate_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_pg_admin(TEST_DATABASE_URL, f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError) as exc:
        unavailable(f"PostgreSQL ({exc})")
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    try:
        _check_upgrade_from_empty(url)
    finally:
        asyncio.run(_pg_admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_audit_log_refuses_update_and_delete(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO audit_events (at, actor, action, entity_type, details) "
                    "VALUES (CURRENT_TIMESTAMP, 'test', 'x.y', 'thing', '{}')"
                )
            )
        for statement in (
            "UPDATE audit_events SET actor = 'someone else'",
            "DELETE FROM audit_events",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(text(statement))
        async with engine.connect() as conn:
            actors = (await conn.execute(text("SELECT actor FROM audit_events"))).scalars().all()
        assert actors == ["test"]
    finally:
        await engine.dispose()


# A database as the first wave left it (revision 0014): an incident's alert, a pack's
# publication and the three kinds of campaign, with deliveries in every state.
def _populate_0014(url: str) -> None:
    now, later = (
        ("CURRENT_TIMESTAMP", "datetime('now', '+1 day')")
        if url.startswith("sqlite")
        else ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP + interval '1 day'")
    )
    statements = [
        "INSERT INTO incidents (id, code, title, status, severity, urgency, certainty, category,"
        " networks, channels, ack_required, ack_deadline_minutes, ack_deadline_seconds, state,"
        f" declared_by, declared_at, created_at, updated_at) VALUES"
        f" (1, '4821', 'Flom', 'actual', 'severe', 'immediate', 'likely', 'Health', '[\"NIK\"]',"
        f" '[\"email\",\"sms\"]', true, 30, 1800, 'active', 'user:1', {now}, {now}, {now}),"
        f" (2, '5555', 'Over', 'actual', 'severe', 'immediate', 'likely', 'Health', '[\"NIK\"]',"
        f" '[\"email\"]', true, 30, 1800, 'closed', 'user:1', {now}, {now}, {now})",
        "INSERT INTO message_versions (id, incident_id, sequence, kind, content, created_by,"
        " created_at) VALUES (1, 1, 1, 'alert',"
        f' \'{{"nb": {{"subject": "Flom", "sms": "Flom", "body": "Flom"}}}}\','
        f" 'user:1', {now})",
        "INSERT INTO recipients (id, incident_id, person_key, contact_ids, organisation_ids,"
        " network_codes, email, phone, language, channels, main_contact) VALUES (1, 1,"
        " 'kari', '[]', '[]', '[\"NIK\"]', 'kari@x.example', '+4741000001', 'nb',"
        ' \'["email","sms"]\', false)',
        f"INSERT INTO packs (id, slug, title, created_by, created_at, updated_at) VALUES"
        f" (1, 'vann', 'Vann', 'user:1', {now}, {now})",
        "INSERT INTO pack_publications (id, pack_id, networks, languages, published_by,"
        f" published_at) VALUES (1, 1, '[\"NIK\"]', '[\"nb\"]', 'user:1', {now})",
        "INSERT INTO campaigns (id, kind, networks, state, created_by, created_at, updated_at)"
        f" VALUES (1, 'list_review', '[\"NIK\"]', 'active', 'user:1', {now}, {now}),"
        f" (2, 'newsletter', '[\"NIK\"]', 'finished', 'user:1', {now}, {now}),"
        f" (3, 'meeting', '[\"NIK\"]', 'active', 'user:1', {now}, {now}),"
        f" (4, 'meeting', '[\"NIK\"]', 'active', 'user:1', {now}, {now})",
        "INSERT INTO campaign_targets (id, campaign_id, network_codes, language, state) VALUES"
        " (1, 1, '[\"NIK\"]', 'nb', 'pending'), (2, 2, '[\"NIK\"]', 'nb', 'confirmed'),"
        " (3, 3, '[\"NIK\"]', 'nb', 'pending')",
        "INSERT INTO meetings (campaign_id, kind, starts_at, ends_at, join_url, channels, code)"
        f" VALUES (3, 'network', {later}, {later}, 'https://t.example/m', '[\"email\"]', '7001'),"
        f" (4, 'network', {now}, {now}, 'https://t.example/m', '[\"email\"]', '7002')",
        "INSERT INTO deliveries (id, incident_id, message_version_id, publication_id,"
        " campaign_target_id, recipient_id, channel, target, address, language, fallback,"
        " priority, state, provider_id, attempts, last_error, created_at) VALUES"
        " (1, 1, 1, NULL, NULL, 1, 'sms', 'recipient:1', '+4741000001', 'nb', false, 0,"
        f"  'delivered', 'SM1', 1, NULL, {now}),"
        " (2, 1, 1, NULL, NULL, 1, 'email', 'recipient:1', 'kari@x.example', 'nb', false, 0,"
        f"  'failed', '<m@x>', 8, 'the mail server refused the address (550)', {now}),"
        " (3, 1, 1, NULL, NULL, 1, 'sms', 'recipient:1:again', '+4741000001', 'nb', false, 0,"
        f"  'queued', NULL, 2, 'Twilio is temporarily unavailable', {now}),"
        " (4, NULL, NULL, 1, NULL, NULL, 'email', 'contact:1', 'a@x.example', 'nb', false, 0,"
        f"  'delivered', 'sandbox-1', 1, NULL, {now}),"
        " (5, NULL, NULL, NULL, 1, NULL, 'email', 'request:contact:1', 'a@x.example', 'nb', false,"
        f"  1, 'sent', '<r@x>', 1, NULL, {now}),"
        " (6, NULL, NULL, NULL, 2, NULL, 'teams', 'newsletter:network:NIK', 'https://t.example',"
        f"  'nb', false, 1, 'delivered', 'req-1', 1, NULL, {now}),"
        " (7, NULL, NULL, NULL, 3, NULL, 'email', 'meeting-invite:contact:1', 'a@x.example',"
        f"  'nb', false, 1, 'sending', NULL, 1, NULL, {now})",
        f"INSERT INTO inbound_sms (id, message_sid, received_at, answer) VALUES"
        f" (1, 'SMreply1', {now}, 'Takk')",
        "INSERT INTO acknowledgements (id, incident_id, recipient_id, delivery_id, via, at)"
        f" VALUES (1, 1, 1, 1, 'sms', {now})",
    ]
    asyncio.run(_execute(url, statements))


async def _execute(url: str, statements: list[str]) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            results = [await conn.execute(text(s)) for s in statements]
            return [r.all() if r.returns_rows else None for r in results]
    finally:
        await engine.dispose()


KEPT = (
    "SELECT id, state, attempts, provider_id, last_error, incident_id, recipient_id, channel,"
    " target FROM deliveries ORDER BY id"
)


def _check_a_populated_upgrade(url: str) -> None:
    upgrade(url, "0014")
    _populate_0014(url)
    [before] = asyncio.run(_execute(url, [KEPT]))
    upgrade(url)
    after, sources, codes, inbound, acks, people = asyncio.run(
        _execute(
            url,
            [
                KEPT,
                "SELECT id, source_kind, source_id, provider FROM deliveries ORDER BY id",
                "SELECT code, holder, held_until IS NULL FROM reply_codes ORDER BY code",
                "SELECT message_sid FROM inbound_sms",
                "SELECT incident_id, recipient_id, via FROM acknowledgements",
                "SELECT id, network_codes, channels FROM recipients",
            ],
        )
    )
    # Rows that refer to a rebuilt table (SQLite's batch mode copies it) are all still there,
    # and the recipients' lists read as lists (arrays on PostgreSQL, JSON on SQLite).
    assert [tuple(r) for r in acks] == [(1, 1, "sms")]
    [(_, networks, channels)] = people
    as_list = (lambda v: json.loads(v)) if url.startswith("sqlite") else list
    assert (as_list(networks), as_list(channels)) == (["NIK"], ["email", "sms"])
    assert [tuple(r) for r in after] == [tuple(r) for r in before]
    assert [tuple(r) for r in sources] == [
        (1, "incident", 1, "twilio"),
        (2, "incident", 1, "smtp"),
        (3, "incident", 1, None),
        (4, "pack", 1, "sandbox"),
        (5, "list_review", 1, "smtp"),
        (6, "newsletter", 2, "teams"),
        (7, "meeting", 3, None),
    ]
    # The open incident's code and the coming meeting's are held; the closed and the past not.
    assert [tuple(r) for r in codes] == [("4821", "incident", True), ("7001", "meeting", False)]
    assert [r[0] for r in inbound] == ["twilio:SMreply1"]
    # And back: every row where it was.
    downgrade(url, "0014")
    [back] = asyncio.run(
        _execute(
            url,
            [
                "SELECT id, message_version_id, publication_id, campaign_target_id, state"
                " FROM deliveries ORDER BY id"
            ],
        )
    )
    assert [tuple(r) for r in back] == [
        (1, 1, None, None, "delivered"),
        (2, 1, None, None, "failed"),
        (3, 1, None, None, "queued"),
        (4, None, 1, None, "delivered"),
        (5, None, None, 1, "sent"),
        (6, None, None, 2, "delivered"),
        (7, None, None, 3, "sending"),
    ]
    upgrade(url)


def test_upgrading_a_populated_database_keeps_every_delivery_on_sqlite(tmp_path: Path) -> None:
    _check_a_populated_upgrade(f"sqlite+aiosqlite:///{tmp_path / 'populated.sqlite3'}")


@pytest.mark.postgres
def test_upgrading_a_populated_database_keeps_every_delivery_on_postgresql() -> None:
    name = f"dispatch_populated_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_pg_admin(TEST_DATABASE_URL, f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError) as exc:
        unavailable(f"PostgreSQL ({exc})")
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    try:
        _check_a_populated_upgrade(url)
    finally:
        asyncio.run(_pg_admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_the_migrations_build_exactly_what_the_models_describe(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()
    assert differences == []
