"""Declarations written by the database: recipients' lists as arrays, fewer checks per row

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

On PostgreSQL the recipients' id and code lists become arrays (SQLite keeps JSON). The foreign
keys from deliveries and recipients to incidents and recipients go (incidents and recipients are
never deleted; each check cost a 10,000-person declaration 30-115 ms), the recipients' own
incident index goes (the unique key leads with the incident), and the two provider indexes of
deliveries cover only rows that have a provider. Decision 0023.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTS = {
    'contact_ids': 'bigint',
    'organisation_ids': 'bigint',
    'network_codes': 'varchar(64)',
    'channels': 'varchar(64)',
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade() -> None:
    if _postgresql():
        # A subquery cannot stand in ALTER … USING; a function can.
        op.execute(
            "CREATE FUNCTION pg_temp.json_list(value json, kind text) RETURNS text[] "
            "LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(array_agg(x), '{}') "
            "FROM json_array_elements_text(value) AS x $$"
        )
        for column, kind in LISTS.items():
            op.execute(
                f"ALTER TABLE recipients ALTER COLUMN {column} TYPE {kind}[] "
                f"USING pg_temp.json_list({column}, '{kind}')::{kind}[]"
            )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('fk_deliveries_incident_id_incidents', type_='foreignkey')
        batch_op.drop_constraint('fk_deliveries_recipient_id_recipients', type_='foreignkey')
        batch_op.drop_index('ix_deliveries_provider_id')
        batch_op.drop_index('ix_deliveries_provider_sent_at')
        batch_op.create_index(
            'ix_deliveries_provider_id',
            ['provider_id'],
            postgresql_where=sa.text('provider_id IS NOT NULL'),
            sqlite_where=sa.text('provider_id IS NOT NULL'),
        )
        batch_op.create_index(
            'ix_deliveries_provider_sent_at',
            ['provider', 'sent_at'],
            postgresql_where=sa.text('provider IS NOT NULL'),
            sqlite_where=sa.text('provider IS NOT NULL'),
        )
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.drop_constraint('fk_recipients_incident_id_incidents', type_='foreignkey')
        batch_op.drop_index('ix_recipients_incident_id')


def downgrade() -> None:
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.create_index('ix_recipients_incident_id', ['incident_id'])
        batch_op.create_foreign_key(
            'fk_recipients_incident_id_incidents',
            'incidents',
            ['incident_id'],
            ['id'],
            ondelete='CASCADE',
        )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_provider_sent_at')
        batch_op.drop_index('ix_deliveries_provider_id')
        batch_op.create_index('ix_deliveries_provider_sent_at', ['provider', 'sent_at'])
        batch_op.create_index('ix_deliveries_provider_id', ['provider_id'])
        batch_op.create_foreign_key(
            'fk_deliveries_recipient_id_recipients',
            'recipients',
            ['recipient_id'],
            ['id'],
            ondelete='CASCADE',
        )
        batch_op.create_foreign_key(
            'fk_deliveries_incident_id_incidents',
            'incidents',
            ['incident_id'],
            ['id'],
            ondelete='CASCADE',
        )
    if _postgresql():
        for column in LISTS:
            op.execute(
                f"ALTER TABLE recipients ALTER COLUMN {column} TYPE json USING to_json({column})"
            )
