"""PostgreSQL connections that stop waiting for a server that does not answer.

libpq has no read timeout: a server (or a network) that takes a query and never answers holds
the caller for as long as TCP keeps the connection, which is hours, and PostgreSQL's own
``statement_timeout`` cannot help when its answer never arrives. So the server is asked to
cancel a statement after ``statement`` seconds, and the connection itself gives up waiting for
any answer (a statement, COMMIT, the pool's ping) a little later (``GRACE``, so that a server
that is only slow has its cancellation arrive first): it closes and raises OperationalError,
which SQLAlchemy takes for a lost connection. Connecting gives up after libpq's
``connect_timeout``.

Once a wait has run out, the database is taken for stalled: for a moment every connection
attempt is refused at once, then one attempt at a time tries again, until one gets through.
So a command whose pooled connection stopped answering does not wait again to connect, the
other commands are answered at once instead of each waiting out its own timeout, and a hung
server does not tie up a thread per command.
"""

import math
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from psycopg.abc import PQGen

# _WaitTimeout: what Connection.wait raises when its timeout expires (psycopg 3.3.6 and later);
# private, so tests/test_fault_database_stall.py is what notices a psycopg that changes it.
from psycopg.errors import ConnectionTimeout, _WaitTimeout

Result = TypeVar("Result")
LIBPQ_MIN_CONNECT_TIMEOUT = 2  # whole seconds, at least 2: libpq reads 1 as 2
PAUSE = 1.0  # seconds after a wait ran out before anyone tries the database again
GRACE = 0.5  # seconds past statement_timeout for the server's cancellation to arrive


class Stalls:
    """Whether one engine's database stopped answering, and who may try it again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None  # when the last wait ran out; None: it answers
        self._trying = False

    def timed_out(self) -> None:
        with self._lock:
            self._since = time.monotonic()

    def attempt(self, connect: Callable[[], Result]) -> Result:
        """``connect()``, unless the database is taken for stalled and it is not this
        caller's turn to try it, when OperationalError is raised at once."""
        with self._lock:
            since = self._since
            probing = since is not None
            if since is not None and (self._trying or time.monotonic() - since < PAUSE):
                raise psycopg.OperationalError("the database did not answer in time a moment ago")
            self._trying = self._trying or probing
        try:
            connection = connect()
        except ConnectionTimeout:
            self.timed_out()
            raise
        finally:
            if probing:
                with self._lock:
                    self._trying = False
        with self._lock:
            self._since = None
        return connection


class AnsweringConnection(psycopg.Connection[Any]):
    """A psycopg connection that waits at most ``answer_within`` seconds for each answer."""

    answer_within: float | None = None
    stalls: Stalls | None = None

    def wait(self, gen: PQGen[Result], interval: float = 0.1,
             timeout: float | None = None) -> Result:
        if timeout is not None or self.answer_within is None:
            return super().wait(gen, interval, timeout)
        try:
            return super().wait(gen, interval, self.answer_within)
        except _WaitTimeout:
            self.pgconn.finish()  # it stopped mid-conversation, so it cannot be used again
            if self.stalls is not None:
                self.stalls.timed_out()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.answer_within:g} s") from None


class Connector:
    """SQLAlchemy's ``do_connect`` listener for one engine: psycopg connections with these
    limits (seconds), keeping any server ``options`` the database URL gives."""

    def __init__(self, connect: float, statement: float) -> None:
        self.connect_timeout = max(LIBPQ_MIN_CONNECT_TIMEOUT, math.ceil(connect))
        self.statement = statement
        self.stalls = Stalls()

    def __call__(self, _dialect: Any, _record: Any, cargs: tuple[Any, ...],
                 cparams: dict[str, Any]) -> AnsweringConnection:
        limit = f"-c statement_timeout={round(self.statement * 1000)}"
        params = {**cparams, "connect_timeout": self.connect_timeout,
                  "options": " ".join(filter(None, [cparams.get("options"), limit]))}
        connection = self.stalls.attempt(lambda: AnsweringConnection.connect(*cargs, **params))
        connection.answer_within, connection.stalls = self.statement + GRACE, self.stalls
        return connection
