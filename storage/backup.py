"""Backing up and restoring a SQLite database.

SQLite's online backup API (``sqlite3.Connection.backup``) reads the database through one read
transaction, so a copy holds exactly what was committed when it began, and in WAL mode
``serve`` goes on writing meanwhile. PostgreSQL has its own tools for this (``pg_dump``,
``pg_restore``); ``bot.db_cli`` says how to use them.
"""

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupRefused(Exception):
    """A backup or restore that would not do what was asked, phrased for the operator."""


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if parsed.database in (None, "", ":memory:"):
        raise BackupRefused("an in-memory SQLite database cannot be backed up or restored")
    return Path(parsed.database)


def sqlite_tables(file: Path) -> list[str]:
    """The tables of a SQLite database file (none when there is no such file); raises
    BackupRefused when the file is not a SQLite database."""
    if not file.exists():
        return []
    try:
        with closing(sqlite3.connect(file)) as database:
            rows = database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return [name for (name,) in rows]
    except sqlite3.DatabaseError as problem:
        raise BackupRefused(f"{file}: not a SQLite database ({problem})") from None


def copy_sqlite(source: Path, target: Path, busy: float) -> None:
    """Copy the database ``source`` into ``target`` (replacing what ``target`` holds) with the
    backup API, waiting up to ``busy`` seconds for a lock."""
    with closing(sqlite3.connect(source, timeout=busy)) as origin, \
            closing(sqlite3.connect(target, timeout=busy)) as copy:
        origin.backup(copy)


def backup_sqlite(database: Path, file: Path, busy: float) -> None:
    """Write a copy of the live ``database`` to the new file ``file``, as one file (its journal
    mode DELETE, so no -wal file belongs to it). It is written beside ``file`` and renamed at
    the end, so that a backup cut short never looks like a whole one."""
    if not database.is_file():
        raise BackupRefused(f"{database}: no such database file")
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        copy_sqlite(database, partial, busy)
        with closing(sqlite3.connect(partial)) as copy:
            copy.execute("PRAGMA journal_mode=DELETE")
        os.replace(partial, file)
    finally:
        partial.unlink(missing_ok=True)
