"""The annual report: the summary, its files, and the command-line export."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from bot.cli import main
from handlers.core import Reply
from handlers.report_chart import AGENDA_COLOUR, DECISIONS_COLOUR, WIDTH
from storage.models import Decision, Poll
from tests.conftest import BotHarness
from tests.meeting_rows import held_meeting
from tests.test_report_chart import bars, decode

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    assert "Minutes: 1 of 3 within 14 days, 12.5 days on average; 1 still missing." in text
    assert "GCM objectives worked on: 6 (1 items, 2 decisions), 10 (2 items, 3 decisions)." \
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
    reply = bot.say("report 2030")
    assert "Meetings held: 0 regular of 2 planned." in reply.text
    assert "Action items: 0 done, 0 open, 0 overdue." in reply.text
    assert "Minutes: no meetings held." in reply.text
    header = _files(reply)["decisions-2030.csv"].decode("utf-8-sig").splitlines()
    assert header == ["number,date,decision,meeting,poll,source"]


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
