"""The engine, sessions and schema upgrades."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

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


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = normalise_url(url or database_url())
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back if it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


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


def first_line(error: DBAPIError) -> str:
    """What the database driver said, on one line: during an outage every statement fails, and
    a traceback apiece would bury the log."""
    lines = str(error.orig or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
