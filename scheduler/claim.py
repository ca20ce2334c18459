"""Claiming due outbox rows with a lease, so several replicas never send one row twice.

A row is claimable when it is ``pending`` and due, or ``sending`` with a lease that expired
(the replica that claimed it died mid-send; the row is then sent again: at-least-once). A claim
sets ``status=sending``, ``lease_owner`` and ``lease_until``; everything the dispatcher later
writes about the row is conditional on still owning that lease (see ``owned``).

A claim is one conditional UPDATE of a batch: ``UPDATE outbox SET status='sending', ... WHERE
id IN (<the oldest claimable ids>) AND <claimable> RETURNING *``. The rows it returns are the
rows it changed, so they are ours. On PostgreSQL the inner SELECT (a materialised CTE) takes
``FOR UPDATE SKIP LOCKED``, so concurrent claimers skip each other's rows instead of waiting
for them; SQLite runs one writing statement at a time, and the repeated claimability test in
the WHERE clause means a row another claimer took first is no longer matched.
"""

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, and_, or_, select, update
from sqlmodel import Session, col

from storage.models import Outbox, OutboxStatus


def claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(col(Outbox.status) == OutboxStatus.PENDING, col(Outbox.due_at) <= now),
        and_(col(Outbox.status) == OutboxStatus.SENDING, col(Outbox.lease_until) < now),
    )


def owned(row_id: int, owner: str) -> ColumnElement[bool]:
    """The WHERE clause of every write that needs the claim to still be ours."""
    return and_(col(Outbox.id) == row_id, col(Outbox.status) == OutboxStatus.SENDING,
                col(Outbox.lease_owner) == owner)


def claim_due(
    engine: Engine, owner: str, now: datetime, lease: timedelta, limit: int = 50
) -> list[Outbox]:
    """Lease up to ``limit`` due rows to ``owner``; returns them, oldest due first."""
    oldest = (select(col(Outbox.id)).where(claimable(now))
              .order_by(col(Outbox.due_at), col(Outbox.id)).limit(limit))
    if engine.dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    # Materialised, so PostgreSQL runs the locking SELECT once rather than per outer row.
    due = oldest.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    claim = (update(Outbox)
             .where(col(Outbox.id).in_(select(due.c.id)), claimable(now))
             .values(status=OutboxStatus.SENDING, lease_owner=owner, lease_until=now + lease)
             .returning(Outbox))
    with Session(engine, expire_on_commit=False) as session, session.begin():
        rows = list(session.scalars(claim, execution_options={"synchronize_session": False}))
    return sorted(rows, key=lambda row: (row.due_at, row.id or 0))


def next_due(engine: Engine) -> datetime | None:
    """When the next row becomes claimable: the earliest pending due time or lease expiry."""
    with Session(engine) as session:
        pending = session.execute(
            select(col(Outbox.due_at)).where(col(Outbox.status) == OutboxStatus.PENDING)
            .order_by(col(Outbox.due_at)).limit(1)).scalar()
        leased = session.execute(
            select(col(Outbox.lease_until)).where(col(Outbox.status) == OutboxStatus.SENDING)
            .order_by(col(Outbox.lease_until)).limit(1)).scalar()
    times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None
