"""Meetings (and their agenda items) written straight into the database for tests, since
the ``meeting`` verbs live in another module."""

from datetime import timedelta

from storage.models import AgendaItem, AgendaItemObjective, AgendaStatus, Meeting, Outbox
from tests.conftest import BotHarness


def held_meeting(bot: BotHarness, *, days_ago: float = 1, kind: str = "regular",
                 title: str = "First regular meeting of 2031", status: str = "scheduled",
                 objectives: tuple[int, ...] = (), overdue_nudge: bool = False) -> int:
    """A meeting that started ``days_ago`` before the test clock; returns its number."""
    with bot.session() as session:
        count = len(session.exec(Meeting.__table__.select()).all())  # type: ignore[attr-defined]
        starts_at = bot.clock.now - timedelta(days=days_ago)
        meeting = Meeting(kind=kind, title=title, status=status, starts_at=starts_at,
                          ends_at=starts_at + bot.config.meetings.duration,
                          agenda_closes_at=starts_at - bot.config.meetings.agenda_deadline,
                          uid=f"meeting-{count + 1}@network-bot")
        session.add(meeting)
        session.flush()
        for position, number in enumerate(objectives, start=1):
            item = AgendaItem(meeting_id=meeting.id, text=f"Item on objective {number}",
                              status=AgendaStatus.ACCEPTED, position=position)
            session.add(item)
            session.flush()
            session.add(AgendaItemObjective(item_id=item.id, objective_number=number))
        if overdue_nudge:
            session.add(Outbox(kind="minutes.overdue", meeting_id=meeting.id,
                               due_at=meeting.starts_at + bot.config.meetings.minutes_due))
        session.commit()
        assert meeting.id is not None
        return meeting.id
