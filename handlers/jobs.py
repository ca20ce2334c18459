"""Outbox rows that are work for the core rather than messages to send.

Some things due later depend on the state at that moment: the compiled agenda at its
deadline, closing a poll at its deadline, the non-voters a day before it. Their outbox rows
carry a job kind registered here; when such a row falls due the dispatcher runs the job in one
transaction (instead of handing the row to a notifier), and the job typically queues the
messages to send, due at once.
"""

from collections.abc import Callable

from handlers import registry
from handlers.core import Scope
from handlers.outbox_kinds import OutboxKind
from storage.models import Outbox

Job = Callable[[Scope, Outbox], None]

JOBS: dict[str, Job] = {}


def job(kind: OutboxKind) -> Callable[[Job], Job]:
    def register(handler: Job) -> Job:
        if kind.name in JOBS:
            raise RuntimeError(f"job '{kind.name}' is registered twice")
        JOBS[kind.name] = handler
        return handler

    return register


def load_jobs() -> dict[str, Job]:
    """Import every domain module so their jobs are registered."""
    registry.load_all()
    return JOBS
