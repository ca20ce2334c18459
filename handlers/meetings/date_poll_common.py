"""What the date poll modules share: finding a poll, naming it, and telling the network."""

from handlers.core import Context, Reply, Scope, UserError
from handlers.meetings.meetings import kind_label, partner_audience
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind
from storage.audience import NETWORK
from storage.models import DatePoll, DatePollStatus, WorkingGroup

PROPOSE_EXAMPLE = ('meeting propose regular "Mid-year review" 14 Mar 2031 10:00 | '
                   '17 Mar 2031 14:00-16:00 | 18 Mar 2031 9:00 until 10 Mar 2031')


def get_poll(ctx: Context, number: int, lock: bool = False) -> DatePoll:
    """Date poll ``number``; ``lock``: its row held until commit (PostgreSQL), so that answers
    and a pick take turns."""
    poll = ctx.session.get(DatePoll, number, with_for_update=lock)
    if poll is None:
        raise UserError(f"There is no date poll #{number}. Type meeting availability to see "
                        "the open ones.", "meeting availability")
    return poll


def closed(poll: DatePoll) -> str | None:
    """How a closed poll ended, as a sentence; None while it is open."""
    if poll.status == DatePollStatus.PICKED:
        return (f"Date poll #{poll.id} is closed: slot {poll.picked_slot} was picked "
                f"(meeting #{poll.meeting_id}).")
    if poll.status == DatePollStatus.DROPPED:
        reason = f": {poll.drop_reason}" if poll.drop_reason else ""
        return f"Date poll #{poll.id} was dropped{reason}."
    return None


def poll_slug(scope: Scope, poll: DatePoll) -> str | None:
    group = scope.session.get(WorkingGroup, poll.wg_id) if poll.wg_id else None
    return group.slug if group else None


def kind_word(scope: Scope, poll: DatePoll) -> str:
    """How ``meeting schedule`` names the poll's kind: regular, adhoc or wg:<slug>."""
    slug = poll_slug(scope, poll)
    return f"wg:{slug}" if slug else poll.kind


def poll_label(scope: Scope, poll: DatePoll) -> str:
    """``regular meeting``, ``protection working group meeting``."""
    return kind_label(poll, poll_slug(scope, poll))


def poll_title(poll: DatePoll) -> str:
    return f"Date poll #{poll.id}: {poll.title}"


def tell(scope: Scope, poll: DatePoll, kind: OutboxKind, reply: Reply) -> None:
    """To the network's channels and, for a working group's poll, its partners directly."""
    for audience in (NETWORK, *partner_audience(scope, poll.wg_id)):
        queue(scope, kind, reply, audience=audience, date_poll_id=poll.id)
