"""The annual report: the summary, its files, and the command-line export."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from sqlalchemy import Engine, event

from bot.cli import main
from handlers.core import Reply
from handlers.grammar import tidy
from handlers.reports.report_chart import AGENDA_COLOUR, DECISIONS_COLOUR, WIDTH
from handlers.reports.report_files import csv_cell
from handlers.reports.reports import (
    ActionLine,
    DecisionLine,
    MinutesLine,
    ObjectiveLine,
    ReportData,
)
from storage.models import AgendaItem, Decision, Poll
from templates import render
from tests.conftest import BotHarness
from tests.db_state import assert_refused
from tests.meeting_rows import held_meeting
from tests.test_report_chart import bars, decode, says

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CALENDAR_DAYS = ("Days are calendar days in Asia/Vientiane, from the day of the meeting to the "
                 "day its first minutes were posted.")


def _a_year_of_work(bot: BotHarness) -> None:
    first = held_meeting(bot, days_ago=20, objectives=(6, 10), title="First regular meeting")
    flood = held_meeting(bot, days_ago=5, kind="adhoc", objectives=(10,), title="Flood response")
    held_meeting(bot, days_ago=2, kind="wg", title="Labour WG")
    held_meeting(bot, days_ago=3, status="cancelled", title="Cancelled one")
    held_meeting(bot, days_ago=-30, title="Second regular meeting")
    for number, body in (
        (first, "#agreed Endorse the ToR #agreed Adopt the work plan, phase “ສອງ” "
                "#action ILO draft the ToR due 5 Mar 2031 #action ILO share data"),
        (flood, "#agreed Launch a joint appeal #action UNICEF map services"),
    ):
        assert bot.say(f"minutes #{number} {body}").ok
    with bot.session() as session:
        adopted = Poll(kind="wg.create", question="Create a climate mobility WG?",
                       closes_at=bot.clock.now, status="closed", outcome="adopted",
                       opened_at=bot.clock.now - timedelta(days=8))
        session.add(adopted)
        session.add(Poll(kind="wg.dissolve", question="Dissolve the protection WG?",
                         closes_at=bot.clock.now + timedelta(days=3),
                         opened_at=bot.clock.now - timedelta(days=1)))
        session.flush()
        session.add(Decision(text="Create the climate mobility WG", poll_id=adopted.id,
                             decided_at=bot.clock.now))
        session.commit()
    assert bot.say("action done #3", as_="UNICEF").ok
    bot.clock.advance(days=3)  # 6 Mar 2031: the ToR (due 5 Mar) is overdue


def _files(reply: Reply) -> dict[str, bytes]:
    return {f.filename: f.content for f in reply.files}


def test_report_summarises_the_year(bot: BotHarness) -> None:
    _a_year_of_work(bot)
    reply = bot.say("report 2031", as_="WHO")
    assert reply.ok, reply.text
    assert reply.title == "UN Network on Migration in Lao PDR: report 2031"
    text = reply.text
    assert "Meetings held: 1 regular of 2 planned, 1 ad-hoc, 1 working group." in text
    assert "Decisions: 4. Polls: 1 adopted, 1 open." in text
    assert "Action items: 1 done, 1 open, 1 overdue." in text
    assert "Minutes: 1 of 3 within 14 days (calendar days in Asia/Vientiane), 12.5 days on " \
           "average; 1 still missing." in text
    assert "GCM objectives worked on: 6 (1 item, 2 decisions), 10 (2 items, 3 decisions)." \
        in text
    assert sorted(_files(reply)) == ["action-items-2031.csv", "activity-by-objective-2031.png",
                                     "decisions-2031.csv", "report-2031.md"]


def test_report_files_are_spreadsheet_and_chart_ready(bot: BotHarness) -> None:
    _a_year_of_work(bot)
    files = _files(bot.say("report"))
    decisions = list(csv.DictReader(io.StringIO(files["decisions-2031.csv"].decode("utf-8-sig"))))
    assert [d["decision"] for d in decisions] == [
        "Endorse the ToR", "Adopt the work plan, phase “ສອງ”", "Launch a joint appeal",
        "Create the climate mobility WG"]
    assert decisions[0] == {"number": "1", "date": "2031-02-11", "decision": "Endorse the ToR",
                            "meeting": "1", "poll": "",
                            "source": "meeting #1: First regular meeting"}
    assert decisions[3]["poll"] == "1" and decisions[3]["date"] == "2031-03-03"
    actions = list(csv.DictReader(io.StringIO(
        files["action-items-2031.csv"].decode("utf-8-sig"))))
    assert [(a["number"], a["agency"], a["status"], a["due"], a["done"], a["overdue"])
            for a in actions] == [("1", "ILO", "open", "2031-03-05", "", "yes"),
                                  ("2", "ILO", "open", "", "", "no"),
                                  ("3", "UNICEF", "done", "", "2031-03-03", "no")]
    markdown = files["report-2031.md"].decode()
    assert markdown.startswith("# UN Network on Migration in Lao PDR: report 2031\n")
    assert "| regular (target 2 a year) | 1 |" in markdown
    assert "| 10. Prevent, combat and eradicate trafficking in persons in the context of " \
           "international migration | 2 | 3 |" in markdown
    assert "- #1 ILO: draft the ToR — due 2031-03-05 — OVERDUE\n" in markdown
    assert "| #1 First regular meeting | 2031-02-11 | 2031-03-03 | 20 |" in markdown
    assert "| #3 Labour WG | 2031-03-01 | missing |  |" in markdown
    chart = decode(files["activity-by-objective-2031.png"])
    assert chart.width == WIDTH and chart.height > 23 * 30
    one_item, two_items, _ = bars(chart, AGENDA_COLOUR)  # objectives 6 and 10
    two_decisions, three_decisions, _ = bars(chart, DECISIONS_COLOUR)
    assert abs(two_items - 2 * one_item) <= 1
    assert abs(2 * three_decisions - 3 * two_decisions) <= 3


def test_an_empty_year_still_reports(bot: BotHarness) -> None:
    reply = bot.say("report 2032")
    assert "Meetings held: 0 regular of 2 planned." in reply.text
    assert "Action items: 0 done, 0 open, 0 overdue." in reply.text
    assert "Minutes: no meetings held." in reply.text
    header = _files(reply)["decisions-2032.csv"].decode("utf-8-sig").splitlines()
    assert header == ['"number","date","decision","meeting","poll","source"']


@pytest.mark.parametrize("command", ["report", "decisions", "meeting plan", "members history"])
def test_a_year_before_the_first_record_is_refused_naming_that_year(
        bot: BotHarness, command: str) -> None:
    """Issue 18: ``report 1999`` said "'1999' is not a year"; the records start with the
    first one kept (here a roster change in 2030, as the tests' clock is in 2031)."""
    for year in ("1999", "2030"):
        refused = assert_refused(bot, f"{command} {year}", "There are no records before 2031: "
                                 "the Network's records on this bot start in 2031.")
        assert refused.text.endswith(f"Example: {command} 2031")
    now, bot.clock.now = bot.clock.now, datetime(2030, 6, 2, 3, tzinfo=UTC)
    assert bot.say('people add @"Jane Doe" ILO').ok
    bot.clock.now = now
    assert bot.say(f"{command} 2030").ok
    refused = assert_refused(bot, f"{command} 2029", "There are no records before 2030")
    assert refused.text.endswith(f"Example: {command} 2030")
    assert_refused(bot, f"{command} 2201", "'2201' is not a year.")


# What members typed that a spreadsheet would run: OWASP's CSV Injection page
# (https://owasp.org/www-community/attacks/CSV_Injection) lists the cells to neutralise (those
# starting with = + - @, tab, carriage return, line feed) and shows two inputs that try to end
# a quoted cell and start another.
FORMULAS = ('=HYPERLINK("http://evil.example","open")', "+SUM(1,2)", "@cmd|' /C calc'!A0",
            "-5 per cent of the budget", '=1+2";=1+2', "=1+2'\" ;,=1+2")
OWASP_ESCAPED = ('"\'=1+2"";=1+2"', '"\'=1+2\'"" ;,=1+2"')


def _rows(files: dict[str, bytes], name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(files[name].decode("utf-8-sig"))))


