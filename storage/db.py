"""The engine, sessions and schema upgrades."""

import os
import re
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, create_engine

from settings.timeouts import DEFAULT_TIMEOUTS, Timeouts

if TYPE_CHECKING:
    from alembic.config import Config

DATABASE_ENV = "DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///network.db"
MIGRATIONS = Path(__file__).parent / "migrations"
# How script.py.mako writes a migration's place in the chain.
REVISION = re.compile(r"^revision: str = '(\w+)'$", re.MULTILINE)
DOWN_REVISION = re.compile(r"^down_revision: str \| None = (?:'(\w+)'|None)$", re.MULTILINE)


def database_url() -> str:
    return normalise_url(os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE_URL)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whichever spelling the operator gave."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_engine(url: str | None = None, timeouts: Timeouts = DEFAULT_TIMEOUTS,
                **kwargs: Any) -> Engine:
    url = normalise_url(url or database_url())
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": timeouts.busy}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "checkin", _sqlite_writable)
        _TURNS[engine] = Turns(timeouts.busy)
        return engine
    from storage.postgres import Connector  # psycopg: loaded by create_engine for it anyway

    engine = create_engine(url, pool_pre_ping=True, pool_timeout=timeouts.connect, **kwargs)
    event.listen(engine, "do_connect", Connector(timeouts.connect, timeouts.statement))
    _TURNS[engine] = Turns(timeouts.connect)  # as long as for a free connection of the pool
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # pysqlite would begin a transaction only at the first write, so that what a command read
    # before it could change under it: SQLAlchemy begins them instead (_sqlite_begin).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Connection) -> None:
    options = connection.get_execution_options()
    connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(SERIALISED) else "BEGIN")
    if options.get(READ_ONLY):
        connection.exec_driver_sql("PRAGMA query_only = ON")
        connection.connection.info[READ_ONLY] = True


def _sqlite_writable(dbapi_connection: Any, record: Any) -> None:
    """Back in the pool, a connection may write again (``reading`` forbade it)."""
    if record.info.pop(READ_ONLY, False) and dbapi_connection is not None:
        dbapi_connection.execute("PRAGMA query_only = OFF")


# The execution options of a connection whose transaction runs alone (see ``transaction``),
# and of one that may only read (``reading``).
SERIALISED = "network_bot_serialised"
READ_ONLY = "network_bot_read_only"
# PostgreSQL's lock for units of work, a transaction-level advisory lock: released by COMMIT or
# ROLLBACK, and shared by every replica on the database. The key is any constant of our own.
_TAKE_TURN = text("SELECT pg_advisory_xact_lock(1849202611)")


class Turns:
    """The turns of one engine's units of work within this process, handed over in the order
    asked for. The database's own lock serialises processes and replicas; in front of it, this
    one spares the threads of one process from SQLite's busy handler, which polls with sleeps
    of up to 100 ms (the tail of every burst), and PostgreSQL from queueing their locks."""

    def __init__(self, wait: float) -> None:
        self.wait = wait
        self._lock = threading.Lock()

    @contextmanager
    def taken(self) -> Iterator[None]:
        if not self._lock.acquire(timeout=self.wait):
            raise PoolTimeout(f"no turn within {self.wait} s: another command held the database")
        try:
            yield
        finally:
            self._lock.release()


_TURNS: "weakref.WeakKeyDictionary[Engine, Turns]" = weakref.WeakKeyDictionary()
_TURNS_GUARD = threading.Lock()


