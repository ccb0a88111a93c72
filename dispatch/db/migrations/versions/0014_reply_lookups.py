"""Indexes for answering SMS replies: recipients by number, acknowledgements by recipient

Without them each inbound SMS read every recipient row of every incident (and every
acknowledgement), which the acknowledgement benchmark showed growing with the history.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipients_phone'), ['phone'], unique=False)
    with op.batch_alter_table('acknowledgements', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_acknowledgements_recipient_id'), ['recipient_id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('acknowledgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acknowledgements_recipient_id'))
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recipients_phone'))
