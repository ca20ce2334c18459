"""Calendar files that calendars treat as invitations: RFC 5545 / RFC 5546 and two parsers.

Every file is read by icalendar (which the bot also writes with) and by vobject (an
independent implementation), and checked against rules written from the RFCs
(``tests/icalendar_rules.py``). The attendees expected are read from app.yaml here, not
through the bot. "Now" is Mon 3 Mar 2031, 09:00 in Vientiane (02:00 UTC).
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import vobject
import yaml
from aiohttp import web
from icalendar import Calendar
from sqlmodel import col, select, update

from bot.app import App
from bot.server import create_web_app
from bot.teams_settings import TeamsSettings
from handlers.core import Reply
from storage.models import Agency, Person
from tests.conftest import APP_YAML, START, BotHarness
from tests.db_state import outbox
from tests.icalendar_rules import check_itip, event_of, parse, unescape_text

TITLE = "ກອງປະຊຸມເຄືອຂ່າຍ 🌏🤝 review; budget, plan \\ next ປະຈຳປີ ການເຄື່ອນຍ້າຍແຮງງານ"
PLACE = "IOM office, room 3; or https://meet.example.org/j/42?pwd=x."
SCHEDULE = f'meeting schedule regular 14 Mar 2031 10:00 "{TITLE}" where {PLACE}'
STARTS = datetime(2031, 3, 14, 3, 0, tzinfo=UTC)  # 10:00 in Vientiane
ENDS = STARTS + timedelta(hours=2)


def _roster() -> dict[str, Any]:
    return yaml.safe_load(APP_YAML.read_text(encoding="utf-8"))


def _emails(*agencies: str) -> set[str]:
    """mailto: addresses of the focal points of these agencies (all agencies: none given)."""
    return {f"mailto:{p['email']}" for p in _roster()["people"]
            if p.get("email") and p.get("agency") and (not agencies or p["agency"] in agencies)}


def _ics(bot: BotHarness, ref: str = "#1") -> bytes:
    reply = bot.say(f"meeting ics {ref}")
    assert reply.ok, reply.text
    [attachment] = reply.files
    assert (attachment.mime, attachment.filename) == ("text/calendar", f"meeting-{ref[1:]}.ics")
    return attachment.content


def _posted_file(bot: BotHarness, kind: str) -> bytes:
    """The calendar file carried by the outbox row announcing ``kind`` to the network."""
    [row] = outbox(bot, kind)
    [attachment] = Reply.from_dict(row.payload).files
    assert attachment.filename == "meeting-1.ics"
    return attachment.content


def _both(data: bytes) -> tuple[Any, Any]:
    """The one VEVENT as icalendar and as vobject read it, and each one's calendar."""
    ical = Calendar.from_ical(data)
    [event] = ical.walk("VEVENT")
    other = vobject.readOne(data.decode("utf-8"))
    return (ical, event), (other, other.vevent)


def _vobject_attendees(vevent: Any) -> dict[str, tuple[str, str]]:
    return {a.value.lower(): (a.params["ROLE"][0], a.params["RSVP"][0])
            for a in vevent.contents.get("attendee", [])}


def test_a_new_meeting_is_a_request_from_the_secretariat_to_the_focal_points(
    bot: BotHarness,
) -> None:
    assert bot.say(SCHEDULE, as_="RCO").ok
    bot.clock.advance(hours=5)
    data = _ics(bot)
    method, event = check_itip(data)
    assert method == "REQUEST"
    assert (event.one("SUMMARY"), event.one("LOCATION")) == (TITLE, PLACE)
    assert event.one("URL") == "https://meet.example.org/j/42?pwd=x"
    assert (event.one("DTSTART"), event.one("DTEND"), event.one("DTSTAMP")) == \
        ("20310314T030000Z", "20310314T050000Z", "20310303T070000Z")
    assert event.one("ORGANIZER").lower() == "mailto:iom.focal@placeholder.invalid"
    (ical, ical_event), (other, other_event) = _both(data)
    assert str(ical["METHOD"]) == other.method.value == "REQUEST"
    assert str(ical_event["SUMMARY"]) == other_event.summary.value == TITLE
    assert str(ical_event["LOCATION"]) == other_event.location.value == PLACE
    assert ical_event.decoded("DTSTART") == other_event.dtstart.value == STARTS
    assert ical_event.decoded("DTEND") == other_event.dtend.value == ENDS
    assert ical_event.decoded("DTSTAMP") == other_event.dtstamp.value == START + timedelta(
        hours=5)
    assert str(ical_event["URL"]) == other_event.url.value == "https://meet.example.org/j/42?pwd=x"
    assert str(ical_event["ORGANIZER"]).lower() == other_event.organizer.value.lower() \
        == "mailto:iom.focal@placeholder.invalid"
    chair = _emails(_roster()["network"]["chair"])
    expected = {email: ("CHAIR" if email in chair else "REQ-PARTICIPANT", "TRUE")
                for email in _emails()}
    assert _vobject_attendees(other_event) == expected
    assert {str(a).lower(): (a.params["ROLE"], a.params["RSVP"])
            for a in ical_event["ATTENDEE"]} == expected
    assert "Local time: Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)." in \
        other_event.description.value.splitlines()


