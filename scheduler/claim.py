"""Claiming due outbox rows with a lease, so several replicas never send one row twice.

A row is claimable when it is ``pending`` and due, or ``sending`` with a lease that expired
(the replica that claimed it died mid-send; the row is then sent again: at-least-once). A claim
sets ``status=sending``, ``lease_owner`` and ``lease_until``; everything the dispatcher later
writes about the row is conditional on still owning that lease (see ``owned``).

PostgreSQL claims a batch in one statement pair: ``SELECT ... FOR UPDATE SKIP LOCKED`` then an
UPDATE of exactly those rows, so concurrent claimers skip each other's rows instead of waiting.
SQLite has no row locks; each candidate is claimed with a conditional UPDATE whose WHERE clause
repeats the claimability test, and the row is ours only if that UPDATE changed one row.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, or_, select, update
from sqlmodel import Session

from storage.models import Outbox, OutboxStatus


def claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Outbox.status == OutboxStatus.PENDING, Outbox.due_at <= now),  # type: ignore[arg-type]
        and_(Outbox.status == OutboxStatus.SENDING, Outbox.lease_until < now),  # type: ignore[arg-type,operator]
    )


def owned(row_id: int, owner: str) -> ColumnElement[bool]:
    """The WHERE clause of every write that needs the claim to still be ours."""
    return and_(Outbox.id == row_id, Outbox.status == OutboxStatus.SENDING,  # type: ignore[arg-type]
                Outbox.lease_owner == owner)


def claim_due(
    engine: Engine, owner: str, now: datetime, lease: timedelta, limit: int = 50
) -> list[Outbox]:
    """Lease up to ``limit`` due rows to ``owner``, oldest due first; returns them."""
    lease_values: dict[str, Any] = {
        "status": OutboxStatus.SENDING, "lease_owner": owner, "lease_until": now + lease,
    }
    candidates = (select(Outbox.id).where(claimable(now))  # type: ignore[call-overload]
                  .order_by(Outbox.due_at, Outbox.id).limit(limit))
    if engine.dialect.name == "postgresql":
        with Session(engine, expire_on_commit=False) as session, session.begin():
            ids = list(session.execute(candidates.with_for_update(skip_locked=True)).scalars())
            if ids:
                session.execute(update(Outbox).where(Outbox.id.in_(ids))  # type: ignore[union-attr]
                                .values(**lease_values))
            return _load(session, ids)
    with Session(engine, expire_on_commit=False) as session:
        ids = list(session.execute(candidates).scalars())
        session.rollback()
        won: list[int] = []
        for row_id in ids:
            with session.begin():
                result = session.execute(
                    update(Outbox).where(Outbox.id == row_id, claimable(now))
                    .values(**lease_values))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                won.append(row_id)
        with session.begin():
            return _load(session, won)


def _load(session: Session, ids: list[int]) -> list[Outbox]:
    if not ids:
        return []
    rows = session.execute(
        select(Outbox).where(Outbox.id.in_(ids))  # type: ignore[union-attr]
        .order_by(Outbox.due_at, Outbox.id)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    ).scalars().all()
    return list(rows)


def next_due(engine: Engine) -> datetime | None:
    """When the next row becomes claimable: the earliest pending due time or lease expiry."""
    with Session(engine) as session:
        pending = session.execute(
            select(Outbox.due_at).where(Outbox.status == OutboxStatus.PENDING)  # type: ignore[arg-type]
            .order_by(Outbox.due_at).limit(1)).scalar()
        leased = session.execute(
            select(Outbox.lease_until).where(Outbox.status == OutboxStatus.SENDING)  # type: ignore[arg-type]
            .order_by(Outbox.lease_until).limit(1)).scalar()
    times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None
