"""meetings have an end, and an agenda deadline of their own

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:00:00.000000

A meeting had a start only. ``ends_at`` (UTC, like ``starts_at``) is its end; the meetings
already stored get the default length, two hours (``meetings.duration`` in app.yaml).
``agenda_closes_at`` is when its agenda closes, which was always ``meetings.agenda_deadline``
before the start, even when that had passed when the meeting was scheduled; stored meetings
keep the deadline their queued ``agenda.deadline`` job has, else the default three days.
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
DEFAULT_DEADLINE = timedelta(days=3)
WHEN = storage.types.UTCDateTime(timezone=True)
MEETING = sa.table('meeting', sa.column('id', sa.Integer()), sa.column('starts_at', WHEN),
                   sa.column('ends_at', WHEN), sa.column('agenda_closes_at', WHEN))
OUTBOX = sa.table('outbox', sa.column('meeting_id', sa.Integer()), sa.column('kind', sa.String()),
                  sa.column('status', sa.String()), sa.column('due_at', WHEN))
NEW = ('ends_at', 'agenda_closes_at')


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        for name in NEW:
            batch_op.add_column(sa.Column(name, WHEN, nullable=True))
    # Row by row, through the column type: SQLite has no time arithmetic on the stored text.
    connection = op.get_bind()
    queued = dict(connection.execute(
        sa.select(OUTBOX.c.meeting_id, sa.func.max(OUTBOX.c.due_at))
        .where(OUTBOX.c.kind == 'agenda.deadline', OUTBOX.c.status != 'cancelled')
        .group_by(OUTBOX.c.meeting_id)).all())
    starts = connection.execute(sa.select(MEETING.c.id, MEETING.c.starts_at)).all()
    for meeting_id, starts_at in starts:
        connection.execute(MEETING.update().where(MEETING.c.id == meeting_id).values(
            ends_at=starts_at + DEFAULT_LENGTH,
            agenda_closes_at=queued.get(meeting_id, starts_at - DEFAULT_DEADLINE)))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        for name in NEW:
            batch_op.alter_column(name, existing_type=WHEN, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        for name in NEW:
            batch_op.drop_column(name)
