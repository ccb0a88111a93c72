"""SMS providers' states, decisions in a delivery's history, and bounded look-ups

``sms_provider_states``: each configured provider's state (active, degraded, down, disabled),
an admin's weight and the last change with its reason. ``delivery_events``: what the engine
decided about a delivery that its state does not tell. ``deliveries.lookups`` counts failed
look-ups of an uncertain try (a few, and the send is decided), ``possible_duplicate`` marks a
message sent again without knowing whether the earlier try got through, and an index on
(``provider``, ``sent_at``) lets the router count a provider's SMS still waiting for a report.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dispatch.db.base import UTCDateTime

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'sms_provider_states',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('weight', sa.Integer(), nullable=True),
        sa.Column('changed_at', UTCDateTime(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('changed_by', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_sms_provider_states')),
    )
    op.create_table(
        'delivery_events',
        sa.Column('delivery_id', BigId, nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ['delivery_id'], ['deliveries.id'],
            name=op.f('fk_delivery_events_delivery_id_deliveries'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_events')),
    )
    with op.batch_alter_table('delivery_events', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_delivery_events_delivery_id'), ['delivery_id'], unique=False
        )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('lookups', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(
            sa.Column('possible_duplicate', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            'ix_deliveries_provider_sent_at', ['provider', 'sent_at'], unique=False
        )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('lookups', server_default=None)
        batch_op.alter_column('possible_duplicate', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_provider_sent_at')
        batch_op.drop_column('possible_duplicate')
        batch_op.drop_column('lookups')
    with op.batch_alter_table('delivery_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_events_delivery_id'))
    op.drop_table('delivery_events')
    op.drop_table('sms_provider_states')
