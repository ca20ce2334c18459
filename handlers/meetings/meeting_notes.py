"""What a meeting's organiser should know about its time, said without refusing it: other
meetings it overlaps, and days of the weekend (Saturday, Sunday in the network's zone)."""

from datetime import timedelta

from sqlmodel import select

from handlers.core import Scope
from handlers.meetings.meeting_common import describe, zone
from handlers.timefmt import show_date
from storage.models import Meeting, MeetingStatus

WEEKEND = (5, 6)  # Saturday, Sunday (datetime.weekday)


def time_notes(scope: Scope, meeting: Meeting) -> list[str]:
    """``Note: ...`` lines for the reply that schedules or moves ``meeting``."""
    others = scope.session.exec(select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED, Meeting.id != meeting.id,
        Meeting.starts_at < meeting.ends_at, Meeting.ends_at > meeting.starts_at,
    ).order_by(Meeting.starts_at, Meeting.id)).all()  # type: ignore[arg-type]
    notes = [f"Note: it overlaps {describe(scope, other)}." for other in others]
    last = meeting.ends_at - timedelta(microseconds=1)  # one ending at 00:00 ends that day
    days = {moment.astimezone(zone(scope)).date(): moment for moment in (last, meeting.starts_at)}
    notes += [f"Note: {show_date(moment, zone(scope))} is a {day:%A}, a weekend day in "
              f"{zone(scope).key}." for day, moment in sorted(days.items())
              if day.weekday() in WEEKEND]
    return notes
