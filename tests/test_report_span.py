"""``report 2030-2031``: a span of years, each year's figures side by side with the totals."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from handlers.core import Reply, Speaker, Where
from tests.conftest import BotHarness, shown
from tests.meeting_rows import held_meeting
from tests.test_report_chart import AGENDA_COLOUR, bars, decode, says
from tests.test_reports import FORMULAS, HOSTILE, _read


@dataclass(frozen=True)
class Held:
    """A meeting the test holds: when (UTC), its kind, its items' objectives, its decisions
    and the days after which its minutes are posted (None: never)."""

    at: datetime
    kind: str
    objectives: tuple[int, ...]
    decisions: int
    minutes_after: int | None
    attendees: tuple[str, ...] = ()  # the agencies its minutes list under #attendees


WORK = (
    Held(datetime(2030, 6, 10, 3, tzinfo=UTC), "regular", (6,), 1, 3),
    Held(datetime(2030, 10, 1, 3, tzinfo=UTC), "adhoc", (6, 10), 0, None),
    Held(datetime(2030, 11, 20, 3, tzinfo=UTC), "regular", (10,), 2, 20),
    Held(datetime(2031, 2, 20, 3, tzinfo=UTC), "regular", (10, 10, 6), 2, 5),
)


def _hold(bot: BotHarness, work: tuple[Held, ...] = WORK) -> None:
    later = bot.clock.now
    for n, meeting in enumerate(work):
        bot.clock.now = meeting.at
        number = held_meeting(bot, days_ago=0, kind=meeting.kind, title=f"Meeting {n}",
                              objectives=meeting.objectives)
        if meeting.minutes_after is not None:
            bot.clock.now = meeting.at + timedelta(days=meeting.minutes_after)
            entries = [f"#agreed Decision {n}.{d}" for d in range(meeting.decisions)]
            if meeting.attendees:
                entries.append("#attendees " + " ".join(meeting.attendees))
            assert bot.say(f"minutes #{number} #action ILO task {n} "
                           + " ".join(entries)).ok
    bot.clock.now = later


def _expected(year: int | None) -> dict[str, object]:
    """The figures of one year (None: both), counted from WORK, not by the bot's code (the
    decisions of minutes are dated on their meeting's day, so they count in its year)."""
    held = [m for m in WORK if year is None or m.at.year == year]
    days = [m.minutes_after for m in held if m.minutes_after is not None]
    return {
        "regular": sum(m.kind == "regular" for m in held),
        "ad-hoc": sum(m.kind == "adhoc" for m in held),
        "items 6": sum(m.objectives.count(6) for m in held),
        "items 10": sum(m.objectives.count(10) for m in held),
        "decisions 6": sum(m.decisions for m in held if 6 in m.objectives and m.minutes_after),
        "decisions 10": sum(m.decisions for m in held if 10 in m.objectives
                            and m.minutes_after),
        "decisions": sum(m.decisions for m in held if m.minutes_after is not None),
        "actions open": len(days),
        "meetings": len(held),
        "on time": sum(d <= 14 for d in days),
        "missing": len(held) - len(days),
        "average": round(sum(days) / len(days), 1),
    }


def _files(reply: Reply) -> dict[str, bytes]:
    return {f.filename: f.content for f in reply.files}


def _figures(reply: Reply) -> dict[tuple[str, str], list[str]]:
    rows = list(csv.reader(io.StringIO(
        _files(reply)["figures-2030-2031.csv"].decode("utf-8-sig"))))
    assert rows[0] == ["section", "figure", "2030", "2031", "total"]
    return {(section, figure): values for section, figure, *values in rows[1:]}


