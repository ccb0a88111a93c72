"""Exercises scheduled for a time

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dispatch.db.base import UTCDateTime

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('scheduled_exercises',
    sa.Column('due_at', UTCDateTime(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('incident_id', BigId, nullable=True),
    sa.Column('declared_at', UTCDateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_scheduled_exercises_incident_id_incidents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_exercises'))
    )
    with op.batch_alter_table('scheduled_exercises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduled_exercises_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduled_exercises_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('scheduled_exercises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduled_exercises_state'))
        batch_op.drop_index(batch_op.f('ix_scheduled_exercises_due_at'))
    op.drop_table('scheduled_exercises')
