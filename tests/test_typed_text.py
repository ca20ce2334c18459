"""What people type, through the command core: invisible and format characters, tabs, pasted
text, and limits that count the text they are about rather than the command around it."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlmodel import select

from handlers.core import Where
from handlers.people import shell_speaker
from storage.models import AgendaItem, JoinRequest, Minutes, Partner, Person, Poll, Vote
from tests.conftest import BotHarness
from tests.db_state import assert_refused
from tests.meeting_rows import held_meeting
from tests.strategies import printable
from tests.test_grammar import FORMAT

ADD_EXAMPLE = "agenda add Update on the labour migration assessment #obj6 #obj18"
# A text of each kind people write, where ``{}`` stands for it.
WRITTEN = ("agenda add {}", 'poll propose "{}"', "vote #1 object {}", "minutes #1 #agreed {}",
           'meeting schedule regular 14 Mar 2031 10:00 "{}"', 'members join UNFPA "{}"',
           'partners add "{}"', "meeting cancel #2 {}")


def _items(bot: BotHarness) -> list[str]:
    with bot.session() as session:
        return list(session.exec(select(AgendaItem.text).order_by(AgendaItem.id)).all())


def test_a_right_to_left_override_is_refused_saying_which_and_where(bot: BotHarness) -> None:
    reply = assert_refused(bot, "agenda add Safe migration \u202efor all", "U+202E")
    assert reply.text == (
        "The command contains an invisible character that changes how text reads "
        "(U+202E RIGHT-TO-LEFT OVERRIDE) after “agenda add Safe migration ”; please retype "
        f"that part as plain text.\nExample: {ADD_EXAMPLE}")


@pytest.fixture
def with_records(bot: BotHarness) -> BotHarness:
    """Poll #1 open, meeting #1 held (for minutes) and meeting #2 ahead (to cancel)."""
    held_meeting(bot)
    for line in ('poll propose "Adopt the work plan"',
                 'meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"'):
        assert bot.say(line).ok, line
    return bot


# with_records is built once per test and database; a refusal changes nothing, so examples
# do not see each other.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(WRITTEN), before=printable(), character=st.sampled_from(FORMAT),
       after=printable())
def test_any_text_with_a_format_character_is_refused_and_changes_nothing(
    with_records: BotHarness, command: str, before: str, character: str, after: str
) -> None:
    written = f"x{before}{character}{after}".replace('"', "'")
    assert_refused(with_records, command.format(written), f"(U+{ord(character):04X} ")


@pytest.mark.parametrize("text", [
    "ການເຄື່ອນຍ້າຍແຮງງານ ແລະ ສິດທິ",  # labour migration and rights
    "ສົ່ງເສີມການເຄື່ອນຍ້າຍແຮງງານທີ່ປອດໄພ #6",
    "ການ\u200cເຄື່ອນຍ້າຍ ແລະ ສິດ\u200dທິ",  # with ZWNJ and ZWJ
    "Family 👨\u200d👩\u200d👧 reunification",
    "Safe\u00a0migration",  # a no-break space, as Word and Teams paste it
])
def test_lao_joiners_and_no_break_spaces_are_stored_as_typed(bot: BotHarness, text: str) -> None:
    reply = bot.say(f"agenda add {text}")
    assert reply.ok, reply.text
    assert _items(bot) == [text.removesuffix(" #6")]


def test_pasted_tabs_and_invisible_break_hints_are_tidied_away(bot: BotHarness) -> None:
    """Lao text from a word breaker (zero-width spaces), Word (soft hyphens, tabs), a copied
    Slack reply (a zero-width space after each *), a file (a byte order mark)."""
    pasted = "\ufeffການ\u200bເຄື່ອນ\u200bຍ້າຍ\tlabour mi\u00adgra\u2060tion for *\u200ball*\u200b"
    reply = bot.say(f"agenda\tadd {pasted}")
    assert reply.ok, reply.text
    assert _items(bot) == ["ການເຄື່ອນຍ້າຍ labour migration for *all*"]


@pytest.mark.parametrize(("length", "tags"), [(1000, ""), (1000, " " + " ".join(
    f"#{n}" for n in range(1, 24)) + " for #1")])
