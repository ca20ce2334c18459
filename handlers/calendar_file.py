"""A meeting as an iCalendar file: stable UID, SEQUENCE growing with each change, UTC times."""

from handlers.core import Attachment, Scope
from handlers.meeting_common import zone
from handlers.timefmt import show_time
from storage.models import Meeting, MeetingStatus

PRODUCT = "-//network-bot//UN Network on Migration//EN"


def meeting_ics(scope: Scope, meeting: Meeting) -> Attachment:
    # Imported here: only `meeting ics` needs icalendar, and importing it costs every start
    # of the shell and the server ~25 ms (the first `meeting ics` pays it instead).
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", scope.config.network.name)
    calendar.add("x-wr-timezone", zone(scope).key)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at)
    event.add("dtstart", meeting.starts_at)
    event.add("summary", meeting.title)
    lines = [f"{scope.config.network.name}, meeting #{meeting.id}.",
             f"Local time: {show_time(meeting.starts_at, zone(scope))}."]
    if meeting.location:
        event.add("location", meeting.location)
    if meeting.status == MeetingStatus.CANCELLED:
        event.add("status", "CANCELLED")
        if meeting.cancel_reason:
            lines.append(f"Cancelled: {meeting.cancel_reason}")
    else:
        event.add("status", "CONFIRMED")
    event.add("description", "\n".join(lines))
    calendar.add_component(event)
    return Attachment(filename=f"meeting-{meeting.id}.ics", content=calendar.to_ical(),
                      mime="text/calendar", title=meeting.title)
