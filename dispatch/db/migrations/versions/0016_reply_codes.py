"""Reply codes held in a table of their own; inbound SMS remembered per provider

A code was drawn by reading the open incidents' and coming meetings' codes, in the incidents'
service: two declarations at once could draw the same one, and meetings reached into incidents
for it. Now a row per held code, its primary key the code, makes two holders impossible. The
codes held today are copied in. Inbound SMS are remembered as ``<provider>:<id>`` now that
several providers can deliver them; the ones remembered so far came from Twilio.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dispatch.db.base import UTCDateTime

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'reply_codes',
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.Column('holder', sa.String(length=16), nullable=False),
        sa.Column('held_until', UTCDateTime(), nullable=True),
        sa.Column('taken_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_reply_codes')),
    )
    op.execute(
        "INSERT INTO reply_codes (code, holder, held_until, taken_at) "
        "SELECT code, 'incident', NULL, MIN(declared_at) FROM incidents "
        "WHERE state = 'active' GROUP BY code"
    )
    op.execute(
        "INSERT INTO reply_codes (code, holder, held_until, taken_at) "
        "SELECT code, 'meeting', MAX(starts_at), MIN(starts_at) FROM meetings "
        "WHERE cancelled_at IS NULL AND starts_at > CURRENT_TIMESTAMP "
        "AND code NOT IN (SELECT code FROM reply_codes) GROUP BY code"
    )
    with op.batch_alter_table('inbound_sms', schema=None) as batch_op:
        batch_op.alter_column(
            'message_sid', existing_type=sa.String(length=64), type_=sa.String(length=140)
        )
    op.execute("UPDATE inbound_sms SET message_sid = 'twilio:' || message_sid")


def downgrade() -> None:
    op.execute(
        "UPDATE inbound_sms SET message_sid = SUBSTR(message_sid, 8) "
        "WHERE message_sid LIKE 'twilio:%'"
    )
    op.execute("DELETE FROM inbound_sms WHERE LENGTH(message_sid) > 64")
    with op.batch_alter_table('inbound_sms', schema=None) as batch_op:
        batch_op.alter_column(
            'message_sid', existing_type=sa.String(length=140), type_=sa.String(length=64)
        )
    op.drop_table('reply_codes')
