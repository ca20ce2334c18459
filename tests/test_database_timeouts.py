"""How long the bot waits for its database, and what it answers when the database fails.

The settings of app.yaml's ``database`` section reach both databases. A lock not had in time
and a statement not answered in time are outages, answered "try again shortly"; anything else
the database refuses (a constraint, bad data, a statement it does not know) is the bot's fault,
answered so without blaming availability, logged with its traceback, and changes nothing. A
server that stops answering altogether is tests/test_fault_database_stall.py.
"""

import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import yaml
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, func, select

import storage.postgres
from bot.app import open_app
from handlers.core import Speaker, Where
from handlers.runner import DATABASE_DOWN, DATABASE_ERROR, Runner
from settings.schema import AppConfig
from storage.db import Timeouts, make_engine, unavailable, unlimited
from storage.models import AgendaItem
from storage.postgres import GRACE, Stalls
from tests.conftest import APP_YAML, BotHarness, Clock

LIMIT = 0.3  # seconds: the tests' own lock and statement limits


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def items(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AgendaItem)).one()


def test_app_yaml_sets_how_long_the_bot_waits(engine: Engine, tmp_path: Path) -> None:
    settings = yaml.safe_load(APP_YAML.read_text())
    settings["database"] = {"connect_timeout": "3s", "statement_timeout": "4s",
                            "busy_timeout": "5s"}
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(settings))
    app = open_app(path, url_of(engine))
    try:
        assert app.config.database.timeouts == Timeouts(connect=3, statement=4, busy=5)
        with app.engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
            else:
                driver = connection.connection.dbapi_connection
                assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "4s"
                assert driver.info.get_parameters()["connect_timeout"] == "3"  # type: ignore
                assert driver.answer_within == 4 + GRACE  # type: ignore[union-attr]
    finally:
        app.engine.dispose()


@contextmanager
def locked(engine: Engine) -> Iterator[None]:
    """Another connection holds what ``agenda add`` needs: SQLite's write lock, or
    PostgreSQL's agendaitem table."""
    if engine.dialect.name == "sqlite":
        other = sqlite3.connect(engine.url.database or "", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.close()
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("LOCK TABLE agendaitem IN ACCESS EXCLUSIVE MODE")
        yield
        connection.rollback()


def test_a_lock_not_had_in_time_is_an_outage(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    impatient = make_engine(url_of(engine), Timeouts(statement=LIMIT, busy=LIMIT))
    bot = BotHarness(impatient, config, clock)
    try:
        with locked(engine):
            started = time.monotonic()
            reply = bot.say("agenda add Waits for the lock #3")
            took = time.monotonic() - started
        assert (reply.text, reply.ok) == (DATABASE_DOWN, False)
        assert LIMIT <= took < 1.5
        assert items(engine) == 0
        assert bot.say("agenda add Once the lock is free #3").ok
    finally:
        impatient.dispose()


def refuse_with(kind: str) -> Callable[[Engine], Exception]:
    return lambda engine: getattr(engine.dialect.loaded_dbapi, kind)(f"a {kind} of the test")


@pytest.mark.parametrize("kind", ["IntegrityError", "DataError", "ProgrammingError",
                                  "InternalError"])
def test_an_error_that_is_not_an_outage_is_the_bots_fault(
        bot: BotHarness, engine: Engine, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    def refuse(_: object, __: object, statement: str, *___: object) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            raise refuse_with(kind)(engine)

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        with caplog.at_level(logging.WARNING, logger="handlers.runner"):
            reply = bot.say("agenda add Refused by the database #3", key=f"test:{kind}")
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    assert (reply.text, reply.ok) == (DATABASE_ERROR, False)
    assert "not answering" not in reply.text
    [record] = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None  # with a traceback
    assert record.getMessage() == "the database refused 'agenda add Refused by the database #3'"
    assert items(engine) == 0
    assert bot.say("agenda add Accepted afterwards #3", key=f"test:{kind}").ok  # not stored


def test_what_the_database_says_tells_an_outage_from_a_refusal(engine: Engine) -> None:
    """SQLite raises OperationalError for a statement naming a missing table too; its result
    code tells that from a lock it could not have."""
    def error_of(statement: str, on: Engine = engine) -> DBAPIError:
        with pytest.raises(DBAPIError) as raised, on.connect() as connection:
            connection.exec_driver_sql(statement)
        return raised.value

    assert not unavailable(error_of("SELECT * FROM no_such_table"))
    assert not unavailable(error_of("SELECT 1 +"))
    impatient = make_engine(url_of(engine), Timeouts(statement=LIMIT, busy=LIMIT))
    try:
        with locked(engine):
            assert unavailable(error_of("DELETE FROM agendaitem", impatient))
    finally:
        impatient.dispose()


def test_migrations_have_no_statement_limit(postgres_engine: Engine) -> None:
    impatient = make_engine(url_of(postgres_engine), Timeouts(statement=LIMIT))
    sleep = text(f"SELECT pg_sleep({2 * LIMIT})")
    try:
        with unlimited(impatient) as connection:
            connection.execute(sleep)
        with pytest.raises(OperationalError), impatient.connect() as connection:
            connection.execute(sleep)  # the unlimited connection was not put back
    finally:
        impatient.dispose()


class Hung:
    """A connection attempt that times out like one to a server that never answers."""

    def __init__(self) -> None:
        self.calls = 0
        self.answers = False

    def __call__(self) -> str:
        self.calls += 1
        if not self.answers:
            time.sleep(0.05)
            raise psycopg.errors.ConnectionTimeout("connection timeout expired")
        return "connection"


def test_a_stalled_database_is_tried_again_by_one_attempt_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage.postgres, "PAUSE", 0.2)
    stalls, hung = Stalls(), Hung()
    with pytest.raises(psycopg.errors.ConnectionTimeout):
        stalls.attempt(hung)  # every caller tries until one times out
    with pytest.raises(psycopg.OperationalError, match="did not answer in time a moment ago"):
        stalls.attempt(hung)  # then, for a moment, nobody
    assert hung.calls == 1
    time.sleep(0.25)
    refused: list[str] = []

    def concurrent() -> None:
        try:
            stalls.attempt(hung)
        except psycopg.errors.ConnectionTimeout:
            refused.append("timed out")
        except psycopg.OperationalError:
            refused.append("refused at once")

    attempts = [threading.Thread(target=concurrent) for _ in range(4)]
    for attempt in attempts:
        attempt.start()
    for attempt in attempts:
        attempt.join()
    assert sorted(refused) == ["refused at once"] * 3 + ["timed out"]  # one tried it
    assert hung.calls == 2
    time.sleep(0.25)
    hung.answers = True
    assert stalls.attempt(hung) == "connection"
    assert stalls.attempt(hung) == "connection"  # it answers: everyone may connect again


def test_a_server_that_never_answers_is_an_outage_answered_in_time(
        config: AppConfig, clock: Clock) -> None:
    """No PostgreSQL needed: a port that takes connections (the kernel completes them) and
    never answers. The first command waits out the connect timeout, the next is answered at
    once."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        hung = make_engine(f"postgresql+psycopg://bot@127.0.0.1:{listener.getsockname()[1]}/x")
        runner = Runner(hung, config, clock)
        try:
            for most in (3.0, 0.5):
                started = time.monotonic()
                reply = runner.run(Speaker("slack", "U-PLACEHOLDER-IOM"), Where("slack", "C1"),
                                   "agenda add Nobody answers #3")
                assert (reply.text, reply.ok) == (DATABASE_DOWN, False)
                assert time.monotonic() - started < most
        finally:
            hung.dispose()
