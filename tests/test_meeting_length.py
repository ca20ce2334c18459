"""A meeting's length: ``10:00-12:30`` or ``for 90m`` after its start, ``meetings.duration``
(2h) otherwise; kept by ``meeting move`` unless a new one is given, and shown everywhere.

"Now" is Mon 3 Mar 2031, 09:00 in Vientiane (UTC+7, no daylight saving): 10:00 there is 03:00
UTC. The expected instants below are worked out by hand from that offset.
"""

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from settings.schema import AppConfig
from storage.db import alembic_config
from storage.models import Meeting
from tests.conftest import BotHarness, shown
from tests.db_state import assert_refused, outbox
from tests.test_agenda_positions import empty_database  # noqa: F401  (the fixture)

STARTS = datetime(2031, 3, 14, 3, 0, tzinfo=UTC)  # Fri 14 Mar 2031, 10:00 in Vientiane


def _stored(bot: BotHarness, meeting_id: int = 1) -> tuple[datetime, datetime]:
    with bot.session() as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting.starts_at, meeting.ends_at


@pytest.mark.parametrize(("when", "ends"), [
    ("14/03/2031 10:00-12:30", STARTS + timedelta(hours=2, minutes=30)),
    ("14/03/2031 10:00 – 12:30", STARTS + timedelta(hours=2, minutes=30)),
    ("14 Mar 2031 10am to 11.15am", STARTS + timedelta(hours=1, minutes=15)),
    ("14/03/2031 10:00 for 90m", STARTS + timedelta(minutes=90)),
    ("14/03/2031 10:00 for 1h 15m", STARTS + timedelta(minutes=75)),
    ("14/03/2031 10:00 for 3 hours", STARTS + timedelta(hours=3)),
    ("14/03/2031 10:00", STARTS + timedelta(hours=2)),  # meetings.duration in app.yaml
])
def test_a_meeting_is_scheduled_with_its_end(bot: BotHarness, when: str, ends: datetime) -> None:
    reply = bot.say(f'meeting schedule regular {when} "Mid-year review"')
    assert reply.ok, reply.text
    assert _stored(bot) == (STARTS, ends)
    local_end = f"{ends.hour + 7:02d}:{ends.minute:02d}"
    span = f"Fri 14 Mar 2031, 10:00–{local_end} (Asia/Vientiane)"
    assert reply.text.startswith(f'Scheduled meeting #1 "Mid-year review" ({span}).')
    [announced] = outbox(bot, "meeting.scheduled")
    assert f"When: {span}" in announced.payload["text"]
    assert all(f"When: {span}" in r.payload["text"] for r in outbox(bot, "meeting.reminder"))
    assert dict(bot.say("meeting show #1").fields)["When"] == span
    assert bot.say("meeting list").text.startswith(f"#1 {span} — Mid-year review")


def test_the_usual_length_comes_from_app_yaml(bot: BotHarness, config: AppConfig) -> None:
    meetings = config.meetings.model_copy(update={"duration": timedelta(minutes=45)})
    short = BotHarness(bot.engine, config.model_copy(update={"meetings": meetings}), bot.clock)
    assert short.say('meeting schedule adhoc 14/03/2031 10:00 "Quick check"').ok
    assert _stored(bot) == (STARTS, STARTS + timedelta(minutes=45))
    assert dict(short.say("meeting show #1").fields)["Length"] == "45 minutes"


def test_a_meeting_past_midnight_shows_both_days(bot: BotHarness) -> None:
    reply = bot.say('meeting schedule adhoc 14/03/2031 20:00 for 6h "Night shift"')
    assert "(Fri 14 Mar 2031, 20:00 – Sat 15 Mar 2031, 02:00 (Asia/Vientiane))" in reply.text


def test_an_offset_after_the_time_is_still_a_zone_not_an_end(bot: BotHarness) -> None:
    """``-05:00`` with a space before it is a UTC offset (``handlers.dates``): 10:00 at UTC-5
    is 15:00 UTC, and the meeting has the usual two hours."""
    assert bot.say('meeting schedule adhoc 14/03/2031 10:00 -05:00 "Americas call"').ok
    starts = datetime(2031, 3, 14, 15, 0, tzinfo=UTC)
    assert _stored(bot) == (starts, starts + timedelta(hours=2))


def test_moving_keeps_the_length_unless_a_new_one_is_given(bot: BotHarness) -> None:
    bot.say('meeting schedule regular 14/03/2031 10:00-12:30 "Mid-year review"')
    moved = bot.say("meeting move #1 21 Mar 2031 14:00")
    assert "(Fri 21 Mar 2031, 14:00–16:30 (Asia/Vientiane)); it was Fri 14 Mar 2031, " \
           "10:00–12:30 (Asia/Vientiane)." in moved.text
    new = datetime(2031, 3, 21, 7, 0, tzinfo=UTC)
    assert _stored(bot) == (new, new + timedelta(hours=2, minutes=30))
    assert bot.say("meeting move #1 21 Mar 2031 14:00-15:00").ok
    assert _stored(bot) == (new, new + timedelta(hours=1))
    longer = bot.say("meeting move #1 for 3h")  # the length alone
    assert "(Fri 21 Mar 2031, 14:00–17:00 (Asia/Vientiane)); it was Fri 21 Mar 2031, " \
           "14:00–15:00 (Asia/Vientiane)." in longer.text
    assert _stored(bot) == (new, new + timedelta(hours=3))
    [announced] = outbox(bot, "meeting.moved")[-1:]
    assert "New time: Fri 21 Mar 2031, 14:00–17:00 (Asia/Vientiane)" in announced.payload["text"]
    assert "Was: Fri 21 Mar 2031, 14:00–15:00 (Asia/Vientiane)" in announced.payload["text"]
    assert_refused(bot, "meeting move #1 21 Mar 2031 14:00 for 3h",
                   "Meeting #1 is already at Fri 21 Mar 2031, 14:00–17:00")


