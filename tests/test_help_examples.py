"""Every example that ``help`` and ``help <verb>`` print runs as written and does what it says.

The examples are read from the help replies themselves (after "Example:", "Examples:" and
"e.g."), so an example added to the help is tested without touching this file. Each runs in
a fresh world where what it refers to exists (meetings #1 to #4, agenda item #4, poll #3,
action item #4, ...), as someone allowed to run it.
"""

import re
from collections.abc import Callable
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
from sqlmodel import col, select

from bot.config import load_config
from handlers import registry
from handlers.core import Actor, Reply, Speaker
from handlers.help import help_command
from storage.models import (
    ActionItem,
    ActionStatus,
    Agency,
    AgendaItem,
    AgendaStatus,
    Attendance,
    DateAnswer,
    DatePoll,
    Decision,
    JoinRequest,
    JoinStatus,
    Meeting,
    MeetingStatus,
    Minutes,
    Person,
    Poll,
    PollStatus,
    Vote,
    WGPartner,
    WorkingGroup,
)
from tests.conftest import APP_YAML, BotHarness, shown
from tests.db_state import objectives_of, snapshot
from tests.meeting_rows import held_meeting

registry.load_all()
CONFIG = load_config(APP_YAML)
T = TypeVar("T")

# An example starts after one of these marks and runs to the end of its line, of its sentence
# (". "), to a parenthesis, or to the next example of a list ("; ").
_MARK = re.compile(r"\b(?:Examples?:|e\.g\.)[ \t]+")
_END = re.compile(r"\.\s|\.$|\s\(|\)|;\s|$", re.MULTILINE)
# What follows an "e.g." in the help without being a command line: a part of one.
NOT_COMMANDS = {"until 14 Mar 2031 17:00"}


def help_lines() -> list[str]:
    """``help`` and then ``help <verb>`` for every verb (as typed; the replies are the same for
    anyone, test_the_help_read_here_is_the_help_the_bot_gives checks it)."""
    return ["help"] + [f"help {verb}" for verb in registry.verbs()]


def help_text(line: str) -> str:
    """The help a line asks for, from the help's handler, which reads only the settings and
    whether the speaker is a partner's person (here someone not on the roster: every command)."""
    context = SimpleNamespace(config=CONFIG, actor=Actor(Speaker("shell", "guest")))
    return shown(help_command(context, line.removeprefix("help")))  # type: ignore[arg-type]


def help_examples(texts: list[str]) -> list[str]:
    """Every example in the help texts, once each, in the order they first appear."""
    found: dict[str, None] = {}
    for text in texts:
        for mark in _MARK.finditer(text):
            at = mark.end()
            while end := _END.search(text, at):
                found.setdefault(text[at:end.start()].strip())
                if not end.group().startswith(";"):
                    break
                at = end.end()
    found.pop("", None)
    return list(found)


EXAMPLES = help_examples([help_text(line) for line in help_lines()])

