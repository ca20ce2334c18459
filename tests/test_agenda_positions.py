"""An agenda's positions stay 1..n over the items on it, whatever happens to them.

The schema holds it (``storage.models.AgendaItem``: unique positions per meeting, each one after
the first following the one before it, checked at commit), so these tests try to break it
three ways: by writing bad positions directly, through any sequence of agenda commands
(hypothesis), and through the migration that renumbers the agendas of an existing database.
Concurrent commands are tried against real ``serve`` processes in test_concurrent_commands.py.
"""

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage.db import alembic_config, make_engine, transaction
from storage.models import AgendaItem, AgendaStatus
from tests.conftest import BotHarness
from tests.db_state import restore, snapshot

MEETINGS = ('meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"',
            'meeting schedule regular 20 Apr 2031 10:00 "Follow-up"')


def positions(engine: Engine) -> dict[int | None, list[int | None]]:
    """Each agenda's positions (the backlog's under None), items not withdrawn, in id order;
    and the positions of withdrawn items under the key -1."""
    found: dict[int | None, list[int | None]] = defaultdict(list)
    with transaction(engine) as session:
        for item in session.exec(select(AgendaItem).order_by(AgendaItem.id)).all():  # type: ignore[arg-type]
            key = -1 if item.status == AgendaStatus.WITHDRAWN else item.meeting_id
            found[key].append(item.position)
    return dict(found)


def assert_numbered(engine: Engine) -> None:
    """Every agenda (and the backlog) is numbered 1..n; withdrawn items have no place."""
    for meeting, places in positions(engine).items():
        if meeting == -1:
            assert set(places) == {None}, places
        else:
            assert sorted(places) == list(range(1, len(places) + 1)), (meeting, places)  # type: ignore[type-var]


def _add_items(bot: BotHarness, count: int, meeting: int = 1) -> None:
    for n in range(count):
        assert bot.say(f"agenda add Item {n} for #{meeting}", as_="ILO").ok


def test_the_schema_refuses_two_items_in_one_place(bot: BotHarness) -> None:
    assert bot.say(MEETINGS[0]).ok
    _add_items(bot, 2)
    with pytest.raises(IntegrityError), transaction(bot.engine) as session:
        session.connection().execute(text(
            "UPDATE agendaitem SET position = 1, follows = NULL WHERE id = 2"))
    assert_numbered(bot.engine)


def test_the_schema_refuses_a_gap_when_the_transaction_commits(bot: BotHarness) -> None:
    assert bot.say(MEETINGS[0]).ok
    _add_items(bot, 3)
    with pytest.raises(IntegrityError), transaction(bot.engine) as session:
        session.connection().execute(text("DELETE FROM agendaitem WHERE id = 2"))
    with pytest.raises(IntegrityError), transaction(bot.engine) as session:
        session.connection().execute(text(
            "UPDATE agendaitem SET position = 5, follows = 4 WHERE id = 3"))
    with pytest.raises(IntegrityError), transaction(bot.engine) as session:  # follows a lie
        session.connection().execute(text("UPDATE agendaitem SET follows = 1 WHERE id = 3"))
    assert positions(bot.engine) == {1: [1, 2, 3]}


def test_withdrawing_deferring_and_ordering_renumber_the_agenda(bot: BotHarness) -> None:
    assert bot.say(MEETINGS[0]).ok
    _add_items(bot, 4)
    assert bot.say("agenda withdraw #2", as_="ILO").ok
    assert positions(bot.engine) == {1: [1, 2, 3], -1: [None]}
    reply = bot.say("agenda order #4 1")
    assert reply.ok, reply.text
    assert reply.text.splitlines()[1:4] == [
        "1. #4 Item 3 — ILO (proposed)", "2. #1 Item 0 — ILO (proposed)",
        "3. #3 Item 2 — ILO (proposed)"]
    assert reply.text.splitlines()[4] == "– #2 Item 1 — ILO (withdrawn)"  # after, unnumbered
    assert bot.say("agenda order #1 4").text.startswith("Give a position from 1 to 3.")
    assert bot.say(MEETINGS[1]).ok
    assert bot.say("agenda defer #1").ok  # moves to meeting #2
    assert positions(bot.engine) == {1: [2, 1], 2: [1], -1: [None]}  # items #3, #4; #1; #2
    assert_numbered(bot.engine)


