"""How long to wait for the database; apart from ``storage.db`` so that app.yaml's schema can
name it without loading SQLModel (~0.2 s of ``network-bot check``)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Timeouts:
    """In seconds. The defaults are those of app.yaml's ``database`` section
    (``settings.schema.Database`` says why)."""

    connect: float = 2.0  # PostgreSQL: to connect, or for a free connection of the pool
    statement: float = 1.0  # PostgreSQL: for each statement's answer
    busy: float = 2.0  # SQLite: for another connection's lock


DEFAULT_TIMEOUTS = Timeouts()
