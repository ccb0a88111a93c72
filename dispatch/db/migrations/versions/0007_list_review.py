"""List-review campaigns; deliveries may belong to a campaign target

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dispatch.db.base import UTCDateTime

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TWO = '(message_version_id IS NULL) != (publication_id IS NULL)'
THREE = (
    "(CASE WHEN message_version_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN publication_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN campaign_target_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('networks', sa.JSON(), nullable=False),
    sa.Column('reminder_at', UTCDateTime(), nullable=True),
    sa.Column('deadline', UTCDateTime(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reminded_at', UTCDateTime(), nullable=True),
    sa.Column('finished_at', UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_campaigns_idempotency_key'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_state'), ['state'], unique=False)

    op.create_table('campaign_targets',
    sa.Column('campaign_id', BigId, nullable=False),
    sa.Column('contact_id', BigId, nullable=True),
    sa.Column('organisation_id', BigId, nullable=True),
    sa.Column('network_codes', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('answered_at', UTCDateTime(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.Column('replacement', sa.JSON(), nullable=True),
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_targets_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_campaign_targets_contact_id_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_targets')),
    sa.UniqueConstraint('campaign_id', 'contact_id', name=op.f('uq_campaign_targets_campaign_id_contact_id'))
    )
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_targets_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_targets_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_targets_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_targets_state'), ['state'], unique=False)

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_deliveries_one_message'), type_='check')
        batch_op.add_column(sa.Column('campaign_target_id', BigId, nullable=True))
        batch_op.create_index(batch_op.f('ix_deliveries_campaign_target_id'), ['campaign_target_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_deliveries_campaign_target_id_target_channel'), ['campaign_target_id', 'target', 'channel'])
        batch_op.create_foreign_key(batch_op.f('fk_deliveries_campaign_target_id_campaign_targets'), 'campaign_targets', ['campaign_target_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(op.f('ck_deliveries_one_message'), THREE)


def downgrade() -> None:
    op.execute('DELETE FROM deliveries WHERE campaign_target_id IS NOT NULL')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_deliveries_one_message'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_deliveries_campaign_target_id_campaign_targets'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_deliveries_campaign_target_id_target_channel'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_deliveries_campaign_target_id'))
        batch_op.drop_column('campaign_target_id')
        batch_op.create_check_constraint(op.f('ck_deliveries_one_message'), TWO)
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_targets_state'))
        batch_op.drop_index(batch_op.f('ix_campaign_targets_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_targets_contact_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_targets_campaign_id'))
    op.drop_table('campaign_targets')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_state'))
        batch_op.drop_index(batch_op.f('ix_campaigns_deadline'))
    op.drop_table('campaigns')
