"""The database as plain data: the rows meeting and agenda commands change, or every table
(a refusal must change none), and putting a whole snapshot back."""

from typing import Any

from sqlalchemy import Connection, Engine, Table, text
from sqlmodel import SQLModel, select

from handlers.core import Reply
from storage.models import AgendaItem, AgendaItemObjective, Meeting, Outbox
from tests.conftest import BotHarness


def state(bot: BotHarness) -> dict[str, list[dict[str, Any]]]:
    with bot.session() as session:
        return {model.__name__: [row.model_dump() for row in session.exec(select(model)).all()]
                for model in (Meeting, AgendaItem, AgendaItemObjective, Outbox)}


def outbox(
    bot: BotHarness, kind: str | None = None, status: str | None = "pending"
) -> list[Outbox]:
    with bot.session() as session:
        query = select(Outbox).order_by(Outbox.due_at, Outbox.id)  # type: ignore[arg-type]
        if kind:
            query = query.where(Outbox.kind == kind)
        if status:
            query = query.where(Outbox.status == status)
        return list(session.exec(query).all())


def objectives_of(bot: BotHarness, item_id: int) -> set[int]:
    """The objective numbers an agenda item is tagged with."""
    with bot.session() as session:
        return set(session.exec(select(AgendaItemObjective.objective_number)
                                .where(AgendaItemObjective.item_id == item_id)).all())


Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table the models define, in primary-key order.

    Alembic's own ``alembic_version`` table is not a model and no command writes it.
    """
    with engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(
                table.select().order_by(*table.primary_key.columns))]
            for table in SQLModel.metadata.sorted_tables
        }


def restore(engine: Engine, saved: Snapshot) -> None:
    """Put the database back as ``saved`` found it (ids and PostgreSQL sequences included)."""
    tables = SQLModel.metadata.sorted_tables
    with engine.begin() as connection:
        for table in reversed(tables):
            connection.execute(table.delete())
        for table in tables:
            rows = [dict(zip(table.columns.keys(), row, strict=True)) for row in saved[table.name]]
            if rows:
                connection.execute(table.insert(), rows)
            if engine.dialect.name == "postgresql":
                _reset_sequence(connection, table)


def _reset_sequence(connection: Connection, table: Table) -> None:
    serial = [c for c in table.primary_key.columns if c.autoincrement is True
              or (c.autoincrement == "auto" and len(table.primary_key.columns) == 1
                  and c.type.python_type is int)]
    for column in serial:
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column.name}'), "
            f"COALESCE(MAX(\"{column.name}\"), 0) + 1, false) FROM \"{table.name}\""))


def assert_refused(bot: BotHarness, line: str, problem: str, as_: str = "IOM") -> Reply:
    """``line`` said by ``as_`` is refused, saying ``problem`` and showing an example, and no
    table changes (every table, so a refusal cannot leave a stray row anywhere)."""
    before = snapshot(bot.engine)
    reply = bot.say(line, as_=as_)
    assert not reply.ok, reply.text
    assert problem in reply.text
    assert "\nExample: " in reply.text
    assert snapshot(bot.engine) == before
    return reply
