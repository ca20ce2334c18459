"""The decisions register and action items: listings, done, new due dates, permissions."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.models import ActionItem, Decision, Outbox, OutboxStatus, Poll
from tests.conftest import BotHarness, shown
from tests.db_state import assert_refused
from tests.meeting_rows import held_meeting


def _minutes(bot: BotHarness, body: str, **meeting: object) -> int:
    number = held_meeting(bot, **meeting)  # type: ignore[arg-type]
    reply = bot.say(f"minutes #{number} {body}")
    assert reply.ok, reply.text
    return number


def _reminders(bot: BotHarness) -> list[tuple[datetime, str]]:
    with bot.session() as session:
        rows = session.exec(select(Outbox).where(Outbox.kind == "action.reminder")
                            .order_by(Outbox.id)).all()
    return [(r.due_at, r.status) for r in rows]


def test_decisions_register_lists_meeting_and_poll_decisions_numbered_and_dated(
    bot: BotHarness,
) -> None:
    first = _minutes(bot, "#agreed Endorse the terms of reference #agreed Adopt the work plan",
                     days_ago=10, title="First regular meeting")
    with bot.session() as session:
        poll = Poll(kind="wg.create", question="Create a working group on climate mobility?",
                    closes_at=bot.clock.now, opened_at=bot.clock.now - timedelta(days=7),
                    status="closed", outcome="adopted")
        session.add(poll)
        session.flush()
        session.add(Decision(text="Create the climate mobility working group", poll_id=poll.id,
                             decided_at=bot.clock.now - timedelta(days=1)))
        session.add(Decision(text="A decision of 2030", meeting_id=first,
                             decided_at=datetime(2030, 6, 1, tzinfo=UTC)))
        session.commit()
    register = bot.say("decisions", as_="WHO")
    assert register.title == "Decisions: 2031"
    assert shown(register).splitlines()[:3] == [
        f"*#1* 21 Feb 2031 — Endorse the terms of reference — meeting #{first} "
        "(First regular meeting)",
        f"*#2* 21 Feb 2031 — Adopt the work plan — meeting #{first} (First regular meeting)",
        "*#3* 2 Mar 2031 — Create the climate mobility working group — poll #1",
    ]
    assert "3 decisions for 2031." in register.text
    assert "A decision of 2030" in bot.say("decisions 2030").text
    of_meeting = bot.say(f"decisions #{first}").text
    assert "Adopt the work plan" in of_meeting and "climate" not in of_meeting
    assert "A decision of 2030" in of_meeting
    assert bot.say("decisions 2029").text == "No decisions recorded for 2029."


@pytest.mark.parametrize(("line", "problem"), [
    ("decisions last year", "'last year' is not a year."),
    ("decisions #77", "There is no meeting #77."),
])
def test_decisions_refuses_what_it_cannot_read(bot: BotHarness, line: str, problem: str) -> None:
    assert_refused(bot, line, problem)


def test_superseded_decisions_leave_the_register(bot: BotHarness) -> None:
    number = _minutes(bot, "#agreed Adopt the plan")
    bot.say(f"minutes #{number} --replace #agreed Adopt the revised plan")
    register = bot.say("decisions").text
    assert "Adopt the revised plan" in register and "Adopt the plan —" not in register


def test_actions_listings_mark_overdue_items(bot: BotHarness) -> None:
    _minutes(bot, "#action ILO draft the terms of reference due 5 Mar 2031 "
                  "#action UNICEF map services due 20 Mar 2031 #action ILO share the data")
    bot.clock.advance(days=3)  # 6 Mar: the first item is overdue
    listing = bot.say("actions", as_="WHO")
    assert listing.title == "Open action items"
    lines = shown(listing).splitlines()
    assert lines[0] == "*#1* ILO — draft the terms of reference — due 5 Mar 2031 — *OVERDUE* " \
                       "— meeting #1"
    assert lines[1] == "*#2* UNICEF — map services — due 20 Mar 2031 — meeting #1"
    assert "3 items, 1 overdue." in listing.text
    mine = bot.say("actions mine", as_="ILO")
    assert mine.title == "Open action items of ILO"
    assert "map services" not in mine.text and "share the data" in mine.text
    assert "map services" in bot.say("actions unicef").text
    assert bot.say("actions WHO").text == "There are no open action items of WHO."
    refused = bot.say("actions everything")
    assert not refused.ok and "'everything' is not mine, open, all or an agency code" in \
        refused.text and "WORLD-BANK" in refused.text


def test_action_done_by_the_owner_cancels_its_reminders(bot: BotHarness) -> None:
    _minutes(bot, "#action ILO draft the terms of reference due 20 Mar 2031")
    assert [s for _, s in _reminders(bot)] == ["pending", "pending"]
    refused = bot.say("action done #1", as_="WHO")
    assert not refused.ok and "belongs to ILO" in refused.text
    bot.clock.advance(days=1)
    done = bot.say("action done #1", as_="ILO")
    assert done.ok and done.text == "Action item #1 for ILO is done: draft the terms of reference"
    assert [s for _, s in _reminders(bot)] == [OutboxStatus.CANCELLED] * 2
    with bot.session() as session:
        item = session.get(ActionItem, 1)
        assert item is not None and item.status == "done"
        assert item.done_at == bot.clock.now
    again = bot.say("action done #1")
    assert not again.ok and "already done on 4 Mar 2031" in again.text
    listing = bot.say("actions all").text
    assert "— done 4 Mar 2031 — meeting #1" in listing
    assert bot.say("actions").text == "There are no open action items."


def test_a_new_due_date_reschedules_the_reminders(bot: BotHarness) -> None:
    _minutes(bot, "#action UNICEF map services due 20 Mar 2031")
    moved = bot.say("action due #1 2 Apr 2031 15:00", as_="UNICEF")
    assert moved.ok, moved.text
    assert moved.text.startswith("Action item #1 for UNICEF is now due Wed 2 Apr 2031, 15:00 "
                                 "(Asia/Vientiane): map services")
    assert "2 reminders scheduled for UNICEF's focal points." in moved.text
    assert _reminders(bot) == [
        (datetime(2031, 3, 19, 2, 0, tzinfo=UTC), OutboxStatus.CANCELLED),
        (datetime(2031, 3, 20, 2, 0, tzinfo=UTC), OutboxStatus.CANCELLED),
        (datetime(2031, 4, 1, 2, 0, tzinfo=UTC), OutboxStatus.PENDING),
        (datetime(2031, 4, 2, 2, 0, tzinfo=UTC), OutboxStatus.PENDING),
    ]


@pytest.mark.parametrize(("line", "problem"), [
    ("action due #1", "When is action item #1 due?"),
    ("action due #1 someday", "I did not understand 'someday'"),
    ("action due #1 1 Jan 2030", "is in the past"),
    ("action due 1 5 May 2031", "'1' is not an action item number"),
    ("action due #8 5 May 2031", "There is no action item #8."),
    ("action done", "The action item number is missing"),
])
def test_action_changes_that_cannot_be_made_change_nothing(
    bot: BotHarness, line: str, problem: str
) -> None:
    _minutes(bot, "#action UNICEF map services due 20 Mar 2031")
    before = _reminders(bot)
    reply = assert_refused(bot, line, problem)
    assert "Example: action " in reply.text
    assert _reminders(bot) == before
    with bot.session() as session:
        item = session.get(ActionItem, 1)
        assert item is not None and item.status == "open"
        assert item.due_at == datetime(2031, 3, 20, 16, 59, tzinfo=UTC)