OPERATIONS = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(["", " for #1", " for #2"])),
    st.tuples(st.just("order"), st.integers(1, 12), st.integers(0, 13)),
    st.tuples(st.just("defer"), st.integers(1, 12)),
    st.tuples(st.just("withdraw"), st.integers(1, 12)),
    st.tuples(st.just("accept"), st.integers(1, 12)),
    st.tuples(st.just("cancel"), st.integers(1, 3)),
    st.tuples(st.just("schedule"), st.integers(1, 28)),
)


def _line(operation: tuple[object, ...]) -> str:
    match operation:
        case ("add", where):
            return f"agenda add An item{where}"
        case ("order", item, place):
            return f"agenda order #{item} {place}"
        case ("cancel", meeting):
            return f"meeting cancel #{meeting}"
        case ("schedule", day):
            return f'meeting schedule regular {day} May 2031 10:00 "Another meeting"'
        case (verb, item):
            return f"agenda {verb} #{item}"
    raise AssertionError(operation)


@pytest.fixture
def two_meetings(bot: BotHarness) -> Iterator[BotHarness]:
    for line in MEETINGS:
        assert bot.say(line).ok
    yield bot


# Hypothesis runs many examples inside one test: each starts from the same two meetings.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60,
          deadline=None)
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=25))
def test_any_sequence_of_agenda_commands_keeps_every_agenda_numbered(
    two_meetings: BotHarness, operations: list[tuple[object, ...]]
) -> None:
    """Commands run one at a time (``storage.db.transaction``), so any interleaving of
    concurrent ones is one of these sequences."""
    bot = two_meetings
    start = snapshot(bot.engine)
    try:
        for operation in operations:
            bot.say(_line(operation))  # accepted or refused, never a database error
            assert_numbered(bot.engine)
    finally:
        restore(bot.engine, start)


MESSY = [  # meeting, position, status: duplicates, gaps and withdrawn items in between
    (1, 1, "proposed"), (1, 1, "accepted"), (1, 4, "withdrawn"), (1, 7, "proposed"),
    (2, 3, "deferred"), (2, 3, "proposed"), (None, 2, "proposed"), (None, 5, "proposed"),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own with nothing in it yet (PostgreSQL: created for the test)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    server = request.getfixturevalue("postgres_engine")
    name = f"positions_{abs(hash(tmp_path)) % 10**8}"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(server.url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}"')
    admin.dispose()


def test_the_migration_renumbers_existing_agendas(empty_database: Engine) -> None:
    """Rows written before migration 0004, as concurrent commands left them."""
    engine = empty_database
    command.upgrade(alembic_config(engine), "0003")
    with engine.begin() as connection:
        for title in ("First", "Second"):
            connection.execute(text(
                "INSERT INTO meeting (kind, title, starts_at, status, uid, sequence, "
                "created_at, updated_at, location) VALUES ('regular', :title, "
                "'2031-03-14 03:00:00+00:00', 'scheduled', :title, 0, "
                "'2031-01-01 00:00:00+00:00', '2031-01-01 00:00:00+00:00', '')"),
                {"title": title})
        for meeting, position, status in MESSY:
            connection.execute(text(
                "INSERT INTO agendaitem (meeting_id, text, status, position, created_at) "
                "VALUES (:meeting, 'Item', :status, :position, '2031-01-01 00:00:00+00:00')"),
                {"meeting": meeting, "position": position, "status": status})
    command.upgrade(alembic_config(engine), "head")
    assert positions(engine) == {1: [1, 2, 3], 2: [1, 2], None: [1, 2], -1: [None]}
    command.downgrade(alembic_config(engine), "0003")  # and back, withdrawn items last
    with engine.connect() as connection:
        assert connection.execute(text(
            "SELECT position FROM agendaitem WHERE meeting_id = 1 ORDER BY id")).scalars().all() \
            == [1, 2, 4, 3]