def test_a_span_shows_each_year_and_the_totals(bot: BotHarness) -> None:
    _hold(bot)
    reply = bot.say("report 2030-2031")
    assert reply.ok, reply.text
    assert reply.title == "UN Network on Migration in Lao PDR: report 2030-2031"
    assert sorted(_files(reply)) == [
        "action-items-2030-2031.csv", "activity-by-objective-2030-2031.png",
        "decisions-2030-2031.csv", "figures-2030-2031.csv", "report-2030-2031.md"]
    figures = _figures(reply)
    years = [_expected(2030), _expected(2031), _expected(None)]

    def column(key: str) -> list[str]:
        return [str(year[key]) for year in years]

    objective = "6. Facilitate fair and ethical recruitment and safeguard conditions that ensure " \
                "decent work"
    assert figures["Meetings held", "regular"] == column("regular") == ["2", "1", "3"]
    assert figures["Meetings held", "regular planned"] == ["2", "2", "4"]
    assert figures["Meetings held", "ad-hoc"] == column("ad-hoc")
    assert figures["Meetings held", "working group"] == ["0", "0", "0"]
    assert figures["Agenda items per GCM objective", objective] == column("items 6")
    assert figures["Decisions per GCM objective", objective] == column("decisions 6")
    assert [v for (section, label), v in figures.items()
            if section == "Decisions per GCM objective" and label.startswith("10. ")] \
        == [column("decisions 10")]
    assert figures["Decisions", "recorded"] == column("decisions") == ["3", "2", "5"]
    assert figures["Action items", "open"] == column("actions open")
    assert figures["Minutes", "meetings held"] == column("meetings")
    assert figures["Minutes", "first minutes within 14 days"] == column("on time")
    assert figures["Minutes", "still missing"] == column("missing")
    assert figures["Minutes", "average days to first minutes"] == column("average") \
        == ["11.5", "5.0", "9.3"]
    assert not [key for key in figures if key[0] == "Polls"]  # none were held

    text = shown(reply)
    assert text.startswith("*UN Network on Migration in Lao PDR: report 2030-2031*\n"
                           "Each figure: 2030 | 2031 | total.\n"
                           "Meetings held: regular 2 | 1 | 3; regular planned 2 | 2 | 4; "
                           "ad-hoc 1 | 0 | 1; working group 0 | 0 | 0.\n")
    assert "Decisions: recorded 3 | 2 | 5.\n" in text
    assert "Polls:" not in text
    assert "Minutes: meetings held 3 | 1 | 4; first minutes within 14 days 1 | 1 | 2; still " \
           "missing 1 | 0 | 1; average days to first minutes 11.5 | 5.0 | 9.3.\n" in text
    assert "GCM objectives worked on (agenda items; decisions): 6 (2 | 1 | 3; 1 | 2 | 3), " \
           "10 (2 | 2 | 4; 2 | 2 | 4).\n" in text


def test_the_span_s_markdown_has_a_column_per_year_and_a_total(bot: BotHarness) -> None:
    _hold(bot)
    markdown = _files(bot.say("report 2030-2031"))["report-2030-2031.md"].decode()
    assert markdown.startswith("# UN Network on Migration in Lao PDR: report 2030-2031\n")
    assert "| figure | 2030 | 2031 | total |\n| --- | ---: | ---: | ---: |\n" \
           "| regular | 2 | 1 | 3 |\n| regular planned | 2 | 2 | 4 |\n" in markdown
    assert "| still missing | 1 | 0 | 1 |\n" in markdown
    shown_, live = _read(markdown)
    assert live == []
    headings = [text for tag, text in shown_ if tag.startswith("h")]
    assert headings == [
        "UN Network on Migration in Lao PDR: report 2030-2031", "Meetings held",
        "Agenda items per GCM objective", "Decisions per GCM objective", "Attendance",
        "Decisions", "Polls", "Action items", "Minutes", "Decisions (5)", "Action items (3)",
        "Minutes timeliness (due within 14 days)"]
    decisions = [text for tag, text in shown_ if tag == "p" and text.startswith("#")]
    assert decisions[:5] == [
        "#1 (2030-06-10): Decision 0.0 — meeting #1: Meeting 0",
        "#2 (2030-11-20): Decision 2.0 — meeting #3: Meeting 2",
        "#3 (2030-11-20): Decision 2.1 — meeting #3: Meeting 2",
        "#4 (2031-02-20): Decision 3.0 — meeting #4: Meeting 3",
        "#5 (2031-02-20): Decision 3.1 — meeting #4: Meeting 3"]


