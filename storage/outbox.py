"""Writing and cancelling outbox rows (delivery itself lives in ``scheduler/``).

Callers write rows in the same session as the change that causes them, so a notification
exists if and only if its cause was committed.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, func, select

from storage.audience import NETWORK, Audience
from storage.models import Outbox, OutboxStatus

QUEUED = "outbox_queued"  # a flag in Session.info: this unit of work queued rows
QUEUED_NETWORK = "outbox_queued_network"  # ... and some of them for the network's channels


def enqueue(
    session: Session,
    *,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any],
    audience: Audience = NETWORK,
    meeting_id: int | None = None,
    poll_id: int | None = None,
    action_item_id: int | None = None,
    date_poll_id: int | None = None,
) -> Outbox:
    row = Outbox(kind=kind, due_at=due_at, payload=payload, audience=audience,
                 meeting_id=meeting_id, poll_id=poll_id, action_item_id=action_item_id,
                 date_poll_id=date_poll_id)
    session.add(row)
    session.flush()
    session.info[QUEUED] = True
    if audience.to_network:
        session.info[QUEUED_NETWORK] = True
    return row


def queued_in(session: Session) -> bool:
    """Whether this session queued outbox rows (so delivery may have something due now)."""
    return bool(session.info.get(QUEUED))


def queued_for_network(session: Session) -> bool:
    """Whether this session queued rows for the network's channels."""
    return bool(session.info.get(QUEUED_NETWORK))


def cancel_pending(
    session: Session,
    *,
    meeting_id: int | None = None,
    poll_id: int | None = None,
    action_item_id: int | None = None,
    date_poll_id: int | None = None,
    kinds: tuple[str, ...] | None = None,
) -> int:
    """Cancel the not-yet-sent rows belonging to a record; returns how many."""
    query = update(Outbox).where(col(Outbox.status) == OutboxStatus.PENDING)
    for column, value in ((Outbox.meeting_id, meeting_id), (Outbox.poll_id, poll_id),
                          (Outbox.action_item_id, action_item_id),
                          (Outbox.date_poll_id, date_poll_id)):
        if value is not None:
            query = query.where(col(column) == value)
    if kinds:
        query = query.where(col(Outbox.kind).in_(kinds))
    result = session.exec(query.values(status=OutboxStatus.CANCELLED))
    return result.rowcount or 0


def wake_waiting(session: Session, waiting_for: str, now: datetime) -> int:
    """Rows that waited for a conversation (``waiting_for``) become due now; how many."""
    result = session.exec(update(Outbox).where(
        col(Outbox.status) == OutboxStatus.WAITING, col(Outbox.waiting_for) == waiting_for,
    ).values(status=OutboxStatus.PENDING, due_at=now, waiting_for=None))
    return result.rowcount or 0


# Rows that should have gone and have not: still to send long after they were due.
UNSENT = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.WAITING)


def stuck_rows(session: Session, due_before: datetime, limit: int) -> tuple[int, list[Outbox]]:
    """Rows needing the Secretariat's attention: failed ones (``network-bot outbox --failed``)
    and unsent ones due before ``due_before``; how many, and the ``limit`` oldest."""
    stuck = or_(col(Outbox.status) == OutboxStatus.FAILED,
                col(Outbox.status).in_(UNSENT) & (col(Outbox.due_at) < due_before))
    total = session.exec(select(func.count()).select_from(Outbox).where(stuck)).one()
    rows = session.exec(select(Outbox).where(stuck).order_by(col(Outbox.due_at), col(Outbox.id))
                        .limit(limit)).all() if total else []
    return total, list(rows)
