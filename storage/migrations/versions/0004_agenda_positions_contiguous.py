"""agenda positions unique and contiguous per meeting, by the schema

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000

Concurrent commands gave two items one position, and withdrawing or deferring left gaps. The
items on a meeting's agenda (not withdrawn) are renumbered 1..n in their order, a withdrawn
item loses its position, and the schema keeps it so: positions are unique per meeting, and
each item after the first ``follows`` the position one before it, a foreign key to the same
table checked at commit (see ``storage.models.AgendaItem``).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENUMBER = """
UPDATE agendaitem SET position = numbered.place, follows = NULLIF(numbered.place - 1, 0)
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY meeting_id ORDER BY position, id) AS place
      FROM agendaitem WHERE status <> 'withdrawn') AS numbered
WHERE agendaitem.id = numbered.id
"""


def upgrade() -> None:
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.alter_column('position', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('follows', sa.Integer(), nullable=True))
        batch_op.drop_index('ix_agendaitem_meeting_position')
    op.execute("UPDATE agendaitem SET position = NULL WHERE status = 'withdrawn'")
    op.execute(RENUMBER)
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_agendaitem_meeting_position',
                                          ['meeting_id', 'position'])
        batch_op.create_check_constraint('ck_agendaitem_position', 'position >= 1')
        batch_op.create_check_constraint(
            'ck_agendaitem_follows',
            '(follows IS NULL AND (position IS NULL OR position = 1)) '
            'OR follows = position - 1')
    # Its own step: on SQLite the table above is rebuilt, and the key refers to that table.
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_agendaitem_follows', 'agendaitem',
                                    ['meeting_id', 'follows'], ['meeting_id', 'position'],
                                    deferrable=True, initially='DEFERRED')


def downgrade() -> None:
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.drop_constraint('fk_agendaitem_follows', type_='foreignkey')
        batch_op.drop_constraint('ck_agendaitem_follows', type_='check')
        batch_op.drop_constraint('ck_agendaitem_position', type_='check')
        batch_op.drop_constraint('uq_agendaitem_meeting_position', type_='unique')
    # Withdrawn items go after the others, where they were listed.
    op.execute("""
UPDATE agendaitem SET position = numbered.place
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY meeting_id
                                    ORDER BY position IS NULL, position, id) AS place
      FROM agendaitem) AS numbered
WHERE agendaitem.id = numbered.id
""")
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.drop_column('follows')
        batch_op.alter_column('position', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_agendaitem_meeting_position', ['meeting_id', 'position'],
                              unique=False)
