"""The year the Network's records on this bot start, below which a year-wide command
(``report``, ``decisions``, ``meeting plan``, ``members history``) has nothing to show."""

from sqlalchemy import func, select

from handlers.core import Scope
from storage.models import ActionItem, Decision, Meeting, Minutes, Poll, RosterChange

# The earliest moment of every kind of record, in one statement (a Core one, run on the
# session's connection).
_EARLIEST = select(*(select(func.min(column)).scalar_subquery() for column in (
    Meeting.starts_at, Meeting.created_at, Poll.opened_at, Decision.decided_at,
    Minutes.posted_at, ActionItem.created_at, RosterChange.at)))


def first_year(scope: Scope) -> int:
    """The local year of the earliest record; this year while nothing is recorded."""
    earliest = [when for when in scope.session.connection().execute(_EARLIEST).one()
                if when is not None]
    return min(earliest, default=scope.now).astimezone(scope.config.network.zone).year
