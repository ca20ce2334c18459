"""The read commands issue as many SQL statements with ten times the data: no N+1 queries.

Records are written straight into the database (a few, then ten times as many of each kind);
each command runs through the command core and its statements are counted. How fast they are
at scale is measured by bench/scale_bench.py, not here.
"""

from collections import Counter
from datetime import timedelta
from itertools import cycle

from sqlmodel import Session, col, select

from handlers.core import Where
from handlers.people import shell_speaker
from handlers.polls.proposals import STATEMENT
from storage.models import (
    ActionItem,
    Agency,
    AgendaItem,
    AgendaItemObjective,
    AgendaStatus,
    Decision,
    Meeting,
    Minutes,
    Outbox,
    Person,
    Poll,
    Position,
    Vote,
    WorkingGroup,
)
from tests.conftest import BotHarness
from tests.statements import counting_statements

COMMANDS = ["agenda", "agenda list #1", "meeting list", "poll show #1", "poll list",
            "poll history #1", "decisions 2031", "decisions #1", "actions", "actions all",
            "actions ILO", "report 2031", "home"]


def add_records(bot: BotHarness, n: int) -> None:
    """``n`` more of everything the read commands show, around the test clock's now.

    Meeting #1 is held (its decisions and agenda grow), meeting #2 is the next one (its
    agenda grows), and ``2n`` more meetings, past and upcoming, come with minutes, a decision
    and an action item each. ``n`` more polls are open and every poll gets ``3n`` more votes.
    """
    now = bot.clock.now
    with Session(bot.engine) as session:
        total = len(session.exec(select(Meeting.id)).all())
        agencies = list(session.exec(select(Agency).order_by(Agency.id)).all())
        voters = {p.agency_id: p.id for p in session.exec(select(Person)).all()}
        group = session.exec(select(WorkingGroup.id)).first()
        meetings = [Meeting(kind="wg" if i % 3 == 2 else "regular",
                            wg_id=group if i % 3 == 2 else None, title=f"Meeting {total + i}",
                            uid=f"count-{total + i}@network",
                            starts_at=now + timedelta(days=(total + i + 1) * (i % 2 * 2 - 1)),
                            ends_at=now + timedelta(days=(total + i + 1) * (i % 2 * 2 - 1),
                                                    hours=2),
                            agenda_closes_at=now + timedelta(
                                days=(total + i + 1) * (i % 2 * 2 - 1), hours=-1))
                    for i in range(2 * n)]
        session.add_all(meetings)
        session.flush()
        placed: Counter[int | None] = Counter(session.exec(
            select(AgendaItem.meeting_id).where(col(AgendaItem.position).is_not(None))).all())
        for i, meeting_id in enumerate([None, 1, 2] * n):
            placed[meeting_id] += 1  # each agenda numbered 1..n (storage.models.AgendaItem)
            item = AgendaItem(meeting_id=meeting_id, text=f"Item {i}",
                              position=placed[meeting_id],
                              agency_id=agencies[i % len(agencies)].id,
                              status=AgendaStatus.ACCEPTED)
            session.add(item)
            session.flush()
            session.add_all([AgendaItemObjective(item_id=item.id, objective_number=number)
                             for number in (1 + i % 23, 1 + (i + 5) % 23)])
        for meeting in [m for m in meetings if m.starts_at < now]:
            minutes = Minutes(meeting_id=meeting.id, version=1, body="Minutes",
                              posted_at=meeting.starts_at + timedelta(days=2))
            session.add(minutes)
            session.flush()
            session.add(Decision(text="Agreed", meeting_id=meeting.id, minutes_id=minutes.id,
                                 decided_at=meeting.starts_at))
            session.add(ActionItem(task="Circulate the note", meeting_id=meeting.id,
                                   agency_id=agencies[meeting.id % 3].id, minutes_id=minutes.id,
                                   due_at=meeting.starts_at + timedelta(days=30)))
        session.add_all([Decision(text=f"Also agreed {i}", meeting_id=1, decided_at=now)
                         for i in range(n)])
        codes = [a.code for a in agencies]
        for i in range(n):
            poll = Poll(kind=STATEMENT, question=f"Adopt plan {i}", params={"text": "Plan"},
                        electorate=codes, opened_at=now - timedelta(days=1),
                        closes_at=now + timedelta(days=6))
            session.add(poll)
            session.flush()
            session.add(Decision(text=f"Plan {i} adopted", poll_id=poll.id, decided_at=now))
        for poll in session.exec(select(Poll)).all():
            for agency, position in zip(cycle(agencies), [*Position] * n, strict=False):
                session.add(Vote(poll_id=poll.id, agency_id=agency.id, position=position,
                                 person_id=voters[agency.id], cast_at=now, reason="Why"))
        session.commit()


