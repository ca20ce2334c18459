"""Property tests for free text and the records replies name (issue 18): a tag-shaped or
``#N``-shaped word is never silently dropped into text, and what a reply says it stored is
what is stored.

Lines come from the grammar (tests/strategies.py). Each runs through fuzz_checks.attempted,
which holds every refusal to an example and an unchanged database, and undoes the rest.
The agenda's rules (handlers/agenda/agenda.py): objective tags (#obj6, #6) and 'for #N' come at the
end of the text; an #obj word anywhere else, or any #word left at the end, is refused; a #N
word inside the text is text.
"""

import re
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from handlers import registry
from handlers.core import Reply
from handlers.records.action_reminders import show_due
from handlers.timefmt import show_span
from storage.models import (
    ActionItem,
    Agency,
    AgendaItem,
    Decision,
    Meeting,
    Partner,
    Poll,
    Vote,
)
from tests.conftest import BotHarness
from tests.db_state import objectives_of
from tests.fuzz_checks import attempted
from tests.meeting_rows import held_meeting
from tests.strategies import (
    grammar_agenda_lines,
    numbered_lines,
    quoted_text_lines,
    tagged_agenda_lines,
    unquoted_text_lines,
)

T = TypeVar("T")
# busy_bot is built once per test and database; attempted undoes every example.
ONE_WORLD = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def text_bot(busy_bot: BotHarness) -> BotHarness:
    """busy_bot with meeting #4, held yesterday, still without minutes."""
    assert held_meeting(busy_bot, title="Partners' briefing") == 4
    return busy_bot


def _get(bot: BotHarness, model: type[T], number: int) -> T:
    with bot.session() as session:
        row = session.get(model, number)
    assert row is not None, f"the reply names {model.__name__} #{number}, which is not stored"
    return row


def _latest(bot: BotHarness, model: type[T]) -> T:
    with bot.session() as session:
        row = session.exec(select(model).order_by(model.id.desc())).first()  # type: ignore[attr-defined]
    assert row is not None, model.__name__
    return row


def _first_line(reply: Reply) -> str:
    return reply.text.split("\n")[0]


def _said(pattern: re.Pattern[str], reply: Reply) -> re.Match[str]:
    said = pattern.search(reply.text)
    assert said is not None, reply.text
    return said


# -- every record a reply names --------------------------------------------------------------

_REFERENCE = re.compile(r"\b(agenda item|meeting|poll|action item|decision) #(\d+)")
_MODELS: dict[str, type[Any]] = {"agenda item": AgendaItem, "meeting": Meeting, "poll": Poll,
                                 "action item": ActionItem, "decision": Decision}


def check_references(bot: BotHarness, reply: Reply) -> None:
    """Every record the reply names by number is stored; a meeting named with its title and
    time is named as stored."""
    for kind, number in _REFERENCE.findall(reply.text):
        row = _get(bot, _MODELS[kind], int(number))
        if kind == "meeting" and f'meeting #{number} "' in reply.text:
            span = show_span(row.starts_at, row.ends_at, bot.config.network.zone)
            assert f'meeting #{number} "{row.title}" ({span})' in reply.text, reply.text


# -- agenda add ------------------------------------------------------------------------------

_ADDED = re.compile(r"Added agenda item #(?P<item>\d+)(?: \((?P<tags>obj [^)]*)\))? to "
                    r"(?:the backlog|meeting #(?P<meeting>\d+) )")
_TAG = re.compile(r"(?i)#(?:obj)?(\d+)")
_MEETING_REF = re.compile(r"#(\d+)")


def _read_ending(words: list[str]) -> tuple[set[int], int | None]:
    """The tags and 'for #N' after an item's text, read as the grammar writes them; any other
    word there is one that was dropped."""
    tags, meeting = set[int](), None
    while words:
        if words[0].lower() == "for" and len(words) > 1 and (
                ref := _MEETING_REF.fullmatch(words[1])):
            assert meeting is None, "two meetings named and one stored"
            meeting, words = int(ref.group(1)), words[2:]
        elif tag := _TAG.fullmatch(words[0]):
            tags.add(int(tag.group(1)))
            words = words[1:]
        else:
            raise AssertionError(f"{words[0]!r} after the text is neither stored nor refused")
    return tags, meeting