def test_the_announcements_carry_the_updated_invitation(bot: BotHarness) -> None:
    """The rows for the network channel carry the file; moving and cancelling keep the UID
    and raise the SEQUENCE, and the cancellation names the same attendees."""
    assert bot.say(SCHEDULE).ok
    scheduled = _posted_file(bot, "meeting.scheduled")
    assert bot.say("meeting move #1 21 Mar 2031 14:00").ok
    moved = _posted_file(bot, "meeting.moved")
    assert bot.say("meeting cancel #1 The Chair is travelling").ok
    cancelled = _posted_file(bot, "meeting.cancelled")
    methods = [check_itip(data) for data in (scheduled, moved, cancelled)]
    assert [method for method, _ in methods] == ["REQUEST", "REQUEST", "CANCEL"]
    events = [event for _, event in methods]
    assert len({event.one("UID") for event in events}) == 1
    assert [int(event.one("SEQUENCE")) for event in events] == [0, 1, 2]
    assert events[1].one("DTSTART") == "20310321T070000Z"
    assert events[2].one("ORGANIZER") == events[0].one("ORGANIZER")
    assert {a.value for a in events[2].all("ATTENDEE")} == _emails()
    (_, ical_event), (other, other_event) = _both(cancelled)
    assert (other.method.value, other_event.status.value, other_event.sequence.value) == \
        ("CANCEL", "CANCELLED", "2")
    assert (str(ical_event["STATUS"]), int(ical_event["SEQUENCE"])) == ("CANCELLED", 2)
    assert other_event.uid.value == str(ical_event["UID"]) == events[0].one("UID")
    assert "Cancelled: The Chair is travelling" in other_event.description.value
    assert _ics(bot).count(b"METHOD:CANCEL") == 1  # meeting ics says the same afterwards


def test_dtend_is_the_meetings_end_and_a_move_keeps_its_length(bot: BotHarness) -> None:
    assert bot.say('meeting schedule adhoc 14/03/2031 10:00-12:30 "Flood response"').ok
    _, event = check_itip(_ics(bot))
    assert (event.one("DTSTART"), event.one("DTEND")) == ("20310314T030000Z", "20310314T053000Z")
    assert bot.say("meeting move #1 21 Mar 2031 14:00").ok
    (_, ical_event), (_, other_event) = _both(_ics(bot))
    moved = (datetime(2031, 3, 21, 7, 0, tzinfo=UTC), datetime(2031, 3, 21, 9, 30, tzinfo=UTC))
    assert (ical_event.decoded("DTSTART"), ical_event.decoded("DTEND")) == moved
    assert (other_event.dtstart.value, other_event.dtend.value) == moved
    assert "Local time: Fri 21 Mar 2031, 14:00–16:30 (Asia/Vientiane)." in \
        other_event.description.value.splitlines()


def test_only_people_with_an_email_are_attendees(bot: BotHarness) -> None:
    with bot.session() as session:
        ilo = session.exec(select(Agency.id).where(Agency.code == "ILO")).one()
        session.exec(update(Person).where(col(Person.agency_id) == ilo)  # type: ignore[call-overload]
                     .values(email=None))
        session.commit()
    assert bot.say(SCHEDULE).ok
    _, event = check_itip(_ics(bot))
    assert {a.value for a in event.all("ATTENDEE")} == _emails() - _emails("ILO")


def test_a_working_group_meeting_invites_its_agencies_with_its_chairs_chairing(
    bot: BotHarness,
) -> None:
    """Its partners' people are optional participants."""
    group = next(g for g in _roster()["working_groups"] if g["slug"] == "labour-migration")
    assert bot.say('partners add "Lao Women\'s Union" to wg:labour-migration').ok
    with bot.session() as session:
        session.add(Person(name="LWU Officer", partner_org="Lao Women's Union",
                           email="officer@lwu.example.org"))
        session.commit()
    assert bot.say('meeting schedule wg:labour-migration 20 Mar 2031 14:00 "WG review"').ok
    _, event = check_itip(_ics(bot))
    roles = {line.value: line.params["ROLE"] for line in event.all("ATTENDEE")}
    chairs = _emails(*group["chairs"])
    assert roles == {"mailto:officer@lwu.example.org": "OPT-PARTICIPANT",
                     **{email: "CHAIR" if email in chairs else "REQ-PARTICIPANT"
                        for email in _emails(*group["members"], *group["chairs"])}}