def test_no_csv_cell_is_a_formula(bot: BotHarness) -> None:
    """OWASP CSV Injection: a cell starting with = + - @ (or a tab or line break) starts with a
    single quote, and every cell is quoted, inner quotes doubled, so a typed separator or quote
    cannot start a new cell. Read back with Python's csv module."""
    number = held_meeting(bot, objectives=(6,))
    entries = [f"#agreed {text} #action ILO {text}" for text in FORMULAS]
    assert bot.say(f"minutes #{number} " + " ".join(entries)).ok
    files = _files(bot.say("report"))
    decisions, actions = (_rows(files, f"{kind}-2031.csv")
                          for kind in ("decisions", "action-items"))
    assert [row[2] for row in decisions[1:]] == ["'" + text for text in FORMULAS]
    assert [row[2] for row in actions[1:]] == ["'" + text for text in FORMULAS]
    assert decisions[1][:2] + decisions[1][3:] == [
        "1", "2031-03-02", str(number), "", f"meeting #{number}: First regular meeting of 2031"]
    assert actions[1][:2] + actions[1][3:] == ["1", "ILO", str(number), "", "open", "", "no"]
    for rows in (decisions, actions):
        assert not [cell for row in rows for cell in row
                    if cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))]
    raw = files["decisions-2031.csv"].decode("utf-8-sig")
    assert all(escaped in raw for escaped in OWASP_ESCAPED)
    assert all(line.startswith('"') and line.endswith('"') for line in raw.splitlines())