# The world every example runs in, built through commands at the tests' clock (Mon 3 Mar 2031):
# meetings #1 (regular, 10 Apr) and #2 (labour-migration's, 24 Mar) to come; then meetings #3
# and #4 held (written straight into the database: no command schedules the past); then
# agenda items #1 to #4 on meeting #1, polls #1 to #3 open, a person added to UNICEF, a
# partner, date poll #1 (three times for an ad-hoc meeting), and minutes of meeting #4 with
# decision #1 and action items #1 to #4 (#2 IOM's, #4 UNICEF's).
MEETINGS_TO_COME = [
    ('meeting schedule regular 10 Apr 2031 10:00 "First regular meeting of 2031"', "IOM"),
    ('meeting schedule wg:labour-migration 24 Mar 2031 09:30 "WG review"', "ILO"),
]
RECORD = [
    ("agenda add Labour migration assessment #obj6 for #1", "ILO"),
    ("agenda add Returnee reintegration for #1", "UNICEF"),
    ("agenda add Health services for migrants #obj15 for #1", "WHO"),
    ("agenda add Data on migrant workers #obj1 for #1", "ILO"),
    ('poll propose "Share the data dashboard"', "IOM"),
    ('poll propose "Adopt the joint statement on returnees"', "RCO"),
    ('poll propose "Endorse the 2031 communication plan"', "IOM"),
    ('people add @"Khampheng" UNICEF', "UNICEF"),
    ('partners add "Lao Red Cross" to wg:labour-migration', "IOM"),
    ('meeting propose adhoc "Floods response" 12 Mar 2031 10:00 | 13 Mar 2031 14:00 | '
     "19 Mar 2031 9:00", "IOM"),
    ("minutes #4 #attendees RCO IOM ILO UNICEF #topic Planning #agreed Adopt the work plan "
     "#action ILO circulate the draft due 30 Apr 2031 #action IOM book a room "
     "#action WHO share figures #action UNICEF map services due 20 Mar 2031", "IOM"),
]
# What a few examples need beyond the world, which others must not find there: Jane Doe
# on the roster, UNFPA's request to join.
PREPARED = {
    "people move": [('people add @"Jane Doe" ILO', "IOM")],
    "people remove": [('people add @"Jane Doe" ILO', "IOM")],
    "members approve": [('members join UNFPA "United Nations Population Fund"', "UNFPA")],
}
# Who runs an example when the Secretariat (IOM) would not be the one to: an agency's own
# business, or someone who is not a member yet.
SPEAKERS = {"action done": "UNICEF", "action due": "UNICEF", "members join": "UNFPA",
            "members leave": "WORLD-BANK"}


def command_of(example: str) -> str:
    found = registry.find(example)
    assert found is not None, f"the help's example {example!r} is no command"
    return found[0].name


@pytest.fixture
def world(bot: BotHarness, example: str) -> BotHarness:
    """A fresh database with the world and what the example's command needs beyond it."""

    def run(lines: list[tuple[str, str]]) -> None:
        for line, speaker in lines:
            reply = bot.say(line, as_=speaker)
            assert reply.ok, (line, shown(reply))

    run(MEETINGS_TO_COME)
    held_meeting(bot, days_ago=2, title="Ad-hoc meeting on floods", kind="adhoc")
    held_meeting(bot, days_ago=30, title="Planning meeting")
    run(RECORD + PREPARED.get(command_of(example), []))
    return bot




def _row(bot: BotHarness, model: type[T], *where: Any) -> T:
    with bot.session() as session:
        row = session.exec(select(model).where(*where)).first()
    assert row is not None, (model.__name__, where)
    return row


def _local(moment: datetime | None) -> datetime:
    """A stored time as the network reads it, to compare with the example's words."""
    assert moment is not None
    return moment.astimezone(CONFIG.network.zone).replace(tzinfo=None)


def _item(bot: BotHarness, number: int = 4) -> AgendaItem:
    return _row(bot, AgendaItem, AgendaItem.id == number)


def _meeting(bot: BotHarness, number: int = 1) -> Meeting:
    return _row(bot, Meeting, Meeting.id == number)


def _action(bot: BotHarness, number: int = 4) -> ActionItem:
    return _row(bot, ActionItem, ActionItem.id == number)


def _agency(bot: BotHarness, code: str) -> Agency:
    return _row(bot, Agency, Agency.code == code)


def _jane_doe(bot: BotHarness) -> tuple[bool, str | None]:
    person = _row(bot, Person, Person.name == "Jane Doe")
    with bot.session() as session:
        agency = session.get(Agency, person.agency_id)
    return person.active, agency.code if agency else None


def _minutes_posted(bot: BotHarness) -> tuple[object, ...]:
    minutes = _row(bot, Minutes, Minutes.meeting_id == 3)
    decision = _row(bot, Decision, Decision.meeting_id == 3)
    action = _row(bot, ActionItem, ActionItem.meeting_id == 3)
    owner = _row(bot, Agency, Agency.id == action.agency_id).code
    return minutes.version, decision.text, owner, action.task, _local(action.due_at).date()


