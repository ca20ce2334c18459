"""A corpus of date phrases as members of a UN office type them, with expectations worked out
by hand: every expected instant is a literal wall-clock time converted by zoneinfo, never by
``handlers.dates`` (and dateparser is not involved). The reference for offsets and for the
nights clocks change is the IANA tz database (through zoneinfo/tzdata), not our code; weekdays
were checked against Python's calendar. The fixed "now"s are chosen where calendars
disagree: late evening and early morning in Vientiane (when UTC is still on the day before),
month and year ends, a leap day, and the nights Europe/Paris changes its clocks.

An expectation is the UTC instant to store, or ``Refused(part)``: the reply must contain
``part`` and give an example that the bot itself reads as a date.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.core import UserError
from handlers.dates import EXAMPLE, understand_when
from storage.models import ActionItem
from tests.conftest import BotHarness
from tests.db_state import assert_refused
from tests.meeting_rows import held_meeting

VIENTIANE = ZoneInfo("Asia/Vientiane")
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def at(year: int, month: int, day: int, hour: int, minute: int,
       zone: ZoneInfo = VIENTIANE) -> datetime:
    """A wall-clock time in ``zone``, as the UTC instant (zoneinfo's arithmetic)."""
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Refused:
    part: str


EVENING = at(2031, 12, 2, 23, 30)  # Tue 2 Dec 2031, 23:30 in Vientiane (16:30 UTC)
EARLY = at(2031, 12, 3, 0, 30)  # Wed 3 Dec, 00:30 in Vientiane; still Tue 2 Dec in UTC
NIGHT = at(2031, 12, 3, 2, 30)  # Wed 3 Dec, 02:30 in Vientiane (19:30 UTC on the 2nd)
MONTH_END = at(2031, 1, 31, 10, 0)  # Fri 31 Jan 2031
WEDNESDAY = at(2031, 3, 5, 9, 0)  # Wed 5 Mar 2031
YEAR_END = at(2031, 12, 31, 23, 30)  # Wed 31 Dec 2031, 23:30
LEAP_DAY = at(2032, 2, 29, 9, 0)  # Sun 29 Feb 2032
BEFORE_AUTUMN = at(2031, 10, 24, 9, 0)  # Fri 24 Oct; Paris goes back from 03:00 to 02:00 on 26th
BEFORE_SPRING = at(2031, 3, 28, 9, 0)  # Fri 28 Mar; Paris skips from 02:00 to 03:00 on 30th

CORPUS: list[tuple[datetime, str, datetime | Refused]] = [
    # 1. a missing day or month is never filled in from today
    (EVENING, "March 2032 10:00", Refused("does not say which day")),
    (EVENING, "2032 10:00", Refused("does not say which day")),
    (EVENING, "03/2032 10:00", Refused("does not say which day")),
    (EVENING, "on the 14th 10:00", Refused("does not say which day")),
    (EVENING, "10:00", Refused("does not say which day")),
    (EVENING, "10:00 UTC", Refused("does not say which day")),
    (EVENING, "10h30", Refused("does not say which day")),
    (EVENING, "next year 10:00", Refused("does not say which day")),
    (EVENING, "14 Mar 10:00", at(2032, 3, 14, 10, 0)),  # no year: the next 14 Mar, 3 months on
    (EVENING, "2 Dec 23:45", at(2031, 12, 2, 23, 45)),  # no year: today counts
    (EVENING, "1 Dec 10:00", Refused("has no year and is more than six months ahead")),
    (MONTH_END, "1 Feb 10:00", at(2031, 2, 1, 10, 0)),
    (YEAR_END, "1 Jan 09:00", at(2032, 1, 1, 9, 0)),
    (LEAP_DAY, "29 Feb 10:00", at(2032, 2, 29, 10, 0)),
    (MONTH_END, "29 Feb 10:00", Refused("has no year")),
    # 2. month arithmetic keeps the day of the month, and refuses a day the month lacks
    (EVENING, "in 2 months 10:00", at(2032, 2, 2, 10, 0)),
    (EARLY, "in 2 months 10:00", at(2032, 2, 3, 10, 0)),
    (EVENING, "in 3 weeks 10:00", at(2031, 12, 23, 10, 0)),
    (EVENING, "in 2 days 09:00", at(2031, 12, 4, 9, 0)),
    (EARLY, "in 1 day 08:00", at(2031, 12, 4, 8, 0)),
    (MONTH_END, "in 1 month 10:00", Refused("31 Feb 2031 does not exist")),
    (MONTH_END, "in a month 10:00", Refused("'Fri 28 Feb 2031 10:00' or 'Sat 1 Mar 2031 10:00'")),
    (MONTH_END, "in 2 months 10:00", at(2031, 3, 31, 10, 0)),
    (MONTH_END, "in 3 months 10:00", Refused("31 Apr 2031 does not exist")),
    (MONTH_END, "in 1 year 10:00", at(2032, 1, 31, 10, 0)),
    (MONTH_END, "in 4 weeks 10:00", at(2031, 2, 28, 10, 0)),
    (LEAP_DAY, "in 1 month 10:00", at(2032, 3, 29, 10, 0)),
    (LEAP_DAY, "in 1 year 10:00", Refused("29 Feb 2033 does not exist")),
    (YEAR_END, "in 1 month 10:00", at(2032, 1, 31, 10, 0)),
    (YEAR_END, "in 2 months 10:00", Refused("31 Feb 2032 does not exist")),
    (EVENING, "in 2 hours", utc(2031, 12, 2, 18, 30)),
    (EVENING, "in 90 minutes", utc(2031, 12, 2, 18, 0)),
    (NIGHT, "in 2 hours", utc(2031, 12, 2, 21, 30)),
    (EVENING, "in two hours 10:00", Refused("more than one time of day")),
    # 3. today and tomorrow are the network's days, whatever zone the time is given in
    (EVENING, "tomorrow 10:00", at(2031, 12, 3, 10, 0)),
    (EVENING, "today 23:45", at(2031, 12, 2, 23, 45)),
    (EVENING, "today 23:00", Refused("is in the past")),
    (EVENING, "tomorrow 10:00 UTC", utc(2031, 12, 3, 10, 0)),
    (EVENING, "today 17:00 UTC", utc(2031, 12, 2, 17, 0)),
    (EARLY, "tomorrow 10:00", at(2031, 12, 4, 10, 0)),
    (EARLY, "today 10:00", at(2031, 12, 3, 10, 0)),
    (EARLY, "tomorrow 10:00 UTC", utc(2031, 12, 4, 10, 0)),
    (EARLY, "today 10:00 UTC", utc(2031, 12, 3, 10, 0)),
    (EARLY, "today 00:15", Refused("is in the past")),
    (EARLY, "3 Dec 09:00", at(2031, 12, 3, 9, 0)),
    (NIGHT, "tomorrow 10:00 UTC", utc(2031, 12, 4, 10, 0)),
    (NIGHT, "tomorrow 01:00 Europe/Paris", at(2031, 12, 4, 1, 0, PARIS)),
    (NIGHT, "today 23:00 America/New_York", at(2031, 12, 3, 23, 0, NEW_YORK)),
    (EVENING, "the day after tomorrow 10:00", at(2031, 12, 4, 10, 0)),
    (YEAR_END, "tomorrow 09:00", at(2032, 1, 1, 9, 0)),
    (YEAR_END, "today 23:59", at(2031, 12, 31, 23, 59)),
    (EVENING, "yesterday 10:00", Refused("is in the past")),
    (EVENING, "3 days ago 10:00", Refused("is in the past")),
    # 4. a phrase naming no single day; weekdays
    (EVENING, "next week 10:00", Refused("does not say which day")),
    (EVENING, "next month 10:00", Refused("does not say which day")),
    (EVENING, "Friday 10:00", at(2031, 12, 5, 10, 0)),
    (EVENING, "this Friday 10:00", at(2031, 12, 5, 10, 0)),
    (EVENING, "next Friday 10:00", Refused("can be Fri 5 Dec 2031 or Fri 12 Dec 2031")),
    (EVENING, "next Monday 10:00", at(2031, 12, 8, 10, 0)),
    (EVENING, "next Wednesday 10:00", Refused("can be Wed 3 Dec 2031 or Wed 10 Dec 2031")),
    (EVENING, "this Monday 10:00", Refused("was Mon 1 Dec 2031, which is past")),
    (EVENING, "Tuesday 10:00", Refused("Today is a Tuesday")),
    (EVENING, "Tuesday next week 10:00", at(2031, 12, 9, 10, 0)),
    (EVENING, "next week Friday 14:00", at(2031, 12, 12, 14, 0)),
    (EVENING, "a week from today 10:00", at(2031, 12, 9, 10, 0)),
    (EVENING, "a week from tomorrow 10:00", at(2031, 12, 10, 10, 0)),
    (EVENING, "2 weeks from today 10:00", at(2031, 12, 16, 10, 0)),
    (EARLY, "Friday 09:00", at(2031, 12, 5, 9, 0)),
    (EARLY, "next Friday 09:00", Refused("can be Fri 5 Dec 2031 or Fri 12 Dec 2031")),
    (NIGHT, "Wednesday 10:00", Refused("Today is a Wednesday")),
    (MONTH_END, "next Friday 10:00", at(2031, 2, 7, 10, 0)),
    (MONTH_END, "this Friday 15:00", at(2031, 1, 31, 15, 0)),
    (MONTH_END, "Friday 15:00", Refused("Today is a Friday")),
    (WEDNESDAY, "next Friday 10:00", Refused("can be Fri 7 Mar 2031 or Fri 14 Mar 2031")),
    (WEDNESDAY, "Friday next week 10:00", at(2031, 3, 14, 10, 0)),
    (WEDNESDAY, "Friday this week 10:00", at(2031, 3, 7, 10, 0)),
    (WEDNESDAY, "coming Friday 10:00", at(2031, 3, 7, 10, 0)),
    (WEDNESDAY, "on Friday at 10:00", at(2031, 3, 7, 10, 0)),
    (WEDNESDAY, "next Tuesday 10:00", at(2031, 3, 11, 10, 0)),
    (WEDNESDAY, "Monday this week 10:00", Refused("is in the past")),
    (LEAP_DAY, "next Monday 10:00", Refused("can be Mon 1 Mar 2032 or Mon 8 Mar 2032")),
    (LEAP_DAY, "Monday 10:00", at(2032, 3, 1, 10, 0)),
    (LEAP_DAY, "Monday next week 10:00", at(2032, 3, 1, 10, 0)),
    # 5. day first; month first is refused with the day-first spelling
    (EVENING, "3/14/2032 10:00", Refused("reads month first; dates are written day first here: "
                                         "14/03/2032")),
    (EVENING, "12/31/2031 10:00", Refused("day first here: 31/12/2031")),
    (EVENING, "03/04/2032 10:00", at(2032, 4, 3, 10, 0)),
    (EVENING, "14/03/2032 10:00", at(2032, 3, 14, 10, 0)),
    (EVENING, "14.03.2032 10:00", at(2032, 3, 14, 10, 0)),
    (EVENING, "14-03-2032 10:00", at(2032, 3, 14, 10, 0)),
    (EVENING, "14/03/32 10:00", Refused("Write the year in full")),
    (EVENING, "31/02/2032 10:00", Refused("is it a real date, written day first?")),
    (MONTH_END, "29/02/2031 10:00", Refused("is it a real date")),
    (EVENING, "March 14 2032 10:00", at(2032, 3, 14, 10, 0)),  # a month's name is unambiguous
    (EVENING, "14th of March 2032 10:00", at(2032, 3, 14, 10, 0)),
    (EVENING, "Sun 14/03 10:00", at(2032, 3, 14, 10, 0)),
    (EVENING, "Tue 14/03 10:00", Refused("14 Mar 2032 is a Sunday, not a Tuesday")),
    (EVENING, "Sunday 14 March 2032, 10:00", at(2032, 3, 14, 10, 0)),
    # 6. the hour a daylight-saving change repeats or skips
    (BEFORE_AUTUMN, "26/10/2031 02:30 Europe/Paris", Refused("happens twice in Europe/Paris")),
    (BEFORE_AUTUMN, "Sunday 02:30 Europe/Paris", Refused("happens twice in Europe/Paris")),
    (BEFORE_AUTUMN, "26/10/2031 02:30 +02:00", utc(2031, 10, 26, 0, 30)),
    (BEFORE_AUTUMN, "26/10/2031 02:30 +01:00", utc(2031, 10, 26, 1, 30)),
    (BEFORE_AUTUMN, "26/10/2031 01:30 Europe/Paris", utc(2031, 10, 25, 23, 30)),
    (BEFORE_AUTUMN, "26/10/2031 03:30 Europe/Paris", utc(2031, 10, 26, 2, 30)),
    (BEFORE_AUTUMN, "26 Oct 2031 02:30", at(2031, 10, 26, 2, 30)),  # Vientiane has no DST
    (BEFORE_SPRING, "30/03/2031 02:30 Europe/Paris", Refused("does not exist in Europe/Paris")),
    (BEFORE_SPRING, "30/03/2031 03:30 Europe/Paris", utc(2031, 3, 30, 1, 30)),
    (BEFORE_SPRING, "Sunday 01:30 Europe/Paris", utc(2031, 3, 30, 0, 30)),
    # 7. clear forms
    (EVENING, "2032-03-14 10:00", at(2032, 3, 14, 10, 0)),
    (EVENING, "2032-03-14T10:00", at(2032, 3, 14, 10, 0)),
    (EVENING, "2032-03-14T10:00Z", utc(2032, 3, 14, 10, 0)),
    (EVENING, "2032-03-14T10:00+07:00", at(2032, 3, 14, 10, 0)),
    (EVENING, "2032-03-14T10:00:00+01:00", utc(2032, 3, 14, 9, 0)),
    (EVENING, "14 Mar 2032 10:00 ICT", at(2032, 3, 14, 10, 0)),
    (EVENING, "14 Mar 2032 10:00 +07:00", at(2032, 3, 14, 10, 0)),
    (EVENING, "14 Mar 2032 10:00 UTC+7", at(2032, 3, 14, 10, 0)),
    (EVENING, "14 Mar 2032 10:00 Etc/GMT-7", at(2032, 3, 14, 10, 0)),  # POSIX sign: UTC+7
    (EVENING, "14 Mar 2032 10:00 Etc/GMT+5", utc(2032, 3, 14, 15, 0)),
    (EVENING, "14 Mar 2032 10:00 asia/vientiane", at(2032, 3, 14, 10, 0)),
    (EVENING, "14 Mar 2032 10:00 EST", Refused("America/New_York")),
    (EVENING, "14 Mar 2032 10:00 CST", Refused("America/Chicago")),
    (EVENING, "14 Mar 2032 10:00 IST", Refused("Asia/Kolkata")),
    (EVENING, "14 Mar 2032 10:00 CET", Refused("Europe/Paris")),
    (EVENING, "14 Mar 2032 10:00 pst", Refused("'pst' can mean more than one zone")),
    (EVENING, "14 Mar 2032 10:00 UTC Europe/Paris", Refused("more than one time zone")),
    (EVENING, "14 Mar 2032 10h30", at(2032, 3, 14, 10, 30)),
    (EVENING, "tomorrow 10h", at(2031, 12, 3, 10, 0)),
    (EVENING, "noon tomorrow", at(2031, 12, 3, 12, 0)),
    (EVENING, "tomorrow 10am", at(2031, 12, 3, 10, 0)),
    (EVENING, "tomorrow 12am", at(2031, 12, 3, 0, 0)),
    (EVENING, "tomorrow 12pm", at(2031, 12, 3, 12, 0)),
    (EVENING, "tomorrow 2:30 p.m.", at(2031, 12, 3, 14, 30)),
    (EVENING, "tomorrow 10:00:00", at(2031, 12, 3, 10, 0)),
    (EVENING, "tomorrow 10:00:30", Refused("times are to the minute")),
    (EVENING, "2032-03-14T10:00:00.000Z", utc(2032, 3, 14, 10, 0)),
    (EVENING, "14 Mar 2032 10:00 hrs", at(2032, 3, 14, 10, 0)),
    (EVENING, "14 Mar 2032 1430hrs", at(2032, 3, 14, 14, 30)),
    (EVENING, "14 Mar 2032 1430", Refused("is it a real date")),
    (EVENING, "tomorrow 10:00 Europe/Paris", at(2031, 12, 3, 10, 0, PARIS)),
    (EVENING, "midnight", Refused("can be the start or the end of a day")),
    (EVENING, "tomorrow midnight", Refused("can be the start or the end of a day")),
    (EVENING, "tomorrow at 9", Refused("Which time did you mean by 'at 9'")),
    (EVENING, "tomorrow at 9 am", at(2031, 12, 3, 9, 0)),
    (EVENING, "tonight 23:45", at(2031, 12, 2, 23, 45)),
    (EVENING, "tonight 01:00", Refused("needs an evening time")),
    (EVENING, "tomorrow", Refused("has no time of day")),
    (EVENING, "yesterday", Refused("Mon 1 Dec 2031 is in the past")),
    # 8. errors name what was written
    (EVENING, "ເດືອນມີນາ 10:00", Refused("I did not understand 'ເດືອນມີນາ'")),
    (EVENING, "14 ມີນາ 2032 10:00", Refused("I did not understand 'ມີນາ'")),
    (EVENING, "14 Mar 2032 10:00 Mars/Olympus",
     Refused("I don't know the time zone 'Mars/Olympus'")),
    (EVENING, "blah 14 March 2032 10:00", Refused("I did not understand 'blah'")),
    (EVENING, "tomorrow afternoon", Refused("I did not understand 'afternoon'")),
]

DUE_DATES: list[tuple[datetime, str, datetime | Refused]] = [
    (MONTH_END, "tomorrow", at(2031, 2, 1, 23, 59)),
    (MONTH_END, "yesterday", Refused("is in the past")),
    (EVENING, "today", at(2031, 12, 2, 23, 59)),
    (EARLY, "today", at(2031, 12, 3, 23, 59)),
    (EVENING, "14 Mar", at(2032, 3, 14, 23, 59)),
    (EVENING, "next week", Refused("does not say which day")),
    (EVENING, "March 2032", Refused("does not say which day")),
    (EVENING, "3/14/2032", Refused("day first here: 14/03/2032")),
]


def test_the_corpus_has_at_least_a_hundred_phrases() -> None:
    assert len(CORPUS) + len(DUE_DATES) >= 100


def check(now: datetime, phrase: str, expected: datetime | Refused, require_time: bool) -> None:
    if isinstance(expected, Refused):
        with pytest.raises(UserError) as raised:
            understand_when(phrase, zone=VIENTIANE, now=now, require_time=require_time)
        assert expected.part in raised.value.problem
        example = raised.value.example
        assert example
        # The example is itself understood (the generic one is in 2031, so read from 2030).
        understand_when(example, zone=VIENTIANE, require_time=require_time,
                        now=datetime(2030, 1, 1, tzinfo=UTC) if example.startswith(EXAMPLE)
                        else now)
    else:
        moment = understand_when(phrase, zone=VIENTIANE, now=now, require_time=require_time)
        assert moment.tzinfo is UTC
        assert moment == expected


@pytest.mark.parametrize(("now", "phrase", "expected"), CORPUS,
                         ids=[f"{now:%d%b-%H%M}-{phrase}" for now, phrase, _ in CORPUS])
def test_corpus(now: datetime, phrase: str, expected: datetime | Refused) -> None:
    check(now, phrase, expected, require_time=True)


@pytest.mark.parametrize(("now", "phrase", "expected"), DUE_DATES,
                         ids=[f"{now:%d%b-%H%M}-{phrase}" for now, phrase, _ in DUE_DATES])
def test_due_dates(now: datetime, phrase: str, expected: datetime | Refused) -> None:
    check(now, phrase, expected, require_time=False)


@pytest.mark.parametrize(("phrase", "first"), [
    ("next Friday 10:00", at(2031, 3, 7, 10, 0)),
    ("26/10/2031 02:30 Europe/Paris", utc(2031, 10, 26, 0, 30)),
    ("3/14/2032 10:00", at(2032, 3, 14, 10, 0)),
    ("in 1 month 10:00", at(2031, 2, 28, 10, 0)),
])
def test_a_refusal_example_means_what_it_says(phrase: str, first: datetime) -> None:
    """The example of a refusal reads as the first date the refusal spells out."""
    now = {"n": WEDNESDAY, "2": BEFORE_AUTUMN, "3": EVENING, "i": MONTH_END}[phrase[0]]
    with pytest.raises(UserError) as raised:
        understand_when(phrase, zone=VIENTIANE, now=now)
    assert raised.value.example
    assert understand_when(raised.value.example, zone=VIENTIANE, now=now) == first


# Through the real commands (the test clock's now: Mon 3 Mar 2031, 09:00 in Vientiane).

@pytest.mark.parametrize(("phrase", "shown"), [  # a meeting is shown from its start to its end
    ("Friday next week 10:00", "Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)"),
    ("2031-03-14T10:00Z", "Fri 14 Mar 2031, 17:00–19:00 (Asia/Vientiane)"),
    ("14 Mar 2031 10h30 ICT", "Fri 14 Mar 2031, 10:30–12:30 (Asia/Vientiane)"),
    ("tomorrow 10:00 UTC", "Tue 4 Mar 2031, 17:00–19:00 (Asia/Vientiane)"),
    ("in 2 months 10:00", "Sat 3 May 2031, 10:00–12:00 (Asia/Vientiane)"),
])
def test_meeting_schedule_understands(bot: BotHarness, phrase: str, shown: str) -> None:
    reply = bot.say(f'meeting schedule regular {phrase} "Mid-year review"')
    assert reply.ok, reply.text
    assert shown in reply.text


@pytest.mark.parametrize(("phrase", "problem"), [
    ("March 2031 10:00", "does not say which day"),
    ("next week 10:00", "does not say which day"),
    ("next Friday 10:00", "can be Fri 7 Mar 2031 or Fri 14 Mar 2031"),
    ("3/14/2031 10:00", "day first here: 14/03/2031"),
    ("26/10/2031 02:30 Europe/Paris", "happens twice in Europe/Paris"),
    ("14 Mar 2031 10:00 EST", "America/New_York"),
    ("in 1 month 10:00 Mars/Phobos", "I don't know the time zone 'Mars/Phobos'"),
    ("ເດືອນມີນາ 10:00", "I did not understand 'ເດືອນມີນາ'"),
])
def test_meeting_schedule_refuses(bot: BotHarness, phrase: str, problem: str) -> None:
    assert_refused(bot, f'meeting schedule regular {phrase} "Mid-year review"', problem)


def test_a_suggested_date_is_shown_in_the_members_own_command(bot: BotHarness) -> None:
    reply = assert_refused(bot, 'meeting schedule regular next Friday 10:00 "Review"',
                           "can be Fri 7 Mar 2031 or Fri 14 Mar 2031")
    assert reply.text.endswith('\nExample: meeting schedule regular Fri 7 Mar 2031 10:00 "Review"')
    assert bot.say(reply.text.partition("Example: ")[2]).ok  # and the example is understood


def test_meeting_move_refuses_a_month_first_date(bot: BotHarness) -> None:
    assert bot.say('meeting schedule regular 14 Mar 2031 10:00 "Review"').ok
    reply = assert_refused(bot, "meeting move #1 3/21/2031 14:00", "day first here: 21/03/2031")
    assert reply.text.endswith("\nExample: meeting move #1 21/03/2031 14:00")


def test_poll_until_refuses_a_phrase_without_a_day(bot: BotHarness) -> None:
    assert_refused(bot, 'poll propose "Adopt the plan" until next month 17:00',
                   "does not say which day")


def _action(bot: BotHarness) -> None:
    number = held_meeting(bot)
    assert bot.say(f"minutes #{number} #action UNICEF map services due 20 Mar 2031").ok


def test_action_due_yesterday_is_in_the_past(bot: BotHarness) -> None:
    _action(bot)
    reply = assert_refused(bot, "action due #1 yesterday", "is in the past", as_="UNICEF")
    assert "Sun 2 Mar 2031, 23:59 (Asia/Vientiane) is in the past" in reply.text
    assert "did not understand" not in reply.text


def test_action_due_tomorrow_is_the_end_of_the_networks_tomorrow(bot: BotHarness) -> None:
    _action(bot)
    assert bot.say("action due #1 tomorrow", as_="UNICEF").ok
    with bot.session() as session:
        item = session.get(ActionItem, 1)
        assert item is not None and item.due_at == at(2031, 3, 4, 23, 59)


def test_minutes_refuse_a_due_date_without_a_day(bot: BotHarness) -> None:
    number = held_meeting(bot)
    assert_refused(bot, f"minutes #{number} #action UNICEF map services due March 2031",
                   "does not say which day")