@pytest.mark.parametrize(("line", "problem"), [
    ('meeting schedule regular 14/03/2031 10:00-09:30 "Review"',
     "The meeting would end at 09:30, not after it starts (10:00)"),
    ('meeting schedule regular 14/03/2031 10:00-10:00 "Review"',
     "The meeting would end at 10:00, not after it starts (10:00)"),
    ('meeting schedule regular 14/03/2031 08:00-21:00 "Review"',
     "13 hours is longer than a meeting can be (at most 12 hours)"),
    ('meeting schedule regular 14/03/2031 10:00 for 2d "Review"',
     "I could not read '2d' as a meeting's length"),
    ('meeting schedule regular 14/03/2031 10:00 for 13h "Review"',
     "13 hours is longer than a meeting can be"),
    ('meeting schedule regular 14/03/2031 10:00 for 0m "Review"',
     "A meeting's length must be more than zero"),
    ('meeting schedule regular 14/03/2031 10:00 for a while "Review"',
     "I could not read 'a while' as a meeting's length"),
    ('meeting schedule regular 14/03/2031 10:00 for "Review"',
     "I could not read '' as a meeting's length"),
    ('meeting schedule regular 14/03/2031 10:00-12:00 for 90m "Review"',
     "Give either the time the meeting ends (10:00-12:30) or its length"),
    ('meeting schedule regular 14/03/2031 10:00-25:00 "Review"', "'25:00' is not a time of day"),
    ("meeting move #1 21 Mar 2031 14:00-13:00", "not after it starts (14:00)"),
    ("meeting move #1 for 20h", "20 hours is longer than a meeting can be"),
])
def test_a_wrong_end_or_length_is_refused_with_an_example(
    bot: BotHarness, line: str, problem: str
) -> None:
    bot.say('meeting schedule regular 20/03/2031 10:00 "Planning"')
    reply = assert_refused(bot, line, problem)
    assert "10:00-12:30" in reply.text or "for 90m" in reply.text  # the example shows how


def test_the_reminders_say_the_lead_in_words(bot: BotHarness, config: AppConfig) -> None:
    meetings = config.meetings.model_copy(update={"reminders": [timedelta(days=1, hours=12)]})
    other = BotHarness(bot.engine, config.model_copy(update={"meetings": meetings}), bot.clock)
    other.say('meeting schedule regular 14/03/2031 10:00 "Mid-year review"')
    [reminder] = outbox(bot, "meeting.reminder")
    assert "starts in 1 day 12 hours." in shown(reminder.payload["text"])


def test_the_migration_gives_stored_meetings_two_hours_and_their_agenda_deadline(
    empty_database: Engine,  # noqa: F811
) -> None:
    """Meetings stored before migration 0005 end two hours after they start; their agenda
    closes when their queued ``agenda.deadline`` job was due, else three days before."""
    engine = empty_database
    command.upgrade(alembic_config(engine), "0004")
    postgres = engine.dialect.name == "postgresql"

    def stamp(moment: str) -> str:
        return f"{moment}+00:00" if postgres else moment

    with engine.begin() as connection:
        for number, starts in enumerate(("2031-03-14 03:00:00.000000",
                                         "2031-12-31 23:30:00.000000"), start=1):
            connection.execute(text(
                "INSERT INTO meeting (kind, title, starts_at, status, uid, sequence, "
                "created_at, updated_at) VALUES ('regular', 'Old', :starts, 'scheduled', "
                ":uid, 0, :created, :created)"),
                {"starts": stamp(starts), "uid": f"old-{number}",
                 "created": stamp("2031-01-01 00:00:00.000000")})
        for due, status in (("2031-03-10 03:00:00.000000", "cancelled"),
                            ("2031-03-12 03:00:00.000000", "pending")):
            connection.execute(text(
                "INSERT INTO outbox (kind, due_at, audience, payload, delivered, status, "
                "attempts, late, meeting_id, created_at) VALUES ('agenda.deadline', :due, "
                "'network', '{}', '[]', :status, 0, false, 1, :due)"),
                {"due": stamp(due), "status": status})
    command.upgrade(alembic_config(engine), "head")
    with Session(engine) as session:
        stored = [(m.ends_at, m.agenda_closes_at) for m in session.exec(
            select(Meeting).order_by(Meeting.id)).all()]  # type: ignore[arg-type]
    assert stored == [
        (datetime(2031, 3, 14, 5, 0, tzinfo=UTC), datetime(2031, 3, 12, 3, 0, tzinfo=UTC)),
        (datetime(2032, 1, 1, 1, 30, tzinfo=UTC), datetime(2031, 12, 28, 23, 30, tzinfo=UTC))]
    command.downgrade(alembic_config(engine), "0004")