def _poll_opened(bot: BotHarness, example: str) -> tuple[object, ...]:
    poll = _row(bot, Poll, Poll.id == 4)
    if example.startswith("poll wg "):
        return poll.status, poll.kind
    return poll.status, poll.question, _local(poll.closes_at)


def _vote(bot: BotHarness) -> str:
    return _row(bot, Vote, Vote.poll_id == 3, Vote.agency_id == _agency(bot, "IOM").id).position


def _wg_partner(bot: BotHarness) -> str:
    protection = _row(bot, WorkingGroup, WorkingGroup.slug == "protection")
    return _row(bot, WGPartner, WGPartner.wg_id == protection.id).organisation


def _date_answers(bot: BotHarness) -> list[tuple[int, str]]:
    with bot.session() as session:
        return [(a.slot, a.answer) for a in session.exec(
            select(DateAnswer).where(DateAnswer.poll_id == 1).order_by(col(DateAnswer.id)))]


Effect = Callable[[BotHarness, str], tuple[object, object]]
# What each command that changes the record must have stored: what is there, what should be.
EFFECTS: dict[str, Effect] = {
    "action done": lambda bot, _: (_action(bot).status, ActionStatus.DONE),
    "action due": lambda bot, _: (_local(_action(bot).due_at).date(), date(2031, 6, 30)),
    "agenda accept": lambda bot, _: (_item(bot).status, AgendaStatus.ACCEPTED),
    "agenda add": lambda bot, _: (
        (_item(bot, 5).text, _item(bot, 5).meeting_id, objectives_of(bot, 5)),
        ("Update on the labour migration assessment", 1, {6, 18})),
    "agenda defer": lambda bot, _: (_item(bot).status, AgendaStatus.DEFERRED),
    "agenda order": lambda bot, _: (_item(bot).position, 1),
    "agenda publish": lambda bot, _: (_meeting(bot).agenda_published_at is not None, True),
    "agenda withdraw": lambda bot, _: (_item(bot).status, AgendaStatus.WITHDRAWN),
    "meeting attend": lambda bot, _: (
        (lambda a: (a.meeting_id, _row(bot, Agency, Agency.id == a.agency_id).code, a.answer,
                    a.names))(_row(bot, Attendance, Attendance.meeting_id == 1)),
        (1, "IOM", "yes", "Somchai, Jane")),
    "meeting available": lambda bot, _: (_date_answers(bot), [(1, "yes"), (2, "maybe"),
                                                                (3, "no")]),
    "meeting pick": lambda bot, _: (
        (_row(bot, DatePoll, DatePoll.id == 1).meeting_id,
         (lambda m: (m.title, m.location, _local(m.starts_at)))(_meeting(bot, 5))),
        (5, ("Floods response", "IOM office", datetime(2031, 3, 13, 14, 0)))),
    "meeting propose": lambda bot, _: (
        (lambda p: (p.kind, p.title, _local(p.answers_until)))(_row(bot, DatePoll,
                                                                    DatePoll.id == 2)),
        ("regular", "Mid-year review", datetime(2031, 3, 10, 23, 59))),
    "meeting drop": lambda bot, _: (
        (lambda p: (p.status, p.drop_reason))(_row(bot, DatePoll, DatePoll.id == 1)),
        ("dropped", "The Chair's mission was moved")),
    "meeting cancel": lambda bot, _: ((_meeting(bot).status, _meeting(bot).cancel_reason),
                                      (MeetingStatus.CANCELLED, "The Chair is travelling")),
    "meeting move": lambda bot, _: (_local(_meeting(bot).starts_at),
                                    datetime(2031, 3, 21, 14, 0)),
    "meeting schedule": lambda bot, _: (
        (lambda m: (m.kind, m.title, m.location, _local(m.starts_at)))(_meeting(bot, 5)),
        ("regular", "Mid-year review", "IOM office", datetime(2031, 3, 14, 10, 0))),
    "members approve": lambda bot, _: (_agency(bot, "UNFPA").active, True),
    "members join": lambda bot, _: (
        _row(bot, JoinRequest, JoinRequest.code == "UNFPA").status, JoinStatus.PENDING),
    "members leave": lambda bot, _: (_agency(bot, "WORLD-BANK").active, False),
    "minutes": lambda bot, _: (_minutes_posted(bot), (
        1, "Endorse the terms of reference", "ILO", "circulate the draft", date(2031, 6, 30))),
    "partners add": lambda bot, _: (_wg_partner(bot), "Lao Women's Union"),
    "people add": lambda bot, _: (_jane_doe(bot), (True, "ILO")),
    "people move": lambda bot, _: (_jane_doe(bot), (True, "UNICEF")),
    "people remove": lambda bot, _: (_jane_doe(bot)[0], False),
    "poll close": lambda bot, _: (_row(bot, Poll, Poll.id == 3).status, PollStatus.CLOSED),
    "poll propose": lambda bot, example: (_poll_opened(bot, example), (
        PollStatus.OPEN, "Adopt the 2031 annual work plan", datetime(2031, 3, 14, 17, 0))),
    "poll wg": lambda bot, example: (_poll_opened(bot, example),
                                     (PollStatus.OPEN, f"wg.{example.split()[2]}")),
    "vote": lambda bot, example: (_vote(bot), example.split()[2]),
}
# What each command that only reads shows of the world (in its text, title or fields).
SHOWS = {
    "actions": "book a room",
    "agenda": "Data on migrant workers",
    "agenda list": "Data on migrant workers",
    "agenda new": "unless you choose another",
    "decisions": "Adopt the work plan",
    "digest": "Endorse the 2031 communication plan",
    "help": "agenda add",
    "home": "On IOM's desk",
    "meeting availability": "Floods response",
    "meeting ics": "First regular meeting of 2031",
    "meeting list": "WG review",
    "meeting plan": "Planning meeting",
    "meeting show": "First regular meeting of 2031",
    "members": "WORLD-BANK",
    "members history": "Khampheng",
    "objectives": "decent work",
    "partners": "Lao Red Cross",
    "poll": "Endorse the 2031 communication plan",
    "poll history": "opened by IOM Focal Point",
    "poll list": "Endorse the 2031 communication plan",
    "poll show": "Not yet voted",
    "report": "Meetings held",
    "wg": "Labour Migration and Decent Work",
    "whoami": "IOM Focal Point",
}


