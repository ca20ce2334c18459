"""outbox rows waiting for a conversation the bot has not been added to yet

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:40:00.000000

A post to a Teams conversation the bot is not in failed for good, and stayed failed once the
bot was added. Such a row now waits (status ``waiting``) for that conversation, named in
``waiting_for``, and goes out when the bot is added there.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_for', sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_waiting_for'), ['waiting_for'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_waiting_for'))
        batch_op.drop_column('waiting_for')
