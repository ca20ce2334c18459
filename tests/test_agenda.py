"""The agenda cycle: items find their meeting, are ordered and decided, and go out at the deadline.

"Now" is Mon 3 Mar 2031, 09:00 in Vientiane; the agenda closes 3 days before a meeting.
"""

import pytest
from sqlmodel import select

from handlers.core import Scope
from handlers.jobs import JOBS
from storage.audience import NETWORK
from storage.models import AgendaItem, AgendaItemObjective, Meeting, Outbox
from tests.conftest import BotHarness, Clock, shown
from tests.db_state import assert_refused, outbox

MIDYEAR = 'meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"'
LATER = 'meeting schedule adhoc 28 Mar 2031 10:00 "Follow-up"'


def _items(bot: BotHarness) -> dict[int, AgendaItem]:
    with bot.session() as session:
        items = session.exec(select(AgendaItem).order_by(AgendaItem.id)).all()  # type: ignore[arg-type]
        return {i.id: i for i in items if i.id}


def _tags(bot: BotHarness, item_id: int) -> list[int]:
    with bot.session() as session:
        return sorted(session.exec(select(AgendaItemObjective.objective_number).where(
            AgendaItemObjective.item_id == item_id)).all())


def test_an_item_goes_to_the_next_meeting_with_its_objectives(bot: BotHarness) -> None:
    bot.say(MIDYEAR)
    reply = bot.say("agenda add Labour migration assessment #6 #18", as_="ILO")
    assert reply.ok
    assert reply.text == ('Added agenda item #1 (obj 6, obj 18) to meeting #1 "Mid-year '
                          'review" (Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)): Labour '
                          "migration assessment")
    assert _items(bot)[1].meeting_id == 1
    assert _tags(bot, 1) == [6, 18]
    listing = bot.say("agenda list #1", as_="WHO").text
    assert "1. #1 Labour migration assessment — ILO (proposed) · obj 6, obj 18" in listing


def test_tags_come_last_and_a_meeting_only_after_for(bot: BotHarness) -> None:
    bot.say(MIDYEAR)
    bot.say(LATER)
    bot.say("agenda add Review of item #2 in the work plan #3 for #2")
    item = _items(bot)[1]
    assert (item.text, item.meeting_id, _tags(bot, 1)) == \
        ("Review of item #2 in the work plan", 2, [3])
    bot.say("agenda add Referral pathways for returnees #7 #7")
    assert (_items(bot)[2].text, _tags(bot, 2)) == ("Referral pathways for returnees", [7])


def test_the_backlog_joins_the_next_meeting_scheduled(bot: BotHarness) -> None:
    added = bot.say("agenda add Returnee reintegration pilot", as_="UNICEF")
    assert "to the backlog" in added.text and "join the next meeting" in added.text
    bot.say("agenda add Data sharing protocol #1", as_="ILO")
    scheduled = bot.say(MIDYEAR)
    assert "2 waiting agenda items joined its agenda." in scheduled.text
    assert [(i.meeting_id, i.position) for i in _items(bot).values()] == [(1, 1), (1, 2)]
    assert "1. #1 Returnee reintegration pilot — UNICEF (proposed)" in bot.say("agenda").text


def test_after_the_deadline_items_go_to_the_following_meeting(
    bot: BotHarness, clock: Clock
) -> None:
    bot.say(MIDYEAR)
    clock.advance(days=8, hours=2)  # Tue 11 Mar, 11:00: the deadline (10:00) has passed
    assert "to the backlog" in bot.say("agenda add Late idea", as_="WHO").text
    refused = bot.say("agenda add Late idea for #1", as_="WHO")
    assert not refused.ok
    assert "The agenda of meeting #1 closed Tue 11 Mar 2031, 10:00 (Asia/Vientiane)" \
        in refused.text
    assert len(_items(bot)) == 1
    assert bot.say("agenda add Urgent: flood response for #1", as_="RCO").ok
    assert _items(bot)[2].meeting_id == 1
    bot.say(LATER)
    assert _items(bot)[1].meeting_id == 2


