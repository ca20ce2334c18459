"""A meeting as an iCalendar file that calendars treat as an invitation (RFC 5545, RFC 5546).

A scheduled or moved meeting is a ``METHOD:REQUEST``, a cancelled one a ``METHOD:CANCEL`` with
``STATUS:CANCELLED``; both keep the meeting's UID, and its SEQUENCE grows with every change, so
a calendar updates the event it has instead of adding another. The ORGANIZER is the
Secretariat and the ATTENDEEs are the focal points, by their e-mails on the roster. iTIP needs
both, so without a Secretariat e-mail the file has no METHOD: a calendar entry to import, not
an invitation. DTSTAMP is the time the file is made; DTEND is the meeting's end
(``Meeting.ends_at``); times are in UTC, the network's zone named.
"""

import re
from urllib.parse import quote

from handlers.core import Attachment, Scope
from handlers.meetings.invitees import Invitee, attendees, organizer
from handlers.meetings.meeting_common import zone
from handlers.timefmt import show_span
from storage.models import Meeting, MeetingStatus

PRODUCT = "-//network-bot//UN Network on Migration//EN"
LINK = re.compile(r"https?://[^\s<>\"]+")


def link_in(place: str | None) -> str | None:
    """The first web address in a meeting's ``where`` (an online meeting's link)."""
    found = LINK.search(place or "")
    return found.group().rstrip(".,;:!?)]}'") if found else None


def calendar_link(uid: str) -> str:
    """The path the bot's web server serves a meeting's current calendar file at."""
    return f"calendar/{quote(uid, safe='@')}.ics"


def is_invitation(scope: Scope) -> bool:
    """Whether calendar files are invitations: the Secretariat has an e-mail on the roster."""
    return organizer(scope) is not None


def meeting_ics(scope: Scope, meeting: Meeting) -> Attachment:
    # Imported here: only calendar files need icalendar, and importing it costs every start
    # of the shell and the server ~25 ms (the first calendar file pays it instead).
    from icalendar import Calendar, Event

    cancelled = meeting.status == MeetingStatus.CANCELLED
    chair = organizer(scope)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    if chair is not None:
        calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    calendar.add("x-wr-calname", scope.config.network.name)
    calendar.add("x-wr-timezone", zone(scope).key)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", scope.now)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", meeting.title)
    lines = [f"{scope.config.network.name}, meeting #{meeting.id}.",
             f"Local time: {show_span(meeting.starts_at, meeting.ends_at, zone(scope))}."]
    if meeting.location:
        event.add("location", meeting.location)
    if url := link_in(meeting.location):
        event.add("url", url)
    if cancelled and meeting.cancel_reason:
        lines.append(f"Cancelled: {meeting.cancel_reason}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("description", "\n".join(lines))
    if chair is not None:
        event.add("organizer", _address(chair))
        for person in attendees(scope, meeting):
            event.add("attendee", _address(person, role=person.role, rsvp="FALSE" if cancelled
                                           else "TRUE", partstat="NEEDS-ACTION",
                                           cutype="INDIVIDUAL"))
    calendar.add_component(event)
    return Attachment(filename=f"meeting-{meeting.id}.ics", content=calendar.to_ical(),
                      mime="text/calendar", title=meeting.title,
                      link=calendar_link(meeting.uid))


def _address(person: Invitee, **params: str) -> object:
    from icalendar import vCalAddress

    address = vCalAddress(f"mailto:{person.email}")
    address.params["cn"] = person.name
    for name, value in params.items():
        address.params[name] = value
    return address
