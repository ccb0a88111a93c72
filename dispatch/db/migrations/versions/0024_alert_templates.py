"""Alert templates with a review state per language; incidents name the template they came from

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dispatch.db.base import UTCDateTime

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alert_templates',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('source_language', sa.String(length=35), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('library_key', sa.String(length=80), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_templates')),
    sa.UniqueConstraint('library_key', name=op.f('uq_alert_templates_library_key')),
    sa.UniqueConstraint('name', name=op.f('uq_alert_templates_name'))
    )
    op.create_table('alert_template_contents',
    sa.Column('template_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('sms', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('instruction', sa.Text(), nullable=False),
    sa.Column('review', sa.String(length=16), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('approved_at', UTCDateTime(), nullable=True),
    sa.Column('approved_version', sa.Integer(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['alert_templates.id'], name=op.f('fk_alert_template_contents_template_id_alert_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_template_contents')),
    sa.UniqueConstraint('template_id', 'language', name=op.f('uq_alert_template_contents_template_id_language'))
    )
    # Plain ALTER TABLE (never a batch copy of incidents, whose drop would cascade to deliveries).
    op.add_column('incidents', sa.Column('template_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
    op.add_column('incidents', sa.Column('template_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    # Not batch mode: on SQLite it would copy and drop the incidents table, and dropping it
    # cascades to every delivery. SQLite (3.35 and later) and PostgreSQL both drop a column.
    op.execute('ALTER TABLE incidents DROP COLUMN template_version')
    op.execute('ALTER TABLE incidents DROP COLUMN template_id')
    op.drop_table('alert_template_contents')
    op.drop_table('alert_templates')
