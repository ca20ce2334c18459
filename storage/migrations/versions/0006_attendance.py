"""attendance: whether each agency attends a meeting, and who

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 20:23:07.387869

A new table, ``attendance``: every answer an agency's focal point (or, for a working group's
meeting, a partner organisation's person, ``partner_org``) gives to ``meeting attend``, with
the names of who comes; the latest answer of an agency counts. Nothing stored before changes:
meetings already scheduled have no answers yet.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('partner_org', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('names', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('answered_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_meeting', ['meeting_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_meeting')

    op.drop_table('attendance')
