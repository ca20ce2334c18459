"""What the Secretariat sees and does from the command line: the outbox and its failures."""

from collections import Counter
from datetime import datetime

from sqlmodel import Session, col, func, select

from storage.models import Outbox, OutboxStatus

# Rows still to send or needing attention; sent and cancelled rows are only counted.
OPEN_STATUSES = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.WAITING,
                 OutboxStatus.FAILED, OutboxStatus.DROPPED)


class RetryRefused(ValueError):
    """The row cannot be retried; the message says why."""


def outbox_rows(session: Session, failed_only: bool = False) -> list[Outbox]:
    statuses = (OutboxStatus.FAILED,) if failed_only else OPEN_STATUSES
    return list(session.exec(
        select(Outbox).where(col(Outbox.status).in_(statuses))
        .order_by(col(Outbox.due_at), col(Outbox.id))).all())


def status_counts(session: Session) -> Counter[str]:
    return Counter(dict(session.exec(
        select(Outbox.status, func.count()).group_by(Outbox.status)).all()))


def retry(session: Session, row_id: int, now: datetime) -> Outbox:
    """Put a failed (or waiting) row back to pending, due now, with its attempts reset."""
    row = session.get(Outbox, row_id)
    if row is None:
        raise RetryRefused(f"There is no outbox row #{row_id}. "
                           "See the failed ones with: network-bot outbox --failed")
    if row.status not in (OutboxStatus.FAILED, OutboxStatus.WAITING):
        raise RetryRefused(f"Outbox row #{row_id} is {row.status}, not failed; only failed or "
                           "waiting rows can be retried. See them with: network-bot outbox")
    row.status = OutboxStatus.PENDING
    row.waiting_for = None
    row.attempts = 0
    row.due_at = now
    row.lease_owner = None
    row.lease_until = None
    session.add(row)
    return row
