"""A date poll's deadline (``until``): a day before it, the agencies (and a working group's
partners) that have answered no time are reminded, once; at it, the organisers are told the
best time, with a button to pick it. Both rows belong to the poll (``Outbox.date_poll_id``)
and are cancelled when a time is picked or the poll is dropped (``date_polls``).
"""

from datetime import timedelta

from sqlmodel import col, select

from handlers.core import Reply, Scope
from handlers.jobs import job
from handlers.meetings.attendance import people_of_missing
from handlers.meetings.date_poll_tally import (
    answer_choices,
    availability_choice,
    best_slot,
    not_answered,
    pick_choice,
    slot_when,
    slots_of,
    tally,
)
from handlers.meetings.meeting_common import zone
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.people import people_of
from handlers.timefmt import show_time
from handlers.wording import listed
from storage.audience import Audience
from storage.models import Agency, DatePoll, DatePollStatus, Outbox, WGAgency, WGRole

REMIND_BEFORE = timedelta(days=1)


def _poll_of(scope: Scope, row: Outbox) -> DatePoll | None:
    return scope.session.get(DatePoll, row.date_poll_id) if row.date_poll_id else None


def _closed(scope: Scope, row: Outbox) -> str | None:
    """A reminder to answer is dropped once a time is picked or answers have closed."""
    poll = _poll_of(scope, row)
    if poll is None or poll.status != DatePollStatus.OPEN:
        return f"date poll #{row.date_poll_id} was closed"
    late = poll.answers_until is not None and poll.answers_until <= scope.now
    return f"answers to date poll #{poll.id} had closed" if late else None


def _ended(scope: Scope, row: Outbox) -> str | None:
    """The best time is not worth sending once a time is picked or the poll dropped."""
    poll = _poll_of(scope, row)
    ended = poll is None or poll.status != DatePollStatus.OPEN
    return f"date poll #{row.date_poll_id} was closed" if ended else None


REMIND = declare(OutboxKind("meeting.date_poll_remind"))
NOT_ANSWERED = declare(OutboxKind("meeting.date_poll_reminder", stale=_closed))
DEADLINE = declare(OutboxKind("meeting.date_poll_deadline"))
BEST = declare(OutboxKind("meeting.date_poll_best", stale=_ended))


def plan(scope: Scope, poll: DatePoll) -> None:
    """Queue the reminder job a day before the poll's deadline (when that is still ahead) and
    the deadline job; a poll without ``until`` has neither."""
    if poll.answers_until is None:
        return
    what = Reply(text=f'Date poll #{poll.id} "{poll.title}"')
    if poll.answers_until - REMIND_BEFORE > scope.now:
        queue(scope, REMIND, what, due_at=poll.answers_until - REMIND_BEFORE,
              date_poll_id=poll.id)
    queue(scope, DEADLINE, what, due_at=poll.answers_until, date_poll_id=poll.id)


@job(REMIND)
def remind_not_answered(scope: Scope, row: Outbox) -> None:
    poll = _poll_of(scope, row)
    if poll is None or poll.id is None or _closed(scope, row) is not None:
        return
    missing = not_answered(scope, poll)
    people = people_of_missing(scope, missing)
    if not people or poll.answers_until is None:
        return
    text = (f'Answers to date poll #{poll.id} "{poll.title}" close '
            f"{show_time(poll.answers_until, zone(scope))}. These have not said which times "
            f"suit them: {listed(missing.agencies + missing.partners)}.\nAnswer with the "
            f"buttons, or type: meeting available #{poll.id} 1 yes 2 maybe 3 no")
    slots = slots_of(scope, poll.id)
    queue(scope, NOT_ANSWERED,
          Reply(title=f"Date poll #{poll.id}: which times suit you?", text=text, private=False,
                fields=[(f"Slot {s.number}", slot_when(scope, s)) for s in slots],
                choices=[*answer_choices(scope, poll.id, slots),
                         availability_choice(poll.id)]),
          audience=Audience.of_people(people), date_poll_id=poll.id)


@job(DEADLINE)
def tell_the_best(scope: Scope, row: Outbox) -> None:
    poll = _poll_of(scope, row)
    if poll is None or poll.id is None or _ended(scope, row) is not None:
        return
    best = best_slot(scope, tally(scope, poll, slots_of(scope, poll.id)))
    if best is None:
        text = (f'Answers to date poll #{poll.id} "{poll.title}" have closed, and every time '
                "proposed has passed: propose new ones with meeting propose.")
    else:
        text = (f'Answers to date poll #{poll.id} "{poll.title}" have closed. The best time is '
                f"slot {best.slot.number}, {slot_when(scope, best.slot)}: {best.summary()}.\n"
                f"Schedule it with the button, or: meeting pick #{poll.id} {best.slot.number}"
                f"\nSee every answer with: meeting availability #{poll.id}")
    queue(scope, BEST, Reply(title=f"Date poll #{poll.id}: time to pick", text=text,
                             choices=[pick_choice(poll.id, best.slot)] if best else []),
          audience=Audience.of_people(_organisers(scope, poll)), date_poll_id=poll.id)


def _organisers(scope: Scope, poll: DatePoll) -> list[int]:
    """The people of the Chair's and the Secretariat's agencies, of a working group's chairs'
    for its poll, and whoever proposed it."""
    codes = [scope.config.network.chair, scope.config.network.secretariat]
    if poll.wg_id is not None:
        codes += scope.session.exec(
            select(Agency.code).join(WGAgency, col(WGAgency.agency_id) == Agency.id)
            .where(WGAgency.wg_id == poll.wg_id, WGAgency.role == WGRole.CHAIR)).all()
    people = set(people_of(scope, *codes))
    if poll.proposed_by_id is not None:
        people.add(poll.proposed_by_id)
    return sorted(people)
