"""Counting the SQL statements an engine executes, to show a command's queries do not grow
with the data (no N+1). Used by the tests and by bench/scale_bench.py."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[int]]:
    """Yields a one-item list holding, after the block, the statements executed in it."""
    seen = [0]

    def count(*_: object) -> None:
        seen[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
