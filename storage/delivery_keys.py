"""Purging the platforms' delivery keys (``processedcommand``) once no redelivery can come.

A key makes a retried delivery or a double click apply once; it is needed only as long as a
platform may redeliver (Slack within minutes, Teams within hours). Older keys are deleted in
batches, so one purge never holds the table for long.
"""

from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, col

from storage.models import ProcessedCommand

BATCH = 5000


def purge_keys(session: Session, before: datetime) -> int:
    """Delete up to one batch of keys recorded before ``before``; how many."""
    old = select(col(ProcessedCommand.key)).where(
        col(ProcessedCommand.created_at) < before).limit(BATCH)
    result = session.execute(delete(ProcessedCommand).where(
        col(ProcessedCommand.key).in_(old.scalar_subquery())))
    return result.rowcount or 0  # type: ignore[attr-defined]
