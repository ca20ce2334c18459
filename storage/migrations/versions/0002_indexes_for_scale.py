"""indexes for scale: deferred agenda items, a meeting's action items

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:45:00.000000

Measured with bench/scale_bench.py on 100,000 agenda items: carrying deferred items over
(every meeting schedule, cancel and agenda defer) scanned every item; the report and the
minutes looked up a meeting's action items by scanning them all.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agendaitem_status'), ['status'], unique=False)
    with op.batch_alter_table('actionitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actionitem_meeting_id'), ['meeting_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('actionitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actionitem_meeting_id'))
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agendaitem_status'))
