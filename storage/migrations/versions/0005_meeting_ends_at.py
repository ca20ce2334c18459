"""meetings have an end

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:00:00.000000

A meeting had a start only. ``ends_at`` (UTC, like ``starts_at``) is its end; the meetings
already stored get the default length, two hours (``meetings.duration`` in app.yaml).
"""
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_LENGTH = timedelta(hours=2)
MEETING = sa.table('meeting', sa.column('id', sa.Integer()),
                   sa.column('starts_at', storage.types.UTCDateTime(timezone=True)),
                   sa.column('ends_at', storage.types.UTCDateTime(timezone=True)))


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ends_at', storage.types.UTCDateTime(timezone=True),
                                      nullable=True))
    # Row by row, through the column type: SQLite has no time arithmetic on the stored text.
    connection = op.get_bind()
    starts = connection.execute(sa.select(MEETING.c.id, MEETING.c.starts_at)).all()
    for meeting_id, starts_at in starts:
        connection.execute(MEETING.update().where(MEETING.c.id == meeting_id)
                           .values(ends_at=starts_at + DEFAULT_LENGTH))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.alter_column('ends_at', existing_type=storage.types.UTCDateTime(timezone=True),
                              nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('ends_at')
