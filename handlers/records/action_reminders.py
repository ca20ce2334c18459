"""Reminding an action item's owner agency the day before and on the day it is due.

Reminders are ``action.reminder`` outbox rows for the owner agency's focal points, at 09:00 in
the network's zone the day before and on the due date (or at the due time if that is earlier).
Marking the item done cancels them; a new due date replaces them.
"""

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from handlers.core import Reply, Scope
from handlers.forms import button, form
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.timefmt import show_date, show_time
from storage.audience import Audience
from storage.models import ActionItem, Outbox, Person
from storage.outbox import cancel_pending

KIND = declare(OutboxKind("action.reminder"))
MORNING = time(9, 0)
END_OF_DAY = time(23, 59)


def show_due(due_at: datetime, zone: ZoneInfo) -> str:
    """A due date alone (stored as the end of that day) shows without a time."""
    local = due_at.astimezone(zone)
    return show_date(due_at, zone) if local.time() == END_OF_DAY else show_time(due_at, zone)


def schedule_reminders(scope: Scope, item: ActionItem, agency_code: str) -> list[Outbox]:
    """Queue the reminders still ahead of ``scope.now``; none without a due date or people."""
    if item.due_at is None:
        return []
    people = [p for p in scope.session.exec(
        select(Person.id).where(Person.agency_id == item.agency_id, Person.active)
    ).all() if p is not None]
    if not people:
        return []
    zone = scope.config.network.zone
    due_day = item.due_at.astimezone(zone).date()
    rows = []
    for days_before, when in ((1, "tomorrow"), (0, "today")):
        at = datetime.combine(due_day - timedelta(days=days_before), MORNING, tzinfo=zone)
        at = min(at, item.due_at)
        if at <= scope.now:
            continue
        rows.append(queue(scope, KIND, _reminder(item, agency_code, when, zone), due_at=at,
                          audience=Audience.of_people(people), action_item_id=item.id))
    return rows


def reschedule_reminders(scope: Scope, item: ActionItem, due_at: datetime | None,
                         agency_code: str) -> list[Outbox]:
    """A new due date: the old reminders go, the new ones come."""
    cancel_reminders(scope, item)
    item.due_at = due_at
    return schedule_reminders(scope, item, agency_code)


def cancel_reminders(scope: Scope, item: ActionItem) -> int:
    return cancel_pending(scope.session, action_item_id=item.id, kinds=(KIND.name,))


DONE_FORM = "action-done"


@form(DONE_FORM, params=("item",), fields=())
def _done(params: Mapping[str, int], _: Mapping[str, str]) -> str:
    return f"action done #{params['item']}"


def _reminder(item: ActionItem, agency_code: str, when: str, zone: ZoneInfo) -> Reply:
    assert item.id is not None  # a stored item
    source = f"\nFrom the minutes of meeting #{item.meeting_id}." if item.meeting_id else ""
    return Reply(
        title=f"Action item #{item.id} is due {when}",
        text=f"Action item #{item.id} for {agency_code} is due {when}, "
             f"{show_due(item.due_at, zone) if item.due_at else ''}: {item.task}{source}\n"
             f"When it is done, type: action done #{item.id}",
        choices=[button("Mark done", DONE_FORM, params={"item": item.id}, style="primary")],
    )