def turns(engine: Engine) -> Turns:
    with _TURNS_GUARD:
        if engine not in _TURNS:
            _TURNS[engine] = Turns(DEFAULT_TIMEOUTS.busy)
        return _TURNS[engine]


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work, run alone: committed when the block ends, rolled back if it raises.

    Units of work take turns, across threads, processes and replicas, from their first read
    to their commit, so what one read cannot change before it writes (a vote cannot land
    after the poll it saw open was closed; two items cannot take one place on an agenda).
    SQLite: ``BEGIN IMMEDIATE`` takes its write lock at the start. PostgreSQL: an advisory
    lock, as ``FOR UPDATE`` locks only rows that exist (not the next position of an agenda,
    not the next version of minutes). A command is a few milliseconds, so turns are short;
    reads outside a unit of work (a plain ``Session``) do not wait.
    """
    with turns(engine).taken(), Session(engine, expire_on_commit=False) as session:
        try:
            connection = session.connection(execution_options={SERIALISED: True})
            if connection.dialect.name == "postgresql":
                connection.execute(_TAKE_TURN)
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A transaction that only reads, and need not wait for a turn (``transaction``): it sees
    one committed state throughout, and the database refuses any write in it (SQLite's
    ``query_only``, PostgreSQL's ``READ ONLY``), so a command wrongly taken for a reader fails
    loudly instead of writing unserialised."""
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options.update(postgresql_readonly=True, isolation_level="REPEATABLE READ")
    with Session(engine) as session:
        session.connection(execution_options=options)
        yield session
        session.rollback()


@contextmanager
def unlimited(engine: Engine) -> Iterator[Connection]:
    """A connection whose statements may take as long as they need (migrations), discarded
    afterwards so that it never serves a command.

    On SQLite its foreign keys are off, as SQLite's procedure for changing a table asks (a
    migration rebuilds tables that others refer to), and ``check_foreign_keys`` then checks
    them all before the migration commits."""
    with engine.connect() as connection:
        try:
            if connection.dialect.name == "sqlite":  # before any transaction, or it is ignored
                connection.connection.dbapi_connection.execute(  # type: ignore[union-attr]
                    "PRAGMA foreign_keys=OFF")
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET statement_timeout = 0")
                connection.commit()
                driver = connection.connection.dbapi_connection
                driver.answer_within = None  # type: ignore[union-attr]  # storage.postgres
            yield connection
        finally:
            connection.invalidate()


def check_foreign_keys(connection: Connection) -> None:
    """Raise unless every foreign key holds (SQLite, whose keys ``unlimited`` turned off)."""
    if connection.dialect.name == "sqlite" and (
            broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
        raise IntegrityError("PRAGMA foreign_key_check", None,
                             Exception(f"foreign keys broken by the migration: {broken[:5]}"))


def alembic_config(engine: Engine) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration.

    Alembic is imported only when the database is not at the newest migration already:
    importing it costs ~80 ms of every start (shell, serve, CLI), to find nothing to do.
    """
    head = head_revision()
    if head is not None and applied_revisions(engine) == [head]:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def head_revision() -> str | None:
    """The newest migration, read from the version files; None unless they form one plain
    chain written as script.py.mako writes them (then alembic decides)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("[!_]*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = REVISION.findall(source), DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        parents.add(down[0] or None)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and len(parents) == len(revisions) else None


def applied_revisions(engine: Engine) -> list[str]:
    """The migrations alembic recorded in the database (none for a new database)."""
    try:
        with engine.connect() as connection:
            return list(connection.execute(
                text("SELECT version_num FROM alembic_version")).scalars())
    except DBAPIError:
        return []


def first_line(error: SQLAlchemyError) -> str:
    """What the database driver said, on one line: during an outage every statement fails, and
    a traceback apiece would bury the log."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


# SQLite's result codes for "not now": sqlite3 raises OperationalError for a mistyped statement
# or a missing table too, so the code decides (extended codes such as SQLITE_BUSY_SNAPSHOT
# start with their primary code).
SQLITE_NOT_NOW = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN",
                  "SQLITE_FULL", "SQLITE_PROTOCOL", "SQLITE_NOMEM")


def unavailable(error: SQLAlchemyError) -> bool:
    """Whether ``error`` says the database cannot answer now (unreachable, the connection lost,
    no answer in time, a lock or pooled connection not had in time, a disk full), so that the
    same command may work shortly, rather than that it refused what it was asked (a
    constraint, bad data, a statement it does not know)."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    code = getattr(error.orig, "sqlite_errorname", None)
    if code is not None:
        return bool(code.startswith(SQLITE_NOT_NOW))
    return isinstance(error, OperationalError)
