"""Newsletters: campaign title and content, opt-out on contacts, contributions

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dispatch.db.base import UTCDateTime

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('newsletter_opt_out', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('newsletter_contributions',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=300), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('read', sa.Boolean(), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_contributions'))
    )
    with op.batch_alter_table('newsletter_contributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_newsletter_contributions_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('newsletter_contributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_newsletter_contributions_received_at'))
    op.drop_table('newsletter_contributions')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('newsletter_opt_out')
    op.execute("DELETE FROM campaigns WHERE kind = 'newsletter'")
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('content')
        batch_op.drop_column('title')