def test_the_span_s_spreadsheets_and_chart_hold_every_year(bot: BotHarness) -> None:
    _hold(bot)
    files = _files(bot.say("report 2030-2031"))
    decisions = list(csv.DictReader(io.StringIO(
        files["decisions-2030-2031.csv"].decode("utf-8-sig"))))
    assert [d["date"][:4] for d in decisions] == ["2030", "2030", "2030", "2031", "2031"]
    actions = list(csv.DictReader(io.StringIO(
        files["action-items-2030-2031.csv"].decode("utf-8-sig"))))
    assert [a["task"] for a in actions] == ["task 0", "task 2", "task 3"]
    chart = decode(files["activity-by-objective-2030-2031.png"])
    three, four, _ = bars(chart, AGENDA_COLOUR)  # the span's items on objectives 6 and 10
    assert abs(3 * four - 4 * three) <= 4


def test_an_empty_span_says_so(bot: BotHarness) -> None:
    files = _files(reply := bot.say("report 2032-2033"))
    assert says(decode(files["activity-by-objective-2032-2033.png"]),
                "no activity in 2032-2033")
    assert "Minutes: meetings held 0 | 0 | 0; first minutes within 14 days 0 | 0 | 0; " \
           "still missing 0 | 0 | 0; average days to first minutes – | – | –." in shown(reply)


def test_what_members_typed_stays_literal_in_the_span_s_files(bot: BotHarness) -> None:
    """The Markdown read by markdown-it-py (CommonMark) and the CSV cells neutralised as OWASP
    advises, as for a year's report (tests/test_reports.py)."""
    number = held_meeting(bot, objectives=(6,), title="Review | " + HOSTILE[0])
    texts = (*HOSTILE, *FORMULAS)
    assert bot.say(f"minutes #{number} "
                   + " ".join(f"#agreed {text} #action ILO {text}" for text in texts)).ok
    files = _files(bot.say("report 2030-2031"))
    shown_, live = _read(files["report-2030-2031.md"].decode())
    assert live == []
    assert [text for tag, text in shown_ if tag == "p" and text.startswith("#1 (")] == [
        f"#1 (2031-03-02): {HOSTILE[0]} — meeting #{number}: Review | {HOSTILE[0]}"]
    for name in ("decisions-2030-2031.csv", "action-items-2030-2031.csv",
                 "figures-2030-2031.csv"):
        rows = list(csv.reader(io.StringIO(files[name].decode("utf-8-sig"))))
        assert not [cell for row in rows for cell in row
                    if cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))]
    decisions = list(csv.reader(io.StringIO(files["decisions-2030-2031.csv"].decode(
        "utf-8-sig"))))
    assert [row[2] for row in decisions[1:]][len(HOSTILE):] == ["'" + t for t in FORMULAS]


@pytest.mark.parametrize(("line", "problem", "example"), [
    ("report 2031-2030", "'2031-2030' runs backwards: give the earlier year first.",
     "report 2030-2031"),
    ("report 2031-2031", "'2031-2031' is a single year: a span has two or more years.",
     "report 2031"),
    ("report 2030-2040", "'2030-2040' spans 11 years; a report covers at most 10.",
     "report 2030-2031"),
    ("report 2030-31", "'2030-31' is not a span of years: write both years in full (up to "
     "2200).", "report 2030-2031"),
    ("report 2030-2031-2032", "'2030-2031-2032' is not a year.", "report 2030-2031"),
    ("report 2030 to 2031", "'2030 to 2031' is not a year.", "report 2031"),
    ("report 1999-2001", "There are no records before 2031: the Network's records on this "
     "bot start in 2031.", "report 2031"),
    ("report 2030-00002031", "'2030-00002031' is not a span of years", "report 2030-2031"),
])
def test_a_span_it_cannot_read_is_refused_with_an_example(
        bot: BotHarness, line: str, problem: str, example: str) -> None:
    reply = bot.say(line)
    assert not reply.ok and not reply.files
    assert problem in reply.text and f"Example: {example}" in reply.text