def test_agenda_shows_the_meeting_taking_items(bot: BotHarness, clock: Clock) -> None:
    """Past meeting #1's deadline (Tue 11 Mar, 10:00) items go to meeting #2, and so does
    ``agenda``; meeting #1 is named as closed."""
    bot.say(MIDYEAR)
    bot.say(LATER)
    bot.say("agenda add Labour migration assessment")
    clock.advance(days=8, hours=2)  # Tue 11 Mar, 11:00
    added = bot.say("agenda add Late idea", as_="WHO")
    assert "Added agenda item #2 to meeting #2" in added.text
    text = shown(bot.say("agenda", as_="WHO"))
    assert text.startswith('*Agenda closed*: meeting #1 "Mid-year review" (Fri 14 Mar 2031, '
                           "10:00–12:00 (Asia/Vientiane)), since Tue 11 Mar 2031, 10:00 "
                           "(Asia/Vientiane) (agenda list #1 shows it); new items go to "
                           "meeting #2.")
    assert '\n\n*Next meeting*: meeting #2 "' in text
    assert "1. #2 Late idea — WHO (proposed)" in text
    assert "Labour migration assessment" not in text  # meeting #1's item, not #2's


@pytest.mark.parametrize(("who", "line", "problem"), [
    ("ILO", "agenda add Budget #24", "#24 is not a GCM objective: objectives are numbered "
                                     "1 to 23"),
    ("ILO", "agenda add Budget #0 #5", "#0 is not a GCM objective"),
    ("ILO", "agenda add #5", "The agenda item is empty."),
    ("ILO", "agenda add Budget for #9", "There is no meeting #9"),
    ("ILO", "agenda add Budget for #2", "Meeting #2 is cancelled"),
    ("ILO", "agenda add Budget for #x", "'#x' is not a meeting number"),
    ("WHO", "agenda withdraw #1", "Only the proposing agency (ILO) or the Secretariat"),
    ("ILO", "agenda withdraw #3", "Agenda item #3 was already withdrawn, so nothing changed."),
    ("ILO", "agenda accept #3", "Agenda item #3 was withdrawn."),
    ("ILO", "agenda withdraw #8", "There is no agenda item #8"),
    ("ILO", "agenda accept #1", "Only the Chair or the Secretariat may accept"),
    ("ILO", "agenda defer #1", "Only the Chair or the Secretariat may accept, defer"),
    ("WHO", "agenda order #1 2", "Only the Chair or the Secretariat"),
    ("IOM", "agenda order #1 9", "Give a position from 1 to 2."),
    ("IOM", "agenda order #1 first", "Give a position from 1 to 2."),
    ("IOM", "agenda list #5", "There is no meeting #5"),
    ("WHO", "agenda publish #1", "Only the organisers of meeting #1"),
    ("IOM", "agenda publish #2", "Meeting #2 was cancelled"),
])
def test_refusals_say_why_and_change_nothing(
    bot: BotHarness, who: str, line: str, problem: str
) -> None:
    bot.say(MIDYEAR)
    bot.say(LATER)
    bot.say("meeting cancel #2")
    bot.say("agenda add Recruitment fees study for #1", as_="ILO")
    bot.say("agenda add Second item for #1", as_="ILO")
    bot.say("agenda add Withdrawn item for #1", as_="ILO")
    bot.say("agenda withdraw #3", as_="ILO")
    assert_refused(bot, line, problem, as_=who)


def test_withdraw_accept_defer_and_order(bot: BotHarness) -> None:
    bot.say(MIDYEAR)
    for text, who in (("Assessment", "ILO"), ("Pilot", "UNICEF"), ("Protocol", "WHO"),
                      ("Statement", "UNDP")):
        bot.say(f"agenda add {text}", as_=who)
    assert bot.say("agenda withdraw #2", as_="UNICEF").ok
    assert bot.say("agenda withdraw #3", as_="IOM").ok
    assert bot.say("agenda accept #1", as_="RCO").ok
    ordered = bot.say("agenda order #4 1", as_="RCO")
    assert ordered.ok and "Agenda item #4 is now number 1." in ordered.text
    listing = bot.say("agenda list #1").text
    assert [line.split(" — ")[0] for line in listing.splitlines()[1:]] == [
        "1. #4 Statement", "2. #1 Assessment", "– #2 Pilot", "– #3 Protocol"]
    assert "2. #1 Assessment — ILO (accepted)" in listing
    assert "– #2 Pilot — UNICEF (withdrawn)" in listing
    deferred = bot.say("agenda defer #4")
    assert deferred.text == ("Deferred agenda item #4: Statement\n"
                             "It moves to the next meeting once one is scheduled.")
    assert (_items(bot)[4].meeting_id, _items(bot)[4].status) == (1, "deferred")
    assert "1. #4 Statement — UNDP (deferred)" in bot.say("agenda list #1").text
    assert not bot.say("agenda defer #4").ok
    bot.say(LATER)
    assert (_items(bot)[4].meeting_id, _items(bot)[4].status) == (2, "proposed")
    assert "1. #4 Statement — UNDP (proposed)" in bot.say("agenda list #2").text
    bot.say("agenda add Another", as_="WHO")
    assert bot.say("agenda defer #1").text.startswith(
        'Deferred agenda item #1 to meeting #2 "Follow-up"')


