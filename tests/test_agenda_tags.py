"""Objective tags and ``for #N`` at the end of ``agenda add`` (issue 18, defects 1 and 2).

Issue 3 named the tag form ``#obj1 ... #obj23``; ``#1 ... #23`` stays accepted. The expected
readings below are written from the issue's grammar, not computed with the parser.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from storage.models import AgendaItem, AgendaItemObjective
from tests.conftest import BotHarness
from tests.db_state import assert_refused, restore, snapshot

MIDYEAR = 'meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"'
LATER = 'meeting schedule adhoc 28 Mar 2031 10:00 "Follow-up"'


@pytest.fixture
def two_meetings(bot: BotHarness) -> BotHarness:
    bot.say(MIDYEAR)
    bot.say(LATER)
    return bot


def _stored(bot: BotHarness) -> list[tuple[str, int | None, list[int]]]:
    """Each item's text, meeting and objective numbers, in order of id."""
    with bot.session() as session:
        items = session.exec(select(AgendaItem).order_by(AgendaItem.id)).all()  # type: ignore[arg-type]
        tags = session.exec(select(AgendaItemObjective)).all()
        return [(item.text, item.meeting_id,
                 sorted(t.objective_number for t in tags if t.item_id == item.id))
                for item in items]


def test_obj_tags_are_read_and_replies_show_them_as_obj(two_meetings: BotHarness) -> None:
    bot = two_meetings
    reply = bot.say("agenda add Labour migration assessment #obj6 #18")
    assert reply.text.startswith("Added agenda item #1 (obj 6, obj 18) to meeting #1 ")
    assert _stored(bot) == [("Labour migration assessment", 1, [6, 18])]
    listing = bot.say("agenda list #1").text
    assert "1. #1 Labour migration assessment — IOM (proposed) · obj 6, obj 18" in listing
    assert "#6" not in listing and "#18" not in listing
    bot.say("agenda add Return and reintegration #OBJ21")
    assert _stored(bot)[1] == ("Return and reintegration", 1, [21])


def test_for_and_the_tags_come_in_any_order(two_meetings: BotHarness) -> None:
    bot = two_meetings
    bot.say("agenda add Item for #2 #6")
    bot.say("agenda add Other item #obj7 for #2 #obj18")
    bot.say("agenda add Third item for #1")
    assert _stored(bot) == [("Item", 2, [6]), ("Other item", 2, [7, 18]),
                            ("Third item", 1, [])]


@pytest.mark.parametrize(("line", "problem"), [
    ("agenda add Budget #obj99", "#obj99 is not a GCM objective: objectives are numbered 1 to 23"),
    ("agenda add Budget #obj0 #6", "#obj0 is not a GCM objective"),
    ("agenda add Budget #24 for #1", "#24 is not a GCM objective"),
    ("agenda add Budget #obj", "'#obj' at the end is neither an objective tag nor 'for #N'"),
    ("agenda add Budget #obj6,#obj7", "'#obj6,#obj7' at the end"),
    ("agenda add Budget #6, #7", "'#6,' at the end"),
    ("agenda add Budget #obj6 review", "'#obj6' is in the middle of the text"),
    ("agenda add Budget for #1 for #2", "Name one meeting with 'for #N', not two"),
    ("agenda add Budget for #obj2x", "'#obj2x' at the end"),
    ("agenda add #obj6", "agenda item"),
])
def test_a_tag_shaped_word_is_refused_not_kept(two_meetings: BotHarness, line: str,
                                               problem: str) -> None:
    reply = assert_refused(two_meetings, line, problem)
    assert "agenda add" in reply.text  # the example


def test_a_full_width_number_sign_is_a_tag_too(two_meetings: BotHarness) -> None:
    """Phones with an East Asian keyboard type ＃ (U+FF03); ``＃obj6`` was stored as text."""
    bot = two_meetings
    assert bot.say("agenda add Budget ＃obj6 for ＃2").text.startswith(
        "Added agenda item #1 (obj 6) to meeting #2 ")
    assert _stored(bot) == [("Budget", 2, [6])]
    assert_refused(bot, "agenda add Budget ＃obj6 review", "'#obj6' is in the middle")


def test_a_number_kept_in_the_text_is_said_to_be_text(two_meetings: BotHarness) -> None:
    """A ``#3`` inside the text stays there (an item may be about poll #3), never silently."""
    reply = two_meetings.say("agenda add Follow-up to poll #3, and #3 again #obj6")
    assert reply.ok
    assert reply.text.splitlines()[1:] == [
        "Note: '#3' stays in the text as written; objective tags go at the end, e.g. #obj6."]
    assert _stored(two_meetings) == [("Follow-up to poll #3, and #3 again", 1, [6])]
    assert "Note" not in two_meetings.say("agenda add Budget #obj6").text


def test_help_shows_the_obj_form(bot: BotHarness) -> None:
    detail = bot.say("help agenda add").text
    assert "#obj1 ... #obj23" in detail and "#obj6" in detail


TEXT_WORD = st.from_regex(r"[A-Za-z][a-z]{0,7}", fullmatch=True).filter(
    lambda word: word.lower() != "for")  # "... for #6" names meeting #6 by the grammar
TAG = st.tuples(st.integers(0, 30), st.sampled_from(["#", "#obj", "#OBJ", "#Obj"]))
JUNK = st.sampled_from(["#obj", "#objx", "#6,", "#x", "#obj6.", "#"])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=80,
          deadline=None)
@given(words=st.lists(TEXT_WORD, min_size=1, max_size=4),
       tags=st.lists(TAG, max_size=4),
       meeting=st.none() | st.sampled_from([1, 2, 9]),
       meeting_at=st.integers(0, 4),
       junk=st.none() | st.tuples(JUNK, st.integers(0, 5)))
def test_any_end_of_line_is_read_as_written_or_refused(
    two_meetings: BotHarness, words: list[str], tags: list[tuple[int, str]],
    meeting: int | None, meeting_at: int, junk: tuple[str, int] | None,
) -> None:
    """``agenda add <text> <tags and for #N in any order>``: stored exactly as written (text,
    tags, meeting), or refused with nothing changed; no ``#...`` word ends the stored text."""
    bot = two_meetings
    ending = [f"{form}{number}" for number, form in tags]
    if meeting is not None:
        ending.insert(min(meeting_at, len(ending)), f"for #{meeting}")
    if junk is not None:
        ending.insert(min(junk[1], len(ending)), junk[0])
    line = "agenda add " + " ".join(words + ending)
    start = snapshot(bot.engine)
    try:
        reply = bot.say(line)
        valid = junk is None and meeting != 9 and all(1 <= n <= 23 for n, _ in tags)
        if not valid:
            assert not reply.ok, (line, reply.text)
            assert snapshot(bot.engine) == start
            return
        assert reply.ok, (line, reply.text)
        expected = (" ".join(words), meeting or 1, sorted({n for n, _ in tags}))
        assert _stored(bot) == [expected]
        assert not expected[0].split()[-1].startswith("#")
    finally:
        restore(bot.engine, start)
