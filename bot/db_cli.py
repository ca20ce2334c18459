"""``network-bot db backup FILE`` and ``network-bot db restore FILE``.

They need only the database URL, not app.yaml. On SQLite they copy with SQLite's online
backup API (``storage.backup``), which works while ``serve`` runs. On PostgreSQL its own
``pg_dump`` and ``pg_restore`` do it better than the bot could (a consistent snapshot of a
running server, a compressed archive, restoring without the original's owners), so the bot
checks the server and says how to run them. A refusal raises BackupRefused (exit 2); a
database that does not answer, DBAPIError (exit 1).
"""

import shlex
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from settings.timeouts import DEFAULT_TIMEOUTS
from storage.backup import BackupRefused, backup_sqlite, copy_sqlite, sqlite_file, sqlite_tables
from storage.db import head_revision, make_engine, upgrade

PG_DUMP = """\
PostgreSQL is backed up with its own pg_dump, which reads one consistent snapshot while serve
goes on. The server answers (PostgreSQL {version}); run pg_dump {version} or newer:

  pg_dump --format=custom --no-owner --no-privileges --file={file} {url}

A password comes from PGPASSWORD or ~/.pgpass. To restore it: network-bot db restore {file}"""
PG_RESTORE = """\
The database is empty (PostgreSQL {version}). Restore the pg_dump file into it with
PostgreSQL's pg_restore, then bring its schema to the newest migration:

  pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \\
    --dbname={url} {file}
  network-bot --database-url {url} db upgrade"""
PG_DUMP_MAGIC = b"PGDMP"  # how a pg_dump archive (--format=custom) begins


def backup(url: str, file: Path, out: TextIO) -> int:
    if file.exists():
        raise BackupRefused(f"{file} exists: a backup never replaces a file; give a new name")
    if not file.parent.is_dir():
        raise BackupRefused(f"{file.parent}: no such folder for the backup")
    database = sqlite_file(url)
    if database is None:
        engine = make_engine(url)
        _tables(engine)  # the server answers, or DBAPIError says why not
        print(PG_DUMP.format(version=_major(engine), file=_quoted(file), url=_libpq(url)),
              file=out)
        return 0
    backup_sqlite(database, file, DEFAULT_TIMEOUTS.busy)
    print(f"wrote {file}: {database} as it was committed when the backup began", file=out)
    return 0


def restore(url: str, file: Path, out: TextIO) -> int:
    """Restore into an empty database only: a backup merged into a database in use would mix
    two histories, and one written over it would lose what happened since."""
    if not file.is_file():
        raise BackupRefused(f"{file}: no such backup file")
    database = sqlite_file(url)
    if database is None:
        with file.open("rb") as archive:
            begins = archive.read(len(PG_DUMP_MAGIC))
        if begins != PG_DUMP_MAGIC:
            raise BackupRefused(f"{file} is not a pg_dump archive (pg_dump --format=custom)")
        engine = make_engine(url)
        _refuse_unless_empty(_plain(url), _tables(engine))
        print(PG_RESTORE.format(version=_major(engine), file=_quoted(file), url=_libpq(url)),
              file=out)
        return 0
    if "alembic_version" not in sqlite_tables(file):
        raise BackupRefused(f"{file} is not a network-bot backup (no alembic_version table)")
    _refuse_unless_empty(str(database), sqlite_tables(database))
    copy_sqlite(file, database, DEFAULT_TIMEOUTS.busy)
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    print(f"restored {file} into {database}; its schema is at the newest migration "
          f"({head_revision()})", file=out)
    return 0


def _refuse_unless_empty(where: str, tables: list[str]) -> None:
    if tables:
        raise BackupRefused(f"{where} is not empty ({len(tables)} tables): restore only into "
                            "a new or empty database")


def _tables(engine: Engine) -> list[str]:
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _major(engine: Engine) -> int:
    """The PostgreSQL server's major version (known once the engine has connected)."""
    return int((engine.dialect.server_version_info or (0,))[0])


def _plain(url: str) -> str:
    """The URL as PostgreSQL's own tools take it: without SQLAlchemy's driver or a password."""
    return make_url(url).set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)


def _libpq(url: str) -> str:
    return shlex.quote(_plain(url))


def _quoted(file: Path) -> str:
    return shlex.quote(str(file))
