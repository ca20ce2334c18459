"""Meetings: scheduling, moving, cancelling, the calendar file and the twice-yearly plan.

"Now" is Mon 3 Mar 2031, 09:00 in Vientiane (02:00 UTC); app.yaml sets reminders 7d, 1d, 1h,
the agenda deadline 3d before and minutes due 14d after a meeting.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlmodel import select

from bot.app import open_app
from handlers.core import Scope
from handlers.jobs import JOBS
from handlers.meetings.meeting_plan import ensure_plan_checks
from settings.schema import AppConfig
from storage.audience import NETWORK, Audience
from storage.models import Meeting, Outbox, Person
from tests.conftest import APP_YAML, START, BotHarness, Clock, shown
from tests.db_state import assert_refused, outbox, state

REGULAR = 'meeting schedule regular 14 Mar 2031 10:00 "Mid-year review" where IOM office'
STARTS = datetime(2031, 3, 14, 3, 0, tzinfo=UTC)  # 10:00 in Vientiane


def _meeting(bot: BotHarness, meeting_id: int = 1) -> Meeting:
    with bot.session() as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting


def _person_ids(bot: BotHarness, *codes: str) -> list[int]:
    with bot.session() as session:
        return [bot_id for code in codes
                for bot_id in session.exec(select(Person.id).where(
                    Person.name == f"{code} Focal Point")).all() if bot_id]


def _ics(bot: BotHarness, ref: str = "#1") -> Calendar:
    reply = bot.say(f"meeting ics {ref}")
    assert reply.ok, reply.text
    [attachment] = reply.files
    assert attachment.filename == f"meeting-{ref[1:]}.ics"
    assert attachment.mime == "text/calendar"
    return Calendar.from_ical(attachment.content)


def test_scheduling_stores_the_meeting_and_everything_due_for_it(bot: BotHarness) -> None:
    reply = bot.say("meeting schedule regular 14/03/2031 10:00 “Mid-year review” "
                    "where https://meet.example.org/network", as_="RCO")
    assert reply.ok and not reply.private
    assert reply.text.startswith('Scheduled meeting #1 "Mid-year review" '
                                 "(Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)).")
    assert "Agenda items close Tue 11 Mar 2031, 10:00 (Asia/Vientiane)." in reply.text
    meeting = _meeting(bot)
    assert (meeting.kind, meeting.title, meeting.starts_at, meeting.location, meeting.sequence) \
        == ("regular", "Mid-year review", STARTS, "https://meet.example.org/network", 0)
    [announced] = outbox(bot, "meeting.scheduled")
    assert (announced.due_at, announced.audience, announced.meeting_id) == (START, NETWORK, 1)
    assert "*New regular meeting: Mid-year review*" in shown(announced.payload["text"])
    assert "When: Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)" in announced.payload["text"]
    reminders = outbox(bot, "meeting.reminder")
    assert [r.due_at for r in reminders] == [STARTS - timedelta(days=7),
                                             STARTS - timedelta(days=1),
                                             STARTS - timedelta(hours=1)]
    assert "starts in 7 days" in reminders[0].payload["text"]
    assert "starts in 1 hour" in reminders[2].payload["text"]
    [deadline] = outbox(bot, "agenda.deadline")
    assert deadline.due_at == STARTS - timedelta(days=3)
    [overdue] = outbox(bot, "minutes.overdue")
    assert overdue.due_at == STARTS + timedelta(days=14)
    assert overdue.audience == Audience.of_people(_person_ids(bot, "IOM"))
    assert "were due Fri 28 Mar 2031, 10:00 (Asia/Vientiane)" in overdue.payload["text"]


def test_reminders_already_past_are_not_written(bot: BotHarness) -> None:
    assert bot.say('meeting schedule adhoc tomorrow 10:00 "Flood response"').ok
    starts = datetime(2031, 3, 4, 3, 0, tzinfo=UTC)
    assert [r.due_at for r in outbox(bot, "meeting.reminder")] == \
        [starts - timedelta(days=1), starts - timedelta(hours=1)]


def test_a_meeting_at_short_notice_gets_an_agenda_deadline_still_ahead(bot: BotHarness) -> None:
    """Tomorrow 10:00 is 25 hours away, closer than the usual 3 days: the agenda closes
    halfway, 12.5 hours from now (Mon 09:00 + 12:30 = 21:30), and is compiled then."""
    reply = bot.say('meeting schedule adhoc tomorrow 10:00 "Flood response"')
    assert "Agenda items close Mon 3 Mar 2031, 21:30 (Asia/Vientiane): sooner than the usual " \
           "3 days before the meeting, which starts in 1 day 1 hour. The compiled agenda goes " \
           "out then." in reply.text
    closes = datetime(2031, 3, 3, 14, 30, tzinfo=UTC)
    assert _meeting(bot).agenda_closes_at == closes
    assert [r.due_at for r in outbox(bot, "agenda.deadline")] == [closes]
    assert dict(bot.say("meeting show #1").fields)["Agenda deadline"] == \
        "Mon 3 Mar 2031, 21:30 (Asia/Vientiane)"
    added = bot.say("agenda add Flood damage assessment", as_="UNICEF")
    assert 'to meeting #1 "Flood response"' in added.text  # it takes items until then
    moved = bot.say("meeting move #1 tomorrow 09:00")  # 24 hours away: closes 12 hours on
    assert "Agenda items close Mon 3 Mar 2031, 21:00 (Asia/Vientiane): sooner" in moved.text
    assert [r.due_at for r in outbox(bot, "agenda.deadline")] == [closes - timedelta(minutes=30)]
    bot.clock.advance(hours=13)  # Mon 22:00: the agenda has closed
    longer = bot.say("meeting move #1 for 3h")  # a new length alone does not reopen it
    assert longer.text.endswith("Agenda items closed Mon 3 Mar 2031, 21:00 (Asia/Vientiane).")
    assert _meeting(bot).agenda_closes_at == closes - timedelta(minutes=30)
    later = bot.say("meeting move #1 20 Mar 2031 09:00")
    assert later.text.endswith("Agenda items close Mon 17 Mar 2031, 09:00 (Asia/Vientiane).")


def test_moving_replaces_the_reminders_and_announces_the_move(bot: BotHarness) -> None:
    bot.say(REGULAR)
    reply = bot.say("meeting move #1 21 Mar 2031 14:00")
    assert reply.ok
    assert 'Moved meeting #1 "Mid-year review" (Fri 21 Mar 2031, 14:00–16:00 (Asia/Vientiane)); ' \
           "it was Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)." in reply.text
    new = datetime(2031, 3, 21, 7, 0, tzinfo=UTC)
    meeting = _meeting(bot)
    assert (meeting.starts_at, meeting.sequence) == (new, 1)
    assert [r.due_at for r in outbox(bot, "meeting.reminder")] == [
        new - timedelta(days=7), new - timedelta(days=1), new - timedelta(hours=1)]
    assert [r.due_at for r in outbox(bot, "agenda.deadline")] == [new - timedelta(days=3)]
    assert [r.due_at for r in outbox(bot, "minutes.overdue")] == [new + timedelta(days=14)]
    assert len(outbox(bot, "meeting.reminder", status="cancelled")) == 3
    assert len(outbox(bot, "minutes.overdue", status="cancelled")) == 1
    [moved] = outbox(bot, "meeting.moved")
    assert moved.due_at == START and moved.audience == NETWORK
    assert "New time: Fri 21 Mar 2031, 14:00–16:00 (Asia/Vientiane)" in moved.payload["text"]
    assert "Was: Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)" in moved.payload["text"]


def test_cancelling_cancels_everything_due_and_announces_it(bot: BotHarness) -> None:
    bot.say(REGULAR)
    reply = bot.say("meeting cancel #1 The Chair is travelling", as_="RCO")
    assert reply.ok and "Cancelled meeting #1" in reply.text
    meeting = _meeting(bot)
    assert (meeting.status, meeting.cancel_reason, meeting.sequence) == \
        ("cancelled", "The Chair is travelling", 1)
    pending = outbox(bot)
    assert [r.kind for r in pending] == ["meeting.scheduled", "meeting.cancelled"]
    assert "Reason: The Chair is travelling" in pending[1].payload["text"]
    assert "meeting.cancelled" not in bot.say("meeting list").text
    assert "No meeting is scheduled" in bot.say("meeting list").text
    event = _ics(bot).walk("VEVENT")[0]
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 1)


def test_the_calendar_file_keeps_its_uid_and_counts_changes(bot: BotHarness) -> None:
    bot.say(REGULAR)
    calendar = _ics(bot)
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Vientiane"
    event = calendar.walk("VEVENT")[0]
    uid = str(event["UID"])
    assert event.decoded("DTSTART") == STARTS
    assert event.to_ical().decode().count("DTSTART:20310314T030000Z") == 1
    assert (int(event["SEQUENCE"]), str(event["STATUS"]), str(event["LOCATION"])) == \
        (0, "CONFIRMED", "IOM office")
    assert "Local time: Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)" in str(event["DESCRIPTION"])
    bot.say("meeting move #1 15 Mar 2031 10:00")
    bot.say("meeting move #1 16 Mar 2031 10:00")
    moved = _ics(bot).walk("VEVENT")[0]
    assert (str(moved["UID"]), int(moved["SEQUENCE"])) == (uid, 2)
    assert moved.decoded("DTSTART") == datetime(2031, 3, 16, 3, 0, tzinfo=UTC)


def test_meeting_list_and_show(bot: BotHarness, clock: Clock) -> None:
    bot.say(REGULAR)
    bot.say('meeting schedule adhoc 5 Mar 2031 14:00 "Flood response"')
    bot.say('meeting schedule wg:labour-migration 20 Mar 2031 09:30 "WG review"', as_="ILO")
    bot.say("agenda add Labour migration assessment for #1")
    bot.say("agenda add Recruitment fees study for #1", as_="ILO")
    listing = bot.say("meeting list", as_="WHO").text.splitlines()
    assert listing == [
        "#2 Wed 5 Mar 2031, 14:00–16:00 (Asia/Vientiane) — Flood response (ad-hoc meeting; "
        "0 agenda items)",
        "#1 Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane) — Mid-year review (regular meeting; "
        "2 agenda items)",
        "#3 Thu 20 Mar 2031, 09:30–11:30 (Asia/Vientiane) — WG review (labour-migration "
        "working group meeting; 0 agenda items)",
    ]
    shown = dict(bot.say("meeting show #1", as_="WHO").fields)
    assert shown["When"] == "Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)"
    assert shown["Length"] == "2 hours"
    assert (shown["Where"], shown["Agenda items"], shown["Status"]) == ("IOM office", "2",
                                                                        "scheduled")
    clock.advance(days=3)
    assert [line[:2] for line in bot.say("meeting list").text.splitlines()] == ["#1", "#3"]


def test_working_group_chairs_schedule_and_change_their_groups_meetings(
    bot: BotHarness
) -> None:
    assert bot.say('meeting schedule wg:labour-migration 20 Mar 2031 09:30 "WG review"',
                   as_="ILO").ok
    assert bot.say(REGULAR).ok
    assert bot.say("meeting move #1 21 Mar 2031 09:30", as_="ILO").ok
    refused = bot.say("meeting move #2 21 Mar 2031 09:30", as_="ILO")
    assert not refused.ok and "Only the organisers of meeting #2" in refused.text
    assert _meeting(bot, 2).starts_at == STARTS


@pytest.mark.parametrize(("who", "line", "problem"), [
    ("WHO", REGULAR, "Only the Chair or the Secretariat may schedule a regular meeting."),
    ("ILO", REGULAR, "Only the Chair or the Secretariat may schedule"),
    ("UNICEF", 'meeting schedule wg:labour-migration 20 Mar 2031 09:30 "WG"',
     "Only the Chair, the Secretariat or the chairs of labour-migration may schedule"),
    ("IOM", 'meeting schedule wg:fisheries 20 Mar 2031 09:30 "WG"',
     "There is no working group 'fisheries'"),
    ("IOM", 'meeting schedule weekly 20 Mar 2031 09:30 "WG"', "Say which kind of meeting"),
    ("IOM", "meeting schedule regular 14 Mar 2031 10:00 Mid-year review",
     "Put the meeting's title in quotes"),
    ("IOM", 'meeting schedule regular "Mid-year review"', "Say when the meeting starts"),
    ("IOM", 'meeting schedule regular tomorrow at 9 "Review"', "Which time did you mean by 'at 9'"),
    ("IOM", 'meeting schedule regular 14 March "Review"', "'14 March' has no time of day"),
    ("IOM", 'meeting schedule regular 1 Jan 2030 10:00 "Review"', "is in the past"),
    ("IOM", 'meeting schedule regular 14 Mar 2031 10:00 ""', "The title is empty"),
    ("IOM", f'meeting schedule regular 14 Mar 2031 10:00 "{"x" * 301}"',
     "The title is 301 characters long; the limit is 300"),
    ("IOM", 'meeting schedule regular 14 Mar 2031 10:00 "Review" at IOM',
     "I did not understand 'at IOM' after the title"),
    ("IOM", "meeting move #9 21 Mar 2031 10:00", "There is no meeting #9"),
    ("IOM", "meeting move 1 21 Mar 2031 10:00", "'1' is not a meeting number"),
    ("IOM", "meeting move #1 14 Mar 2031 10:00", "Meeting #1 is already at Fri 14 Mar 2031"),
    ("IOM", "meeting move #1 tomorrow", "'tomorrow' has no time of day"),
    ("WHO", "meeting move #1 21 Mar 2031 10:00", "Only the organisers of meeting #1"),
    ("WHO", "meeting cancel #1", "Only the organisers of meeting #1"),
    ("IOM", "meeting cancel #2", "Meeting #2 was cancelled"),
    ("IOM", "meeting show #7", "There is no meeting #7"),
    ("IOM", "meeting ics first", "'first' is not a meeting number"),
])
def test_refusals_say_why_and_change_nothing(
    bot: BotHarness, who: str, line: str, problem: str
) -> None:
    bot.say(REGULAR)
    bot.say('meeting schedule adhoc 5 Mar 2031 14:00 "Flood response"')
    bot.say("meeting cancel #2")
    assert_refused(bot, line, problem, as_=who)


def test_a_meeting_that_started_cannot_be_moved(bot: BotHarness, clock: Clock) -> None:
    bot.say('meeting schedule adhoc tomorrow 10:00 "Flood response"')
    clock.advance(days=2)
    before = state(bot)
    reply = bot.say("meeting move #1 21 Mar 2031 10:00")
    assert not reply.ok and "has already started (Tue 4 Mar 2031, 10:00" in reply.text
    assert state(bot) == before


def test_lao_titles_and_places_survive(bot: BotHarness) -> None:
    title = "ກອງປະຊຸມເຄືອຂ່າຍ ປະຈຳປີ"
    place = "ຫ້ອງປະຊຸມ ອົງການ IOM, ນະຄອນຫຼວງວຽງຈັນ " * 10
    assert bot.say(f'meeting schedule regular 14 Mar 2031 10:00 "{title}" where {place}').ok
    assert (_meeting(bot).title, _meeting(bot).location) == (title, place.strip())
    event = _ics(bot).walk("VEVENT")[0]
    assert (str(event["SUMMARY"]), str(event["LOCATION"])) == (title, place.strip())


def _zurich(config: AppConfig) -> AppConfig:
    network = config.network.model_copy(update={"timezone": "Europe/Zurich"})
    return config.model_copy(update={"network": network})


def test_a_network_in_a_zone_with_daylight_saving(bot: BotHarness, config: AppConfig) -> None:
    zurich = BotHarness(bot.engine, _zurich(config), bot.clock)
    winter = zurich.say('meeting schedule regular 27 Mar 2031 10:00 "Before the change"')
    summer = zurich.say('meeting schedule adhoc 31 Mar 2031 10:00 "After the change"')
    assert "(Thu 27 Mar 2031, 10:00–12:00 (Europe/Zurich))" in winter.text
    assert "(Mon 31 Mar 2031, 10:00–12:00 (Europe/Zurich))" in summer.text
    assert _meeting(bot, 1).starts_at == datetime(2031, 3, 27, 9, 0, tzinfo=UTC)  # CET
    assert _meeting(bot, 2).starts_at == datetime(2031, 3, 31, 8, 0, tzinfo=UTC)  # CEST
    calendar = _ics(zurich, "#2")
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Zurich"
    assert calendar.walk("VEVENT")[0].decoded("DTSTART") == datetime(2031, 3, 31, 8, 0,
                                                                      tzinfo=UTC)
    assert "Mon 31 Mar 2031, 10:00–12:00 (Europe/Zurich)" in zurich.say("meeting list").text
    # The same instant, shown to the network in Vientiane.
    assert "Mon 31 Mar 2031, 15:00–17:00 (Asia/Vientiane)" in bot.say("meeting list").text
    moved = zurich.say("meeting move #1 29 Mar 2031 09:00 UTC")
    assert "(Sat 29 Mar 2031, 10:00–12:00 (Europe/Zurich))" in moved.text


def _check_rows(bot: BotHarness) -> list[Outbox]:
    return outbox(bot, "meetings.plan_check", status=None)


def test_plan_checks_are_queued_once(bot: BotHarness) -> None:
    for _ in range(2):
        with bot.session() as session:
            ensure_plan_checks(session, bot.config, START)
            session.commit()
    [check] = _check_rows(bot)
    assert check.due_at == datetime(2031, 5, 1, 2, 0, tzinfo=UTC)  # 1 May, 09:00 Vientiane
    with bot.session() as session:
        ensure_plan_checks(session, bot.config, datetime(2031, 6, 1, tzinfo=UTC))
        session.commit()
    assert [r.due_at for r in _check_rows(bot)] == [
        datetime(2031, 5, 1, 2, 0, tzinfo=UTC), datetime(2031, 11, 1, 2, 0, tzinfo=UTC)]


def _run_due_check(bot: BotHarness, config: AppConfig, now: datetime | None = None) -> None:
    """Run the check that is due, on time or (``now``) late."""
    [row] = outbox(bot, "meetings.plan_check")
    with bot.session() as session:
        row = session.get(Outbox, row.id)
        JOBS[row.kind](Scope(session, config, now or row.due_at), row)
        row.status = "sent"
        session.add(row)
        session.commit()


def test_the_plan_check_nudges_chair_and_secretariat_without_a_regular_meeting(
    bot: BotHarness, config: AppConfig
) -> None:
    bot.say('meeting schedule adhoc 5 May 2031 14:00 "Not a regular meeting"')
    with bot.session() as session:
        ensure_plan_checks(session, config, START)
        session.commit()
    _run_due_check(bot, config)
    [nudge] = outbox(bot, "meetings.plan_nudge")
    assert nudge.audience == Audience.of_people(_person_ids(bot, "RCO", "IOM"))
    assert "*No regular meeting is scheduled for January to June 2031*" in \
        shown(nudge.payload["text"])
    assert "and January to June 2031 ends 30 Jun 2031." in nudge.payload["text"]
    assert 'meeting schedule regular 22 May 2031 10:00 "Regular meeting' in nudge.payload["text"]
    assert [r.due_at for r in outbox(bot, "meetings.plan_check")] == [
        datetime(2031, 11, 1, 2, 0, tzinfo=UTC)]


def test_a_plan_check_run_after_its_half_year_is_a_note_for_the_record(
    bot: BotHarness, config: AppConfig
) -> None:
    """The check due 1 May 2031 runs on 1 Aug 2031 (the bot was down): January to June is
    over, so nothing can be scheduled in it any more."""
    with bot.session() as session:
        ensure_plan_checks(session, config, START)
        session.commit()
    _run_due_check(bot, config, now=datetime(2031, 8, 1, 2, 0, tzinfo=UTC))
    assert outbox(bot, "meetings.plan_nudge") == []
    [note] = outbox(bot, "meetings.plan_note")
    assert note.audience == Audience.of_people(_person_ids(bot, "RCO", "IOM"))
    text = shown(note.payload["text"])
    assert text.startswith("*For the record: no regular meeting was held in January to June "
                           "2031*\nJanuary to June 2031 ended 30 Jun 2031.")
    assert "this check was due 1 May 2031 and could only run 1 Aug 2031" in text
    assert "meeting plan 2031" in text and "schedule" not in text
    assert [r.due_at for r in outbox(bot, "meetings.plan_check")] == [
        datetime(2031, 11, 1, 2, 0, tzinfo=UTC)]


def test_a_late_plan_check_within_its_half_year_suggests_a_day_still_in_it(
    bot: BotHarness, config: AppConfig
) -> None:
    """Run on Fri 20 Jun 2031, three weeks on would be July: the example is Mon 30 Jun."""
    with bot.session() as session:
        ensure_plan_checks(session, config, START)
        session.commit()
    _run_due_check(bot, config, now=datetime(2031, 6, 20, 2, 0, tzinfo=UTC))
    [nudge] = outbox(bot, "meetings.plan_nudge")
    assert 'meeting schedule regular 30 Jun 2031 10:00 "Regular meeting' in nudge.payload["text"]


def test_the_autumn_check_suggests_a_weekday(bot: BotHarness, config: AppConfig) -> None:
    """1 Nov 2031 + 3 weeks is Sat 22 Nov 2031: the example is the Friday before."""
    with bot.session() as session:
        ensure_plan_checks(session, config, datetime(2031, 6, 1, tzinfo=UTC))
        session.commit()
    _run_due_check(bot, config)
    [nudge] = outbox(bot, "meetings.plan_nudge")
    assert "July to December 2031 ends 31 Dec 2031." in nudge.payload["text"]
    assert 'meeting schedule regular 21 Nov 2031 10:00 "Regular meeting' in nudge.payload["text"]


def test_the_plan_check_is_quiet_when_a_regular_meeting_is_scheduled(
    bot: BotHarness, config: AppConfig
) -> None:
    bot.say('meeting schedule regular 12 Jun 2031 10:00 "Mid-year review"')
    with bot.session() as session:
        ensure_plan_checks(session, config, START)
        session.commit()
    _run_due_check(bot, config)
    assert outbox(bot, "meetings.plan_nudge") == []
    assert len(outbox(bot, "meetings.plan_check")) == 1


def test_meeting_plan_counts_held_and_scheduled_per_half_year(
    bot: BotHarness, clock: Clock
) -> None:
    bot.say('meeting schedule regular tomorrow 10:00 "Annual planning"')
    bot.say('meeting schedule regular 11 Sep 2031 10:00 "Year-end review"')
    bot.say('meeting schedule adhoc 12 Sep 2031 10:00 "Not counted"')
    clock.advance(days=2)
    text = shown(bot.say("meeting plan", as_="WHO"))
    assert "*January to June 2031*: 1 held, 0 scheduled" in text
    assert "#1 Tue 4 Mar 2031, 10:00–12:00 (Asia/Vientiane) — Annual planning (held)" in text
    assert "*July to December 2031*: 0 held, 1 scheduled" in text
    assert "Not counted" not in text
    assert "2031: 2 of 2 regular meetings a year." in text


def test_meeting_plan_shows_the_year_asked_for(bot: BotHarness) -> None:
    bot.say('meeting schedule regular 11 Mar 2032 10:00 "Next year\'s review"')
    bot.say('meeting schedule regular 12 Mar 2031 10:00 "This year\'s review"')
    reply = bot.say("meeting plan 2032", as_="WHO")
    text = shown(reply)
    assert reply.title == "Meeting plan 2032"
    assert "*January to June 2032*: 0 held, 1 scheduled" in text
    assert "#1 Thu 11 Mar 2032, 10:00–12:00 (Asia/Vientiane) — Next year's review" in text
    assert "This year's review" not in text
    assert "2032: 1 of 2 regular meetings a year." in text
    assert "This year's review" in bot.say("meeting plan", as_="WHO").text
    assert_refused(bot, "meeting plan next", "'next' is not a year.")


def test_opening_the_app_queues_the_plan_check(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'network.db'}"
    for _ in range(2):
        app = open_app(APP_YAML, url, Clock())
    with BotHarness(app.engine, app.config, Clock()).session() as session:
        rows = session.exec(select(Outbox).where(Outbox.kind == "meetings.plan_check")).all()
    assert [r.due_at for r in rows] == [datetime(2031, 5, 1, 2, 0, tzinfo=UTC)]
    app.engine.dispose()


def test_help_documents_every_meeting_and_agenda_verb(bot: BotHarness) -> None:
    overview = shown(bot.say("help"))
    for usage in ("meeting schedule regular|adhoc|wg:<slug> <when>", "meeting list",
                  "meeting show #N", "meeting move #N <when>", "meeting cancel #N [reason]",
                  "meeting ics #N", "meeting plan [year]",
                  "agenda add <text> [#obj1 ... #obj23] [for #N]", "agenda list [#N]",
                  "agenda withdraw #I", "agenda accept #I",
                  "agenda defer #I", "agenda order #I <position>", "agenda publish #N"):
        assert f"*{usage}" in overview
    readme = (APP_YAML.parent / "README.md").read_text(encoding="utf-8")
    for verb in ("meeting schedule", "meeting list", "meeting show", "meeting move",
                 "meeting cancel", "meeting ics", "meeting plan", "agenda list",
                 "agenda withdraw", "agenda accept", "agenda defer", "agenda order",
                 "agenda publish"):
        assert f"\n{verb} " in readme


def test_overlaps_and_weekends_are_noted_but_the_meeting_is_scheduled(bot: BotHarness) -> None:
    """14 Mar 2031 is a Friday, 15 Mar a Saturday and 16 Mar a Sunday (any calendar)."""
    bot.say(REGULAR)  # Fri 14 Mar, 10:00-12:00
    overlapping = bot.say('meeting schedule wg:labour-migration 14/03/2031 11:30 "WG review"',
                          as_="ILO")
    assert overlapping.ok
    assert 'Note: it overlaps meeting #1 "Mid-year review" (Fri 14 Mar 2031, 10:00–12:00 ' \
           "(Asia/Vientiane))." in overlapping.text.splitlines()
    assert _meeting(bot, 2).starts_at == datetime(2031, 3, 14, 4, 30, tzinfo=UTC)
    after = bot.say('meeting schedule adhoc 14/03/2031 13:30-14:00 "Right after"')
    assert "Note:" not in after.text  # meeting #2 ends at 13:30
    weekend = bot.say('meeting schedule adhoc 15/03/2031 09:00 "Saturday session"')
    assert weekend.ok and _meeting(bot, 4).starts_at == datetime(2031, 3, 15, 2, 0, tzinfo=UTC)
    assert "Note: 15 Mar 2031 is a Saturday, a weekend day in Asia/Vientiane." in weekend.text
    moved = bot.say("meeting move #1 16 Mar 2031 08:00")
    assert moved.ok
    assert "Note: 16 Mar 2031 is a Sunday, a weekend day in Asia/Vientiane." in moved.text
    assert "Note: it overlaps" not in moved.text
    late = bot.say('meeting schedule adhoc 14/03/2031 20:00 for 6h "Through the night"')
    assert "Note: 15 Mar 2031 is a Saturday" in late.text  # it ends on the Saturday
    assert "Note: 14 Mar" not in late.text
    bot.say("meeting cancel #4")
    assert "Note: it overlaps" not in bot.say(
        'meeting schedule adhoc 15/03/2031 09:00 "Instead"').text  # #4 was cancelled
