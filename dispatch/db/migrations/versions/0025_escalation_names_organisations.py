"""An escalation's message records which organisations had not confirmed when it was made

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('message_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('silent_organisation_ids', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('message_versions', schema=None) as batch_op:
        batch_op.drop_column('silent_organisation_ids')