def test_an_item_deferred_on_a_held_meeting_is_shown_waiting(
        bot: BotHarness, clock: Clock) -> None:
    """Issue 18: the agenda said the backlog was empty while an item deferred on the held
    meeting waited, and scheduling the next meeting then said "1 waiting agenda item
    joined"."""
    bot.say(MIDYEAR)
    bot.say("agenda add Labour migration assessment", as_="ILO")
    bot.say("agenda defer #1")
    clock.advance(days=12)  # 15 Mar: the meeting is over
    assert shown(bot.say("agenda")).endswith(
        "*Backlog* (waiting for a meeting)\n1. #1 Labour migration assessment — ILO (deferred)")
    scheduled = bot.say('meeting schedule regular 14 Sep 2031 10:00 "Second regular"')
    assert "1 waiting agenda item joined its agenda." in scheduled.text
    agenda = bot.say("agenda").text
    assert "Backlog" not in agenda
    assert "1. #1 Labour migration assessment — ILO (proposed)" in agenda


def test_cancelling_a_meeting_moves_its_items_on(bot: BotHarness) -> None:
    bot.say(MIDYEAR)
    bot.say(LATER)
    bot.say("agenda add Assessment", as_="ILO")
    bot.say("agenda add Gone", as_="ILO")
    bot.say("agenda withdraw #2", as_="ILO")
    bot.say("agenda add Deferred once", as_="WHO")
    bot.say("agenda defer #3")  # rolls to meeting #2 at once
    bot.say("agenda add Deferred, waiting", as_="WHO")
    bot.say("meeting cancel #2")  # #3 goes back to meeting #1
    bot.say("agenda defer #4")  # no later meeting: it waits, deferred, on #1
    assert _items(bot)[4].status == "deferred"
    reply = bot.say("meeting cancel #1")
    assert "Its 3 agenda items moved to the backlog." in reply.text
    assert [(i.meeting_id, i.status) for i in _items(bot).values()] == [
        (None, "proposed"), (1, "withdrawn"), (None, "proposed"), (None, "proposed")]
    bot.say(MIDYEAR)
    bot.say(LATER)
    assert [i.meeting_id for i in _items(bot).values()] == [3, 1, 3, 3]


def test_the_deadline_job_publishes_the_agenda_to_the_network(bot: BotHarness) -> None:
    bot.say('meeting schedule regular 14 Mar 2031 10:00 "Mid-year review" where IOM office')
    bot.say("agenda add Labour migration assessment #6 #18", as_="ILO")
    bot.say("agenda add Withdrawn idea", as_="WHO")
    bot.say("agenda withdraw #2", as_="WHO")
    bot.say("agenda accept #1")
    [row] = outbox(bot, "agenda.deadline")
    due = row.due_at
    with bot.session() as session:
        row = session.get(Outbox, row.id)
        JOBS[row.kind](Scope(session, bot.config, due), row)
        session.commit()
    [published] = outbox(bot, "agenda.published")
    assert (published.audience, published.meeting_id) == (NETWORK, 1)
    assert shown(published.payload["text"]) == (
        "*Agenda: Mid-year review* (meeting #1)\n"
        "When: Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)\n"
        "Where: IOM office\n\n"
        "1. Labour migration assessment — ILO (GCM obj 6, obj 18) [accepted]")
    with bot.session() as session:
        meeting = session.get(Meeting, 1)
        assert meeting is not None and meeting.agenda_published_at == due