def check_added_item(bot: BotHarness, line: str, reply: Reply) -> AgendaItem:
    """'Added agenda item #N (obj ...) to meeting #M: <text>' is the row stored, and the line is
    that text followed by those tags and that 'for #M' alone: no word was dropped, and no
    word the grammar reads as a tag or a meeting was kept in the text."""
    said = _said(_ADDED, reply)
    item = _get(bot, AgendaItem, int(said["item"]))
    objectives = objectives_of(bot, int(said["item"]))
    assert item.meeting_id == (int(said["meeting"]) if said["meeting"] else None)
    assert objectives == {int(n) for n in re.findall(r"\d+", said["tags"] or "")}
    assert _first_line(reply).endswith(f": {item.text}")
    args = line.removeprefix("agenda add ")
    assert args.startswith(item.text) and args[len(item.text):][:1] in ("", " ")
    tags, meeting = _read_ending(args[len(item.text):].split())
    assert tags == objectives
    assert meeting in (None, item.meeting_id)
    words = item.text.split()
    assert not words[-1].startswith("#"), item.text
    assert not any(word.lower().startswith("#obj") for word in words), item.text
    return item


@ONE_WORLD
@given(line=tagged_agenda_lines())
def test_tag_shaped_words_in_an_agenda_item_are_read_or_refused(
    busy_bot: BotHarness, line: str
) -> None:
    with attempted(busy_bot, line) as (reply, _):
        event("accepted" if reply.ok else "refused")
        if reply.ok:
            check_added_item(busy_bot, line, reply)
            check_references(busy_bot, reply)


@ONE_WORLD
@given(case=grammar_agenda_lines())
def test_an_agenda_line_of_the_grammar_is_stored_as_written(
    busy_bot: BotHarness, case: tuple[str, str, set[int], int | None]
) -> None:
    line, text, objectives, meeting = case
    with attempted(busy_bot, line) as (reply, _):
        assert reply.ok, (line, reply.text)
        item = check_added_item(busy_bot, line, reply)
        assert (item.text, item.meeting_id, objectives_of(busy_bot, item.id or 0)) == (
            text, meeting or 1, objectives)  # without 'for', the next meeting taking items


# -- other free text -------------------------------------------------------------------------

_QUOTED = re.compile(r'"([^"]*)"\s*(.*)$')


def _stored_text(bot: BotHarness, line: str) -> str:
    """The text the command of ``line`` stored last: a poll's, a partner's, a meeting's, a
    decision's, an action item's or a vote's."""
    name = _command(line)
    if name == "poll propose":
        return _latest(bot, Poll).question
    if name == "partners add":
        return _latest(bot, Partner).organisation
    if name == "meeting schedule":
        return _latest(bot, Meeting).title
    if name == "vote":
        return _latest(bot, Vote).reason or ""
    return _latest(bot, ActionItem).task if "#action" in line else _latest(bot, Decision).text


def _command(line: str) -> str:
    found = registry.find(line)
    assert found is not None, line
    return found[0].name


@ONE_WORLD
@given(line=quoted_text_lines())
def test_quoted_text_is_kept_whole_and_nothing_after_it_is_dropped(
    text_bot: BotHarness, line: str
) -> None:
    quoted = _QUOTED.search(line)
    assert quoted is not None
    with attempted(text_bot, line) as (reply, _):
        event("accepted" if reply.ok else "refused")
        if reply.ok:
            assert quoted.group(2) == "", f"{quoted.group(2)!r} was dropped: {reply.text}"
            assert _stored_text(text_bot, line) == quoted.group(1).strip()
            check_references(text_bot, reply)


_TEXT_AFTER = re.compile(r"^(?:poll propose|minutes #4 #agreed|minutes #4 #action ILO|"
                         r"vote #1 object) (.*)$")


