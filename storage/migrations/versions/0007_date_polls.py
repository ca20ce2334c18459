"""date polls: candidate slots for a meeting that agencies answer, then one is picked

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:21:06.991420

Three new tables: ``datepoll`` (``meeting propose``: the meeting to be, its deadline for
answers, and once closed the slot picked and the meeting it became, or why it was dropped),
``dateslot`` (its two to eight candidate times) and ``dateanswer`` (every answer of an
agency's focal point, or a partner organisation's person, to a slot; the latest counts). The
outbox gains ``date_poll_id``, so a poll's deadline nudge and reminder are cancelled when it
closes. Nothing stored before changes: outbox rows already there belong to no date poll.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('datepoll',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('wg_id', sa.Integer(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('answers_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('picked_slot', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('drop_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['wg_id'], ['workinggroup.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('dateanswer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('partner_org', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('answered_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['poll_id'], ['datepoll.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dateanswer', schema=None) as batch_op:
        batch_op.create_index('ix_dateanswer_poll', ['poll_id', 'id'], unique=False)

    op.create_table('dateslot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('starts_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['datepoll.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('poll_id', 'number')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_poll_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_date_poll_id'), ['date_poll_id'],
                              unique=False)
        batch_op.create_foreign_key('fk_outbox_date_poll_id', 'datepoll', ['date_poll_id'],
                                    ['id'])



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_date_poll_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_date_poll_id'))
        batch_op.drop_column('date_poll_id')

    op.drop_table('dateslot')
    with op.batch_alter_table('dateanswer', schema=None) as batch_op:
        batch_op.drop_index('ix_dateanswer_poll')

    op.drop_table('dateanswer')
    op.drop_table('datepoll')