@pytest.mark.parametrize(("value", "cell"), [
    *((f"{start}x", f"'{start}x") for start in ("=", "+", "-", "@", "\t", "\r", "\n")),
    (12, "12"), ("2031-02-11", "2031-02-11"), ("WORLD-BANK", "WORLD-BANK"), ("", ""),
    ("yes", "yes"), ("meeting #3: =title", "meeting #3: =title"), ("ສອງ", "ສອງ"),
])
def test_a_csv_cell_is_neutralised_only_when_it_would_start_a_formula(
        value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_report_refuses_a_year_it_cannot_read(bot: BotHarness) -> None:
    reply = bot.say("report last year")
    assert not reply.ok and "'last year' is not a year." in reply.text
    assert "Example: report 2031" in reply.text


def test_report_gathers_with_a_fixed_number_of_queries(bot: BotHarness, engine: Engine) -> None:
    def count_queries() -> int:
        statements: list[str] = []

        def record(*_args: object) -> None:
            statements.append("q")

        event.listen(engine, "before_cursor_execute", record)
        try:
            assert bot.say("report 2031").ok
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    _a_year_of_work(bot)
    few = count_queries()
    for n in range(5):
        number = held_meeting(bot, days_ago=1, objectives=(n + 1,))
        bot.say(f"minutes #{number} #agreed Decision {n} #action WHO task {n}")
    assert count_queries() == few


def test_the_command_line_writes_the_same_files(
    bot: BotHarness, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bot.clock.now = datetime.now(UTC)  # the command line runs on the real clock
    number = held_meeting(bot, days_ago=0.01, objectives=(3,))
    assert bot.say(f"minutes #{number} #agreed Publish the migrant information guide").ok
    year = (bot.clock.now - timedelta(days=0.01)).astimezone(bot.config.network.zone).year
    out = tmp_path / "out"
    url = engine.url.render_as_string(hide_password=False)
    assert main(["--database-url", url, "report", "--year", str(year), "--out", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(_files(bot.say(f"report {year}")))
    assert str(out / f"report-{year}.md") in capsys.readouterr().out
    decisions = (out / f"decisions-{year}.csv").read_text(encoding="utf-8-sig")
    assert "Publish the migrant information guide" in decisions
    assert (out / f"activity-by-objective-{year}.png").read_bytes().startswith(PNG_SIGNATURE)


# A real CommonMark implementation (markdown-it-py, the port of markdown-it) with raw HTML on, as
# CommonMark has it, and the tables and strike-through of GitHub's Markdown, which the report
# uses (tables) or a reader's viewer may (strike-through).
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# Tokens of Markdown the report itself never writes: any of them came from typed text.
LIVE = {"link_open", "image", "html_inline", "html_block", "em_open", "strong_open", "s_open",
        "code_inline", "code_block", "fence", "hr", "blockquote_open", "hardbreak", "softbreak"}
HOSTILE = ("[open](http://evil.example) ![x](http://evil.example/x.png)",
           "<!channel> <b>bold</b> <https://evil.example> &copy; &#42;",
           "**urgent** _now_ `code` ~~struck~~ \\*kept\\* a | b",
           "# Heading")


def _read(markdown: str) -> tuple[list[tuple[str, str]], list[str]]:
    """What a reader sees, as (HTML tag of the block, its text) for each heading, paragraph,
    list item and table cell; and the kinds of Markdown in it that are not plain text."""
    tokens = MARKDOWN.parse(markdown)
    shown = [(tokens[n - 1].tag, "".join(child.content for child in token.children or []
                                         if child.type == "text"))
             for n, token in enumerate(tokens) if token.type == "inline"]
    live = [child.type for token in tokens for child in [token, *(token.children or [])]
            if child.type in LIVE]
    return shown, live


def test_what_members_typed_reads_literally_in_the_markdown_report(bot: BotHarness) -> None:
    number = held_meeting(bot, objectives=(6,), title="Review | " + HOSTILE[0])
    body = " ".join(f"#agreed {text} #action ILO {text}" for text in HOSTILE)
    assert bot.say(f"minutes #{number} {body}").ok
    assert bot.say('poll propose "Adopt the plan\n# Not a heading <!here>"').ok
    shown, live = _read(_files(bot.say("report"))["report-2031.md"].decode())
    assert live == []
    assert [text for tag, text in shown if tag.startswith("h")] == [
        "UN Network on Migration in Lao PDR: report 2031", "Meetings held",
        "Agenda items and decisions per GCM objective", "Attendance per agency",
        "Decisions (4)", "Polls",
        "Action items", "Minutes timeliness (due within 14 days)"]
    source = f"meeting #{number}: Review | {HOSTILE[0]}"
    items = [text for tag, text in shown if tag == "p"]
    assert items[1:] == [
        "The Network's regular and ad-hoc meetings held in 2031 while the agency was a member, "
        "and those of them it attended: an agency attended a meeting when the meeting's latest "
        "minutes list it under #attendees.",
        *(f"#{n} (2031-03-02): {text} — {source}" for n, text in enumerate(HOSTILE, start=1)),
        "open: 1", "0 done, 4 open, 0 overdue.",
        *(f"#{n} ILO: {text} — open" for n, text in enumerate(HOSTILE, start=1)), CALENDAR_DAYS]
    assert ("td", f"#{number} Review | {HOSTILE[0]}") in shown


def _report(decision: str, task: str, title: str) -> ReportData:
    day = date(2031, 2, 11)
    return ReportData(
        network="UN Network on Migration in Lao PDR", year=2031, generated_on=day,
        target_per_year=2, minutes_due_days=14, zone="Asia/Vientiane", meetings={"regular": 1},
        objectives=[ObjectiveLine(6, "Ensure decent work", 1, 1)],
        decisions=[DecisionLine(1, day, decision, 1, None, f"meeting #1: {title}")],
        polls={"adopted": 1}, actions=[ActionLine(1, "ILO", task, 1, day, "open", None, False)],
        minutes=[MinutesLine(1, title, day, None)])


def _as_read(decision: str, task: str, title: str) -> list[tuple[str, str]]:
    """The report of one decision, action item and meeting as a reader sees it."""
    return [
        ("h1", "UN Network on Migration in Lao PDR: report 2031"),
        ("p", "Generated on 2031-02-11."), ("h2", "Meetings held"),
        ("th", "kind"), ("th", "held"), ("td", "regular (target 2 a year)"), ("td", "1"),
        ("td", "ad-hoc"), ("td", "0"), ("td", "working group"), ("td", "0"),
        ("h2", "Agenda items and decisions per GCM objective"), ("th", "objective"),
        ("th", "agenda items"), ("th", "decisions"), ("td", "6. Ensure decent work"),
        ("td", "1"), ("td", "1"), ("h2", "Decisions (1)"),
        ("p", f"#1 (2031-02-11): {decision} — meeting #1: {title}"), ("h2", "Polls"),
        ("p", "adopted: 1"), ("h2", "Action items"), ("p", "0 done, 1 open, 0 overdue."),
        ("p", f"#1 ILO: {task} — due 2031-02-11 — open"),
        ("h2", "Minutes timeliness (due within 14 days)"), ("p", CALENDAR_DAYS),
        ("th", "meeting"), ("th", "held"),
        ("th", "first minutes"), ("th", "days"), ("td", f"#1 {title}"), ("td", "2031-02-11"),
        ("td", "missing"), ("td", "")]


def typed() -> st.SearchStrategy[str]:
    """What passes the bot's checks, heavy on Markdown and HTML syntax, stored as it is kept
    (tidied, trimmed, never empty)."""
    syntax = st.sampled_from([*"\\`*_[]()!#<>&|~+-=.:'\"\n ", "**", "~~", "```", "](", "<b>",
                              "<!channel>", "&amp;", "&#42;", "http://x.io", "# ", "- ", "1. "])
    letters = st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cf"))
    return st.lists(st.one_of(syntax, letters), min_size=1, max_size=30).map(
        lambda parts: tidy("".join(parts)).strip()).filter(bool)


@given(decision=typed(), task=typed(), title=typed())
def test_any_typed_text_renders_literally_and_keeps_the_report_s_structure(
        decision: str, task: str, title: str) -> None:
    """A line break in what was typed reads as a space: it must not start a line."""
    shown, live = _read(render("report.md.j2", r=_report(decision, task, title)))
    assert live == []
    assert shown == _as_read(*(text.replace("\n", " ") for text in (decision, task, title)))


def _objective_rows(markdown: str) -> dict[int, tuple[str, str]]:
    """The report's table of GCM objectives as read: objective -> (agenda items, decisions)."""
    shown, _ = _read(markdown)
    cells = [text for tag, text in shown if tag == "td"]
    start = cells.index("working group") + 2
    return {int(cells[n].split(".")[0]): (cells[n + 1], cells[n + 2])
            for n in range(start, start + 3 * 23, 3)}


def test_a_withdrawn_item_counts_neither_itself_nor_its_meeting_s_decisions(
        bot: BotHarness) -> None:
    """Withdrawn through ``agenda withdraw``, as a member would. The expectations are counted
    from the rows made here: meeting A's items on objectives 7 (withdrawn) and 3, four
    decisions; meeting B's two items on objective 7 (one withdrawn), two decisions."""
    a = held_meeting(bot, days_ago=10, objectives=(7, 3), title="A")
    b = held_meeting(bot, days_ago=5, objectives=(7, 7), title="B")
    with bot.session() as session:
        items = {(row.meeting_id, row.position): row.id for row in session.exec(
            AgendaItem.__table__.select()).all()}  # type: ignore[attr-defined]
    assert bot.say(f"agenda withdraw #{items[a, 1]}").ok  # A's item on objective 7
    assert bot.say(f"agenda withdraw #{items[b, 2]}").ok  # one of B's two on objective 7
    assert bot.say(f"minutes #{a} " + " ".join(f"#agreed A{n}" for n in range(4))).ok
    assert bot.say(f"minutes #{b} #agreed B1 #agreed B2").ok
    reply = bot.say("report 2031")
    assert "GCM objectives worked on: 3 (1 item, 4 decisions), 7 (1 item, 2 decisions)." \
        in reply.text
    rows = _objective_rows(_files(reply)["report-2031.md"].decode())
    assert rows[3] == ("1", "4") and rows[7] == ("1", "2")
    assert {n: row for n, row in rows.items() if row != ("0", "0")} == {3: ("1", "4"),
                                                                     7: ("1", "2")}


def _at(bot: BotHarness, moment: datetime) -> None:
    bot.clock.now = moment


def test_days_to_minutes_are_calendar_days_in_the_network_s_zone(bot: BotHarness) -> None:
    """Asia/Vientiane is UTC+7 all year (the IANA tz database, zoneinfo's reference). 23:30
    on Thu 20 Feb 2031 there is 16:30 UTC; 00:30 on Tue 25 Feb is 17:30 UTC on the 24th: 4
    days and an hour, on 5 calendar days' distance (25 - 20), which the report must say. The
    month end: 23:30 on 28 Feb to 00:30 on 3 Mar is 3 days by the calendar (2 by the hours)."""
    later = bot.clock.now
    meetings = []
    for held, posted in ((datetime(2031, 2, 20, 16, 30, tzinfo=UTC),
                          datetime(2031, 2, 24, 17, 30, tzinfo=UTC)),
                         (datetime(2031, 2, 28, 16, 30, tzinfo=UTC),
                          datetime(2031, 3, 2, 17, 30, tzinfo=UTC))):
        _at(bot, held)
        meetings.append(number := held_meeting(bot, days_ago=0, title=f"Late {held:%d %b}"))
        _at(bot, posted)
        assert bot.say(f"minutes #{number} #agreed Noted").ok
    _at(bot, later)
    files = _files(reply := bot.say("report 2031"))
    assert "Minutes: 2 of 2 within 14 days (calendar days in Asia/Vientiane), 4.0 days on " \
           "average." in reply.text
    markdown = files["report-2031.md"].decode()
    assert f"| #{meetings[0]} Late 20 Feb | 2031-02-20 | 2031-02-25 | 5 |" in markdown
    assert f"| #{meetings[1]} Late 28 Feb | 2031-02-28 | 2031-03-03 | 3 |" in markdown
    assert CALENDAR_DAYS in markdown


def test_an_empty_year_s_chart_says_there_was_no_activity(bot: BotHarness) -> None:
    held_meeting(bot, days_ago=3)  # a meeting held, but nothing on a GCM objective
    chart = decode(_files(bot.say("report 2031"))["activity-by-objective-2031.png"])
    assert says(chart, "no activity in 2031")
    assert bars(chart, AGENDA_COLOUR) == bars(chart, DECISIONS_COLOUR) == []
