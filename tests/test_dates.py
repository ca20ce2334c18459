"""Date understanding: real phrases and what the bot must make of them.

"Now" is Mon 3 Mar 2031, 09:00 in Vientiane (02:00 UTC). A result is either the time shown
back to the member, or the start of the refusal they get; a refusal stores nothing.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.core import UserError
from handlers.dates import understand_when
from handlers.timefmt import show_time

VIENTIANE = ZoneInfo("Asia/Vientiane")
ZURICH = ZoneInfo("Europe/Zurich")
NOW = datetime(2031, 3, 3, 2, 0, tzinfo=UTC)
REFUSED = "refused: "

PHRASES = [
    # day-first numeric dates, as written in Lao PDR
    ("14/03/2031 10:00", "Fri 14 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("3/4/2031 10:00", "Thu 3 Apr 2031, 10:00 (Asia/Vientiane)"),
    ("14.03.2031 10:00", "Fri 14 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("2031-03-14 10:00", "Fri 14 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("14 March 2031 10:00", "Fri 14 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("14th March 2031 10:00", "Fri 14 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("3rd of April 2031 10:00", "Thu 3 Apr 2031, 10:00 (Asia/Vientiane)"),
    ("Fri 14 Mar 2031, 10:00", "Fri 14 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("14 Mar 2031 at 3pm", "Fri 14 Mar 2031, 15:00 (Asia/Vientiane)"),
    ("March 14 10:00", "Fri 14 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("1 Jan 10:00", REFUSED + "'1 Jan 10:00' has no year and is more than six months ahead"),
    ("2 March 10:00", REFUSED + "'2 March 10:00' has no year"),
    ("20 May 10:00", "Tue 20 May 2031, 10:00 (Asia/Vientiane)"),
    # relative phrases, future preferred
    ("tomorrow 10:30", "Tue 4 Mar 2031, 10:30 (Asia/Vientiane)"),
    ("tomorrow 9am", "Tue 4 Mar 2031, 09:00 (Asia/Vientiane)"),
    ("tomorrow 09:00", "Tue 4 Mar 2031, 09:00 (Asia/Vientiane)"),
    ("tomorrow 10.30", "Tue 4 Mar 2031, 10:30 (Asia/Vientiane)"),
    ("tomorrow 2.30pm", "Tue 4 Mar 2031, 14:30 (Asia/Vientiane)"),
    ("at noon tomorrow", "Tue 4 Mar 2031, 12:00 (Asia/Vientiane)"),
    ("midnight tomorrow", REFUSED + "'midnight' in 'midnight tomorrow' can be the start or"),
    ("00:00 tomorrow", "Tue 4 Mar 2031, 00:00 (Asia/Vientiane)"),
    ("today 17:00", "Mon 3 Mar 2031, 17:00 (Asia/Vientiane)"),
    ("10:00", REFUSED + "'10:00' does not say which day"),
    ("Friday 10am", "Fri 7 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("next Friday at 14:00", REFUSED + "'next Friday' can be Fri 7 Mar 2031 or Fri 14 Mar 2031"),
    ("Friday next week at 14:00", "Fri 14 Mar 2031, 14:00 (Asia/Vientiane)"),
    ("Monday 08:00", REFUSED + "Today is a Monday: which 'Monday' did you mean?"),
    ("next Monday 08:00", "Mon 10 Mar 2031, 08:00 (Asia/Vientiane)"),
    ("in 2 days at 10:00", "Wed 5 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("in 3 days 16:45", "Thu 6 Mar 2031, 16:45 (Asia/Vientiane)"),
    ("in two weeks 10:00", "Mon 17 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("the day after tomorrow 10:00", "Wed 5 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("next week 10:00", REFUSED + "'next week 10:00' does not say which day"),
    # explicit zones are converted
    ("today 10:00 UTC", "Mon 3 Mar 2031, 17:00 (Asia/Vientiane)"),
    ("14 March 2031 10:00 UTC", "Fri 14 Mar 2031, 17:00 (Asia/Vientiane)"),
    ("14 March 2031 10:00 +02:00", "Fri 14 Mar 2031, 15:00 (Asia/Vientiane)"),
    ("14 March 2031 10:00 UTC+2", "Fri 14 Mar 2031, 15:00 (Asia/Vientiane)"),
    ("14 March 2031 10:00 Europe/Zurich", "Fri 14 Mar 2031, 16:00 (Asia/Vientiane)"),
    ("2 April 2031 10:00 Europe/Zurich", "Wed 2 Apr 2031, 15:00 (Asia/Vientiane)"),
    ("26 Oct 2031 02:30 Europe/Zurich", REFUSED + "02:30 on 26 Oct 2031 happens twice in "
     "Europe/Zurich"),
    ("26 Oct 2031 02:30 +02:00", "Sun 26 Oct 2031, 07:30 (Asia/Vientiane)"),
    # as members write them when scheduling meetings
    ("14/03/2031 at 10:00", "Fri 14 Mar 2031, 10:00 (Asia/Vientiane)"),
    ("this Friday 2pm", "Fri 7 Mar 2031, 14:00 (Asia/Vientiane)"),
    ("Thursday 20 March 2031 09:30", "Thu 20 Mar 2031, 09:30 (Asia/Vientiane)"),
    ("20 Mar 14:00 UTC", "Thu 20 Mar 2031, 21:00 (Asia/Vientiane)"),
    ("tomorrow 10:00 Europe/Zurich", "Tue 4 Mar 2031, 16:00 (Asia/Vientiane)"),
    ("14 Mar 2031 10h00", "Fri 14 Mar 2031, 10:00 (Asia/Vientiane)"),
    # never a time the member did not mean
    ("tomorrow at 9", REFUSED + "Which time did you mean by 'at 9'"),
    ("tomorrow at nine", REFUSED + "Which time did you mean by 'at nine'"),
    ("on Friday at 10", REFUSED + "Which time did you mean by 'at 10'"),
    ("tomorrow", REFUSED + "'tomorrow' has no time of day"),
    ("14 March", REFUSED + "'14 March' has no time of day"),
    ("next week", REFUSED + "'next week' does not say which day"),
    ("tomorrow afternoon", REFUSED + "I did not understand 'afternoon'"),
    ("blah 14 March 10:00", REFUSED + "I did not understand 'blah'"),
    ("14 Marhc 2031 10:00", REFUSED + "I did not understand 'Marhc'"),
    ("31/02/2031 10:00", REFUSED + "I could not read '31/02/2031 10:00' as a date"),
    ("25:00 tomorrow", REFUSED + "'25:00 tomorrow' has a time that does not exist"),
    ("13 pm tomorrow", REFUSED + "13 pm is not a time of day"),
    ("tomorrow 09:00 18:00", REFUSED + "'tomorrow 09:00 18:00' has more than one time"),
    ("1 Jan 2020 10:00", REFUSED + "Wed 1 Jan 2020, 10:00 (Asia/Vientiane) is in the past"),
    ("today 08:00", REFUSED + "Mon 3 Mar 2031, 08:00 (Asia/Vientiane) is in the past"),
    ("Sat 7 Mar 2031 10:00", REFUSED + "7 Mar 2031 is a Friday, not a Saturday"),
    ("30 March 2031 02:30 Europe/Zurich", REFUSED + "02:30 on 30 Mar 2031 does not exist"),
    ("14 March 2031 10:00 Mars/Olympus", REFUSED + "I don't know the time zone 'Mars/Olympus'"),
    ("", REFUSED + "Please say when."),
    ("14 March 2031 10:00 UTC+99", REFUSED + "UTC+99:00 is not a time zone"),
    ("14 March 2031 10:00 +25:00", REFUSED + "UTC+25:00 is not a time zone"),
    ("14 March 2031 10:00 GMT-3:75", REFUSED + "UTC-03:75 is not a time zone"),
]


@pytest.mark.parametrize(("phrase", "expected"), PHRASES, ids=[p or "empty" for p, _ in PHRASES])
def test_phrases(phrase: str, expected: str) -> None:
    if expected.startswith(REFUSED):
        with pytest.raises(UserError) as raised:
            understand_when(phrase, zone=VIENTIANE, now=NOW)
        assert raised.value.problem.startswith(expected.removeprefix(REFUSED))
        assert raised.value.example
    else:
        moment = understand_when(phrase, zone=VIENTIANE, now=NOW)
        assert moment.tzinfo is UTC
        assert show_time(moment, VIENTIANE) == expected


def test_there_are_at_least_forty_phrases() -> None:
    assert len(PHRASES) >= 40


@pytest.mark.parametrize(("phrase", "utc"), [
    ("14 March 2031 10:00", datetime(2031, 3, 14, 9, 0, tzinfo=UTC)),  # CET, UTC+1
    ("2 April 2031 10:00", datetime(2031, 4, 2, 8, 0, tzinfo=UTC)),  # CEST, UTC+2
    ("26 Oct 2031 03:30", datetime(2031, 10, 26, 2, 30, tzinfo=UTC)),  # after the fold
])
def test_a_network_in_a_zone_with_daylight_saving(phrase: str, utc: datetime) -> None:
    assert understand_when(phrase, zone=ZURICH, now=NOW) == utc


def test_a_due_date_without_a_time_means_the_end_of_that_day() -> None:
    due = understand_when("14 March 2031", zone=VIENTIANE, now=NOW, require_time=False)
    assert show_time(due, VIENTIANE) == "Fri 14 Mar 2031, 23:59 (Asia/Vientiane)"