def test_without_a_secretariat_email_the_file_is_a_calendar_entry(bot: BotHarness) -> None:
    """RFC 5546 requires an ORGANIZER for every METHOD, so with none there is no METHOD."""
    assert bot.say(SCHEDULE).ok
    with bot.session() as session:
        iom = session.exec(select(Agency.id).where(Agency.code == "IOM")).one()
        session.exec(update(Person).where(col(Person.agency_id) == iom)  # type: ignore[call-overload]
                     .values(email=None))
        session.commit()
    reply = bot.say("meeting ics #1")
    assert "It is a calendar entry, not an invitation: the Secretariat has no e-mail" \
        in reply.text
    calendar, event = event_of(reply.files[0].content)
    assert not calendar.all("METHOD") and not event.all("ORGANIZER") \
        and not event.all("ATTENDEE")
    (ical, _), (other, other_event) = _both(reply.files[0].content)
    assert "METHOD" not in ical and "method" not in other.contents
    assert other_event.summary.value == TITLE


def test_a_place_without_a_link_has_no_url(bot: BotHarness) -> None:
    assert bot.say('meeting schedule adhoc 14 Mar 2031 10:00 "Flood response" where '
                   "RCO, Vientiane").ok
    _, event = event_of(_ics(bot))
    assert event.one("LOCATION") == "RCO, Vientiane" and not event.all("URL")


LONG_LAO = "ກ" * 24 + "ຂ"  # 25 characters of 3 octets


@pytest.mark.parametrize(("data", "problem"), [
    (b"BEGIN:VCALENDAR\nEND:VCALENDAR\r\n", "bare CR or LF"),
    (b"BEGIN:VCALENDAR\r\nX-A:" + b"a" * 72 + b"\r\nEND:VCALENDAR\r\n", "76 octets"),
    (b"BEGIN:VCALENDAR\r\nX-A:" + LONG_LAO.encode()[:70] + b"\r\n "
     + LONG_LAO.encode()[70:] + b"\r\nEND:VCALENDAR\r\n", "can't decode"),
    (b"BEGIN:VCALENDAR\r\nSUMMARY:a, b\r\nEND:VCALENDAR\r\n", "unescaped"),
    (b"BEGIN:VCALENDAR\r\nSUMMARY:a\\tb\r\nEND:VCALENDAR\r\n", "no TEXT escape"),
    (b"BEGIN:VCALENDAR\r\nSUMMARY;CN=a\"b:x\r\nEND:VCALENDAR\r\n", "not a content line"),
])
def test_the_rules_refuse_what_the_rfc_forbids(data: bytes, problem: str) -> None:
    with pytest.raises((AssertionError, UnicodeDecodeError), match=problem):
        parse(data)


def test_the_rules_read_folds_and_escapes_back() -> None:
    data = ("BEGIN:VCALENDAR\r\nSUMMARY:a\\, b\\; c\\\\ d\\nສະ\r\n " + LONG_LAO[1:]
            + "\r\nEND:VCALENDAR\r\n").encode()
    assert parse(data).one("SUMMARY") == "a, b; c\\ d\nສະ" + LONG_LAO[1:]
    assert unescape_text("x\\N") == "x\n"



def test_the_server_serves_a_meetings_current_file_for_download_links(bot: BotHarness) -> None:
    """What Teams' download button opens: the file as it is at the request, so a link posted
    before the meeting moved gives the new time (and a higher SEQUENCE)."""
    assert bot.say(SCHEDULE).ok
    [attachment] = bot.say("meeting ics #1").files
    assert bot.say("meeting move #1 21 Mar 2031 14:00").ok
    app = App(config=bot.config, engine=bot.engine, runner=bot.runner)

    async def main() -> list[tuple[int, str, str, bytes]]:
        runner = web.AppRunner(create_web_app(app, None, teams=TeamsSettings.for_emulator({})))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            async with aiohttp.ClientSession() as client:
                answers = []
                for link in (attachment.link, "calendar/nobody@network-bot.ics"):
                    async with client.get(f"{base}/{link}") as response:
                        answers.append((response.status, response.content_type,
                                        response.headers.get("Content-Disposition", ""),
                                        await response.read()))
                return answers
        finally:
            await runner.cleanup()

    found, missing = asyncio.run(main())
    assert found[:3] == (200, "text/calendar", 'attachment; filename="meeting-1.ics"')
    method, event = check_itip(found[3])
    assert (method, event.one("SEQUENCE"), event.one("DTSTART")) == \
        ("REQUEST", "1", "20310321T070000Z")
    assert missing[0] == 404