def _everything_shown(reply: Reply) -> str:
    fields = "\n".join(f"{name}: {value}" for name, value in reply.fields)
    return f"{reply.title or ''}\n{shown(reply)}\n{fields}"


RUNNABLE = [example for example in EXAMPLES if example not in NOT_COMMANDS]


def test_every_command_has_an_example_and_a_check() -> None:
    assert len(RUNNABLE) >= len(registry.REGISTRY)
    assert {command_of(example) for example in RUNNABLE} == set(registry.REGISTRY)
    reads = {name for name, spec in registry.REGISTRY.items() if spec.reads_only}
    assert set(SHOWS) == reads
    assert set(EFFECTS) == set(registry.REGISTRY) - reads


def test_what_is_not_a_command_is_still_in_the_help() -> None:
    assert set(EXAMPLES) >= NOT_COMMANDS


def test_the_help_read_here_is_the_help_the_bot_gives(bot: BotHarness) -> None:
    for line in help_lines():
        for speaker in ("IOM", "a guest"):
            assert shown(bot.say(line, as_=speaker)) == help_text(line)


@pytest.mark.parametrize("example", RUNNABLE)
def test_every_example_of_the_help_runs_as_written(world: BotHarness, example: str) -> None:
    bot, name = world, command_of(example)
    before = snapshot(bot.engine)
    reply = bot.say(example, as_=SPEAKERS.get(name, "IOM"))
    assert reply.ok, shown(reply)
    if name in SHOWS:
        assert snapshot(bot.engine) == before
        assert SHOWS[name] in _everything_shown(reply)
    else:
        stored, said = EFFECTS[name](bot, example)
        assert stored == said