def statements(bot: BotHarness, lines: list[str] = COMMANDS, as_: str = "ILO") -> dict[str, int]:
    counts = {}
    for line in lines:
        with counting_statements(bot.engine) as seen:
            reply = bot.say(line, as_=as_)
        assert reply.ok, f"{line}: {reply.text}"
        counts[line] = seen[0]
    return counts


def test_read_commands_issue_the_same_statements_with_ten_times_the_data(
        bot: BotHarness) -> None:
    add_records(bot, 3)
    few = statements(bot)
    add_records(bot, 30)
    assert statements(bot) == few
    listing = bot.say("agenda list #1").text
    assert listing.count(" · obj ") == 33 and "more" not in listing
    overview = bot.say("agenda").text
    assert "… and 3 more items: agenda list #2 shows them all." in overview
    assert "… and 3 more items: they join the next meeting" in overview


def test_the_secretariats_home_issues_the_same_statements_with_ten_times_the_data(
        bot: BotHarness) -> None:
    """Its sections of the Secretariat and the Chair too (minutes overdue, agencies that have
    not voted, stuck outbox rows): each a bounded number of statements."""
    for n in (3, 30):
        add_records(bot, n)
        with Session(bot.engine) as session:  # n more meetings without minutes, rows failed
            long_ago = bot.clock.now - timedelta(days=100)
            session.add_all([Meeting(kind="adhoc", title=f"Old {i}", uid=f"old-{n}-{i}@network",
                                     starts_at=long_ago, ends_at=long_ago + timedelta(hours=2),
                                     agenda_closes_at=long_ago) for i in range(n)])
            session.add_all([Outbox(kind="meeting.reminder", due_at=long_ago, status="failed")
                             for _ in range(n)])
            session.commit()
        if n == 3:
            few = statements(bot, ["home"], as_="IOM")
            text = bot.say("home").text
            for section in ("Agencies that have not voted", "Minutes overdue", "stuck"):
                assert section in text
    assert statements(bot, ["home"], as_="IOM") == few


def test_long_lists_show_a_page_and_say_how_many_more(bot: BotHarness) -> None:
    add_records(bot, 33)
    agenda = bot.say("agenda").text
    assert agenda.count(" · obj ") == 60
    assert "… and 3 more items: agenda list #2 shows them all." in agenda
    assert "… and 3 more items: they join the next meeting once one is scheduled." in agenda
    decisions = bot.say("decisions #1").text.splitlines()
    assert decisions[0] == ("… and 4 more decisions before these: the CSV file of report 2031 has "
                            "them all.")
    assert len(decisions) == 1 + 30 + 2 and decisions[-1] == "34 decisions for meeting #1 " \
        "(Meeting 0)."
    actions = bot.say("actions all").text
    assert actions.count("Circulate the note") == 30 and "\n33 items" in actions
    assert "… and 3 more action items: narrow the list with actions mine" in actions
    meetings = bot.say("meeting list").text.splitlines()
    assert len(meetings) == 31
    assert meetings[-1] == ("… and 3 more meetings scheduled later: meeting show #N shows any "
                            "one of them.")



def test_the_commonest_commands_issue_a_handful_of_statements(bot: BotHarness) -> None:
    """Each statement costs CPU in the one process that serves every member (bench/
    core_bench.py measures it). A command that changes the record: its turn
    (``storage.db.transaction``), the speaker, the delivery key (is it a retry? record it),
    and a retried delivery is answered from its record (and its turn) alone. A command that
    only reads: SQLite's BEGIN and read-only pragma (PostgreSQL says both in its BEGIN), the
    speaker and its own statements, and a retried delivery runs again."""
    bot.say('meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"')
    with bot.session() as session:
        speaker = shell_speaker(session, "IOM")
    where = Where(platform="shell", channel="test")
    begin = 2 if bot.engine.dialect.name == "sqlite" else 0  # BEGIN, PRAGMA query_only
    expected = {"whoami": (2 + begin, "reads"),
                "agenda add Labour migration update #5 #18": (7, "writes"),
                "agenda": (6 + begin, "reads")}
    for n, (line, (most, kind)) in enumerate(expected.items()):
        with counting_statements(bot.engine) as seen:
            reply = bot.runner.run(speaker, where, line, key=f"delivery-{n}")
        assert reply.ok, f"{line}: {reply.text}"
        assert seen[0] <= most, f"{line}: {seen[0]} statements"
        first = seen[0]
        with counting_statements(bot.engine) as seen:
            assert bot.runner.run(speaker, where, line, key=f"delivery-{n}") == reply
        assert seen[0] == (2 if kind == "writes" else first), f"{line} retried: {seen[0]}"
    assert "Labour migration update" in reply.text