def test_agenda_publish_sends_it_now(bot: BotHarness, clock: Clock) -> None:
    bot.say(MIDYEAR)
    reply = bot.say("agenda publish #1", as_="RCO")
    assert reply.ok and "No items were proposed." in reply.text
    assert "goes out again at the deadline, Tue 11 Mar 2031, 10:00" in reply.text
    [published] = outbox(bot, "agenda.published")
    assert published.due_at == clock.now
    late = bot.say("agenda add Late addition for #1", as_="RCO")
    assert "send the update with: agenda publish #1" in late.text
    # Issue 18: a hint to run a command goes only to those who may run it.
    later = bot.say("agenda add Later addition for #1", as_="ILO")
    assert later.ok and "agenda publish" not in later.text
    assert later.text.endswith("The agenda was already published; its organisers send the "
                               "update.")
    assert not bot.say("agenda publish #1", as_="ILO").ok


@pytest.mark.parametrize(("line", "hint"), [
    ("meeting list", "Schedule one with: meeting schedule regular"),
    ("poll list", "Open one with: poll wg create"),
    ("partners", "Add one with: partners add"),
])
def test_a_hint_to_create_something_goes_only_to_those_who_may(
        bot: BotHarness, line: str, hint: str) -> None:
    assert hint in bot.say(line, as_="IOM").text
    reply = bot.say(line, as_="WHO")
    assert reply.ok and hint not in reply.text and "with:" not in reply.text


def test_lao_and_long_items_survive_the_cycle(bot: BotHarness) -> None:
    lao = "ທົບທວນແຜນວຽກປະຈຳປີຂອງເຄືອຂ່າຍ ກ່ຽວກັບການເຄື່ອນຍ້າຍແຮງງານ"
    long_text = ("Joint statement on safe migration. " * 27).strip()
    bot.say(MIDYEAR)
    bot.say(f"agenda add {lao} #10")
    bot.say(f"agenda add {long_text}")
    assert [i.text for i in _items(bot).values()] == [lao, long_text]
    assert f"1. #1 {lao} — IOM (proposed) · obj 10" in bot.say("agenda").text
    text = bot.say("agenda publish #1").text
    assert f"1. {lao} — IOM (GCM obj 10)" in text
    assert f"2. {long_text} — IOM" in text


def test_working_group_meetings_take_items_only_when_named(bot: BotHarness) -> None:
    bot.say('meeting schedule wg:labour-migration 10 Mar 2031 10:00 "WG review"', as_="ILO")
    assert "to the backlog" in bot.say("agenda add Network item").text
    assert bot.say("agenda add Recruitment fees for #1", as_="UNDP").ok
    assert bot.say("agenda accept #2", as_="ILO").ok
    assert not bot.say("agenda accept #1", as_="ILO").ok


def test_deferred_working_group_items_roll_to_its_next_meeting(bot: BotHarness) -> None:
    bot.say('meeting schedule wg:labour-migration 10 Mar 2031 10:00 "WG review"', as_="ILO")
    bot.say("agenda add Recruitment fees for #1", as_="UNDP")
    assert "moves to the next meeting" in bot.say("agenda defer #1", as_="ILO").text
    bot.say(MIDYEAR)
    assert _items(bot)[1].meeting_id == 1
    scheduled = bot.say('meeting schedule wg:labour-migration 24 Mar 2031 10:00 "WG two"',
                        as_="ILO")
    assert "1 waiting agenda item joined its agenda." in scheduled.text
    assert (_items(bot)[1].meeting_id, _items(bot)[1].status) == (3, "proposed")


def test_a_cancelled_working_group_meetings_items_wait_for_its_next_meeting(
    bot: BotHarness
) -> None:
    bot.say('meeting schedule wg:protection 12 Mar 2031 10:00 "Children\'s protection"',
            as_="UNICEF")
    bot.say("agenda add Child migrants referral for #1", as_="WHO")
    reply = bot.say("meeting cancel #1 Floods", as_="UNICEF")
    assert "Its 1 agenda item is deferred to the working group's next meeting." \
        in reply.text
    assert (_items(bot)[1].meeting_id, _items(bot)[1].status) == (1, "deferred")
    with bot.session() as session:
        meeting = session.get(Meeting, 1)
        assert meeting is not None and meeting.title == "Children's protection"
    bot.say("meeting schedule wg:protection 11 Mar 2031 10:00 “Protection, again”",
            as_="UNICEF")
    assert (_items(bot)[1].meeting_id, _items(bot)[1].status) == (2, "proposed")
