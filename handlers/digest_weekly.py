"""The weekly digest: every Monday at 09:00 in the network's zone, posted to its channels.

One ``digest.weekly`` job row is pending at a time. When it falls due the job queues the next
Monday's row, then builds the Network's digest (``handlers.digest``) and, when there is
something to say, queues it as a ``digest.posted`` row for the network's channels (one message
in each). The outbox's claim runs each row once, however many replicas there are.

Late rules, as for reminders: a digest is about the week ahead from Monday morning, so one
more than ``LATE_LIMIT`` (12 hours) late, because the bot was down or could not deliver, is
dropped rather than posted that evening or later in the week; the next Monday's comes as usual.
A digest a little late says so (the outbox's "Sent late" note) and shows what is due when it
is built. ``digest: off`` in app.yaml stops it: start-up cancels the pending row.
"""

import logging
from datetime import datetime, time, timedelta

from sqlmodel import Session, col, select

from handlers.core import Reply, Scope
from handlers.digest import digest
from handlers.jobs import job
from handlers.meetings.meeting_common import zone
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.timefmt import show_duration, show_time
from settings.schema import OFF, AppConfig
from storage.models import Outbox, OutboxStatus
from storage.outbox import cancel_pending

log = logging.getLogger(__name__)

MONDAY = 0
AT = time(9, 0)
LATE_LIMIT = timedelta(hours=12)


def _too_late(scope: Scope, row: Outbox) -> str | None:
    """A digest is for Monday morning: past ``LATE_LIMIT`` it is not posted any more."""
    late = scope.now - row.due_at
    if late <= LATE_LIMIT:
        return None
    return (f"the weekly digest of {show_time(row.due_at, zone(scope))} was more than "
            f"{show_duration(LATE_LIMIT)} late; next Monday's follows")


WEEKLY = declare(OutboxKind("digest.weekly"))  # build the digest and queue the next one
POSTED = declare(OutboxKind("digest.posted", stale=_too_late))  # the digest, to the channels


def next_monday(scope: Scope, after: datetime) -> datetime:
    """The first Monday 09:00 in the network's zone strictly after ``after``."""
    local = after.astimezone(zone(scope))
    day = local.date() + timedelta(days=(MONDAY - local.weekday()) % 7)
    due = datetime.combine(day, AT, tzinfo=zone(scope))
    return due if due > after else datetime.combine(day + timedelta(days=7), AT,
                                                    tzinfo=zone(scope))


def ensure_digest(session: Session, config: AppConfig, now: datetime) -> Outbox | None:
    """At start-up: one digest row waiting when the digest is on (idempotent), none when it
    is off. Returns the waiting row."""
    scope = Scope(session, config, now)
    if config.digest == OFF:
        cancel_pending(session, kinds=(WEEKLY.name,))
        return None
    return _waiting(scope) or _queue(scope, next_monday(scope, now))


def _waiting(scope: Scope) -> Outbox | None:
    """The digest row still to run: pending, or claimed by a replica that runs it now."""
    return scope.session.exec(select(Outbox).where(
        Outbox.kind == WEEKLY.name,
        col(Outbox.status).in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
    ).order_by(col(Outbox.due_at))).first()


def _queue(scope: Scope, due: datetime) -> Outbox:
    return queue(scope, WEEKLY, Reply(text="Post the weekly digest."), due_at=due)


@job(WEEKLY)
def post_weekly(scope: Scope, row: Outbox) -> None:
    if scope.config.digest == OFF:
        return
    if _waiting(scope) is None:
        _queue(scope, next_monday(scope, max(scope.now, row.due_at)))
    if reason := _too_late(scope, row):
        log.warning("outbox #%s (%s): dropped: %s", row.id, row.kind, reason)
        row.status, row.last_error = OutboxStatus.DROPPED, f"dropped: {reason}"
        scope.session.add(row)
        return
    found = digest(scope)
    if found is not None:
        queue(scope, POSTED, found, due_at=row.due_at)