def test_an_agenda_item_may_have_1000_characters_besides_the_command(
    bot: BotHarness, length: int, tags: str
) -> None:
    assert bot.say('meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"').ok
    reply = bot.say(f"agenda add {'x' * length}{tags}")
    assert reply.ok, reply.text
    assert _items(bot) == ["x" * length]


@pytest.mark.parametrize(("line", "refusal"), [
    ("agenda add " + "x" * 1003,
     f"The agenda item is 1,003 characters long; the limit is 1,000.\nExample: {ADD_EXAMPLE}"),
    ("agenda add " + "ສ" * 1001 + " #6 for #1",
     f"The agenda item is 1,001 characters long; the limit is 1,000.\nExample: {ADD_EXAMPLE}"),
    ("vote #1 object " + "x" * 1001, "The reason is 1,001 characters long; the limit is 1,000."),
    ('poll propose "' + "x" * 2001 + '" until 14 Mar 2031 17:00',
     "The proposal is 2,001 characters long; the limit is 2,000."),
    ("minutes #1 #agreed " + "x" * 19993,
     "The text of the minutes is 20,001 characters long; the limit is 20,000."),
    # PostgreSQL refused longer names, which read as "The database is not answering".
    ('members join UNFPA "' + "n" * 201 + '"',
     "The agency's name is 201 characters long; the limit is 200."),
    ('people add @"' + "p" * 201 + '" ILO',
     "The person's name is 201 characters long; the limit is 200."),
    ('partners add "' + "o" * 201 + '"',
     "The organisation's name is 201 characters long; the limit is 200."),
])
def test_each_limit_counts_the_text_it_is_about(
    with_records: BotHarness, line: str, refusal: str
) -> None:
    reply = assert_refused(with_records, line, refusal, as_="IOM" if "vote" not in line else "ILO")
    assert reply.text.startswith(refusal)


def test_texts_at_their_limits_are_taken_whole(with_records: BotHarness) -> None:
    bot = with_records
    assert bot.say("vote #1 object " + "r" * 1000, as_="ILO").ok
    assert bot.say('poll propose "' + "p" * 2000 + '" until 14 Mar 2031 17:00').ok
    assert bot.say("minutes #1 #agreed " + "m" * 19992).ok
    for line in ('members join UNFPA "' + "n" * 200 + '"', 'people add @"' + "p" * 200 + '" ILO',
                 'partners add "' + "o" * 200 + '"'):
        assert bot.say(line).ok, line
    with bot.session() as session:
        assert [len(v.reason or "") for v in session.exec(select(Vote)).all()] == [1000]
        assert len(session.exec(select(Poll.question).where(Poll.id == 2)).one()) == 2000
        assert [len(m.body) for m in session.exec(select(Minutes)).all()] == [20000]
        assert session.exec(select(JoinRequest.name)).all() == ["n" * 200]
        assert session.exec(select(Person.name).where(Person.name == "p" * 200)).all()
        assert session.exec(select(Partner.organisation)).all() == ["o" * 200]


def test_the_objection_form_takes_a_whole_reason(with_records: BotHarness) -> None:
    asked = with_records.say("vote #1 object", as_="ILO")
    assert asked.form is not None
    assert [field.max_length for field in asked.form.fields] == [1000]


@contextmanager
def statements(bot: BotHarness) -> Iterator[list[str]]:
    run: list[str] = []

    def record(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        run.append(statement)

    event.listen(bot.engine, "before_cursor_execute", record)
    try:
        yield run
    finally:
        event.remove(bot.engine, "before_cursor_execute", record)


@pytest.mark.parametrize(("line", "answer"), [
    ("agenda add " + "x" * 5_000_000,
     f"The command is 5,000,011 characters long; the limit is 2,000.\nExample: {ADD_EXAMPLE}"),
    ("x" * 5_000_000, f"I don't know '{'x' * 39}…'. Type help to see every command."),
])
def test_a_pasted_document_is_refused_before_anything_reads_it(
    bot: BotHarness, line: str, answer: str
) -> None:
    with bot.session() as session:
        speaker = shell_speaker(session, "IOM")
    with statements(bot) as run:
        reply = bot.runner.run(speaker, Where(platform="shell"), line)
    assert not reply.ok and reply.text.startswith(answer) and len(reply.text) < 200, \
        reply.text[:200]
    assert run == []