def test_a_span_may_be_written_with_an_en_dash_or_spaces(bot: BotHarness) -> None:
    _hold(bot)
    expected = _figures(bot.say("report 2030-2031"))
    for line in ("report 2030–2031", "report 2030 - 2031"):
        assert _figures(bot.say(line)) == expected


ATTENDED = (
    Held(datetime(2030, 6, 10, 3, tzinfo=UTC), "regular", (), 0, 3, ("RCO", "IOM", "ILO")),
    Held(datetime(2030, 11, 20, 3, tzinfo=UTC), "adhoc", (), 0, 4, ("IOM",)),
    Held(datetime(2031, 2, 20, 3, tzinfo=UTC), "regular", (), 0, 5, ("IOM", "UNFPA")),
    Held(datetime(2031, 2, 25, 3, tzinfo=UTC), "adhoc", (), 0, None),
)
JOINED = datetime(2031, 1, 5, 3, tzinfo=UTC)  # UNFPA, approved between the years' meetings


def test_a_span_shows_each_agency_s_attendance_per_year_and_in_all(bot: BotHarness) -> None:
    """Counted here from ATTENDED, not by the bot's code: an agency attended the meetings whose
    minutes list it, of those held while it was a member (a meeting without minutes counts as
    held, with nobody recorded); an agency that joined in 2031 has no 2030 figure."""
    _hold(bot, ATTENDED[:2])
    later, bot.clock.now = bot.clock.now, JOINED
    assert bot.runner.run(Speaker("slack", "U-UNFPA-1", "Slack user"), Where("slack", "C1"),
                          'members join UNFPA "United Nations Population Fund"').ok
    assert bot.say("members approve UNFPA").ok
    bot.clock.now = later
    _hold(bot, ATTENDED[2:])

    def expected(code: str) -> list[str]:
        values = []
        for years in ((2030,), (2031,), (2030, 2031)):
            held = [m for m in ATTENDED if m.at.year in years
                    and (code != "UNFPA" or m.at > JOINED)]
            came = sum(code in m.attendees for m in held)
            values.append(f"{came} of {len(held)}" if held else "")
        return values

    reply = bot.say("report 2030-2031")
    figures = _figures(reply)
    attendance = {label: values for (section, label), values in figures.items()
                  if section == "Attendance"}
    assert attendance["IOM"] == expected("IOM") == ["2 of 2", "1 of 2", "3 of 4"]
    assert attendance["RCO"] == expected("RCO") == ["1 of 2", "0 of 2", "1 of 4"]
    assert attendance["WHO"] == expected("WHO") == ["0 of 2", "0 of 2", "0 of 4"]
    assert attendance["UNFPA"] == expected("UNFPA") == ["", "1 of 2", "1 of 2"]
    assert len(attendance) == 11
    text = shown(reply)
    assert "\nAttendance: RCO 1 of 2 | 0 of 2 | 1 of 4; IOM 2 of 2 | 1 of 2 | 3 of 4; " in text
    assert "; UNFPA – | 1 of 2 | 1 of 2.\n" in text
    markdown = _files(reply)["report-2030-2031.md"].decode()
    assert "## Attendance\n\n| figure | 2030 | 2031 | total |\n" in markdown
    assert "| UNFPA |  | 1 of 2 | 1 of 2 |\n" in markdown