@ONE_WORLD
@given(line=unquoted_text_lines())
def test_text_to_the_end_of_the_line_is_stored_whole(text_bot: BotHarness, line: str) -> None:
    """A poll's unquoted text, a decision, a task, a reason: every word, tag-shaped or not."""
    text = _TEXT_AFTER.match(line)
    assert text is not None
    with attempted(text_bot, line) as (reply, _):
        event("accepted" if reply.ok else "refused")
        if reply.ok:
            assert _stored_text(text_bot, line) == text.group(1)
            check_references(text_bot, reply)


# -- what the replies of agenda add, vote, action due and meeting schedule say ---------------

# "Recorded: ..." or, for the same vote again, "Already recorded: ..." (nothing changed).
_VOTED = re.compile(r"(?:Already r|R)ecorded: (?P<agency>\S+) "
                    r"(?P<verb>agrees|abstains|objects) on poll #(?P<poll>\d+)")
_POSITIONS = {"agrees": "agree", "abstains": "abstain", "objects": "object"}
_DUE = re.compile(r"^Action item #(?P<item>\d+) for (?P<agency>\S+) is now due (?P<date>.+?): "
                  r"(?P<task>.*)$", re.MULTILINE)
_SCHEDULED = re.compile(r'^Scheduled meeting #(?P<meeting>\d+) "')
_SCHEDULE_LINE = re.compile(r'^meeting schedule (?P<kind>\S+) .*"(?P<title>[^"]*)"'
                            r'(?: where (?P<place>.*))?$')


def _code(bot: BotHarness, agency_id: int) -> str:
    return _get(bot, Agency, agency_id).code


def check_vote(bot: BotHarness, line: str, reply: Reply) -> None:
    said = _said(_VOTED, reply)
    assert line.split()[1] == f"#{said['poll']}"
    with bot.session() as session:
        vote = session.exec(select(Vote).join(Agency, Agency.id == Vote.agency_id).where(
            Vote.poll_id == int(said["poll"]), Agency.code == said["agency"])
            .order_by(Vote.id.desc())).first()  # type: ignore[union-attr]
    assert vote is not None
    assert vote.position == _POSITIONS[said["verb"]]
    reason = " ".join(line.split()[3:])  # every word after the position: none dropped
    assert (vote.reason or "") == reason
    assert not reason or f"\nYour reason: {reason}" in reply.text


def check_due(bot: BotHarness, line: str, reply: Reply) -> None:
    said = _said(_DUE, reply)
    assert line.split()[2] == f"#{said['item']}"
    item = _get(bot, ActionItem, int(said["item"]))
    assert item.due_at is not None
    assert (_code(bot, item.agency_id), show_due(item.due_at, bot.config.network.zone),
            item.task) == (said["agency"], said["date"], said["task"])


def check_scheduled(bot: BotHarness, line: str, reply: Reply) -> None:
    said = _said(_SCHEDULED, reply)
    meeting = _get(bot, Meeting, int(said["meeting"]))
    asked = _SCHEDULE_LINE.match(line)
    assert asked is not None
    assert (meeting.kind, meeting.title, meeting.location) == (
        asked["kind"].split(":")[0], asked["title"], asked["place"])


SAYS = {"agenda add": check_added_item, "vote": check_vote, "action due": check_due,
        "meeting schedule": check_scheduled}


@ONE_WORLD
@given(line=numbered_lines(), speaker=st.sampled_from(("IOM", "IOM", "RCO", "ILO", "UNICEF")))
def test_the_records_a_reply_names_are_stored_as_it_says(
    busy_bot: BotHarness, line: str, speaker: str
) -> None:
    with attempted(busy_bot, line, speaker) as (reply, changed):
        asks = reply.form is not None  # an objection without a reason: a form asks for one
        event(f"{_command(line)}: {'asked' if asks else 'accepted' if reply.ok else 'refused'}")
        if asks:
            assert not changed
        elif reply.ok:
            check_references(busy_bot, reply)
            SAYS[_command(line)](busy_bot, line, reply)
