"""One outbox for every sender: deliveries keyed on a source kind and id, with their provider

A delivery named its message through one of three foreign keys (an incident's message version,
a pack's publication, a campaign's target) and a CHECK that exactly one was set; the engine
had to know all three. Now ``source_kind`` and ``source_id`` name the message, and the sender
registered for the kind reads it. Every row keeps its state: the kind comes from the key that
was set (a campaign target's kind from its campaign). ``provider`` names the provider that got
a row's last try; for rows already handed over it is derived from the channel and the id.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

FILL_SOURCE = """
UPDATE deliveries SET
  source_kind = CASE
    WHEN message_version_id IS NOT NULL THEN 'incident'
    WHEN publication_id IS NOT NULL THEN 'pack'
    ELSE (SELECT campaigns.kind FROM campaign_targets
          JOIN campaigns ON campaigns.id = campaign_targets.campaign_id
          WHERE campaign_targets.id = deliveries.campaign_target_id)
  END,
  source_id = COALESCE(message_version_id, publication_id, campaign_target_id)
"""

FILL_PROVIDER = """
UPDATE deliveries SET provider = CASE
    WHEN provider_id LIKE 'sandbox-%' THEN 'sandbox'
    WHEN channel = 'email' THEN 'smtp'
    WHEN channel = 'teams' THEN 'teams'
    ELSE 'twilio'
  END
WHERE provider_id IS NOT NULL
"""

THREE = (
    "(CASE WHEN message_version_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN publication_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN campaign_target_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('source_id', BigId, nullable=True))
        batch_op.add_column(sa.Column('provider', sa.String(length=32), nullable=True))
    op.execute(FILL_SOURCE)
    op.execute(FILL_PROVIDER)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('source_kind', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('source_id', existing_type=BigId, nullable=False)
        batch_op.drop_constraint(batch_op.f('ck_deliveries_one_message'), type_='check')
        for column, table in (
            ('message_version_id', 'message_versions'),
            ('publication_id', 'pack_publications'),
            ('campaign_target_id', 'campaign_targets'),
        ):
            batch_op.drop_constraint(
                batch_op.f(f'fk_deliveries_{column}_{table}'), type_='foreignkey'
            )
            batch_op.drop_constraint(
                batch_op.f(f'uq_deliveries_{column}_target_channel'), type_='unique'
            )
        batch_op.drop_index(batch_op.f('ix_deliveries_publication_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_campaign_target_id'))
        batch_op.drop_column('message_version_id')
        batch_op.drop_column('publication_id')
        batch_op.drop_column('campaign_target_id')
        batch_op.create_unique_constraint(
            batch_op.f('uq_deliveries_source_kind_source_id_target_channel'),
            ['source_kind', 'source_id', 'target', 'channel'],
        )


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_version_id', BigId, nullable=True))
        batch_op.add_column(sa.Column('publication_id', BigId, nullable=True))
        batch_op.add_column(sa.Column('campaign_target_id', BigId, nullable=True))
    op.execute(
        "UPDATE deliveries SET"
        " message_version_id = CASE WHEN source_kind = 'incident' THEN source_id END,"
        " publication_id = CASE WHEN source_kind = 'pack' THEN source_id END,"
        " campaign_target_id = CASE WHEN source_kind NOT IN ('incident', 'pack')"
        " THEN source_id END"
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_deliveries_source_kind_source_id_target_channel'), type_='unique'
        )
        batch_op.drop_column('provider')
        batch_op.drop_column('source_id')
        batch_op.drop_column('source_kind')
        for column, table in (
            ('message_version_id', 'message_versions'),
            ('publication_id', 'pack_publications'),
            ('campaign_target_id', 'campaign_targets'),
        ):
            batch_op.create_unique_constraint(
                batch_op.f(f'uq_deliveries_{column}_target_channel'), [column, 'target', 'channel']
            )
            batch_op.create_foreign_key(
                batch_op.f(f'fk_deliveries_{column}_{table}'), table, [column], ['id'],
                ondelete='CASCADE',
            )
        batch_op.create_index(
            batch_op.f('ix_deliveries_publication_id'), ['publication_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_deliveries_campaign_target_id'), ['campaign_target_id'], unique=False
        )
        batch_op.create_check_constraint(op.f('ck_deliveries_one_message'), THREE)
