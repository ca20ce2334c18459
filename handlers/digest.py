"""The digest: what the Network, or one agency, has due this week (``digest``, and every Monday
``handlers.digest_weekly`` posts it to the network's channels).

Four sections, each left out when empty: meetings in the next 14 days with their agenda
deadlines; polls and date polls closing in the next 7 days with who has not answered;
overdue action items per agency; and minutes overdue. Each section reuses its domain's own
definition (``tallies`` and ``not_answered`` for who has not voted or answered,
``overdue_clause`` for action items, ``minutes_overdue`` for the Secretariat's nudge), so the
digest never disagrees with ``poll show``, ``actions`` or the nudges. Narrowed to an agency,
it keeps what that agency owes: the meetings it is asked to, the polls awaiting its answer,
its action items, and minutes only for the Secretariat, which writes them.
"""

from datetime import datetime, timedelta
from itertools import groupby

from sqlmodel import col, select

from handlers.core import Context, Reply, Scope, UserError, bold
from handlers.meetings.date_poll_tally import not_answered
from handlers.meetings.meeting_common import group_slugs, network_or_seated, when, zone
from handlers.meetings.meetings import kind_label
from handlers.paging import PAGE, more
from handlers.polls.poll_state import open_polls, tallies
from handlers.records.action_reminders import show_due
from handlers.records.minutes import minutes_due_at, minutes_overdue
from handlers.records.records import overdue_clause
from handlers.registry import command
from handlers.timefmt import show_date, show_time
from handlers.wording import listed
from storage.models import (
    ActionItem,
    Agency,
    DatePoll,
    DatePollStatus,
    Meeting,
    MeetingStatus,
)

MEETINGS_AHEAD = timedelta(days=14)
POLLS_AHEAD = timedelta(days=7)
PER_AGENCY = 5  # overdue action items shown for one agency; actions AGENCY lists them all
NETWORK, MINE = "network", "mine"
EXAMPLE = "digest network"
THE_NETWORK = "the Network"
MORE = "See more with meeting show #N, poll show #P, actions AGENCY or minutes #N."


def digest(scope: Scope, agency: str | None = None) -> Reply | None:
    """The digest at ``scope.now`` for the Network, or narrowed to ``agency`` (its code);
    None when there is nothing to say."""
    sections = [
        (f"Meetings in the next {MEETINGS_AHEAD.days} days", _meetings(scope, agency)),
        (f"Polls closing in the next {POLLS_AHEAD.days} days", _polls(scope, agency)),
        ("Overdue action items", _overdue_actions(scope, agency)),
        ("Minutes overdue", _overdue_minutes(scope, agency)),
    ]
    if not any(lines for _, lines in sections):
        return None
    text = [f"As of {show_time(scope.now, zone(scope))}:"]
    for heading, lines in sections:
        if lines:
            text += ["", bold(heading), *lines]
    text += ["", MORE]
    return Reply(title=f"This week for {agency or THE_NETWORK}", text="\n".join(text),
                 private=False)


def nothing_due(scope: Scope, agency: str | None) -> str:
    """What the command says when the digest has nothing."""
    polls = " awaiting its answer" if agency else ""
    text = (f"Nothing due this week for {agency or THE_NETWORK}: no meetings in the next "
            f"{MEETINGS_AHEAD.days} days, no polls closing in the next {POLLS_AHEAD.days} days"
            f"{polls}, no overdue action items")
    return text + (", no minutes overdue." if _owes_minutes(scope, agency) else ".")


def _owes_minutes(scope: Scope, agency: str | None) -> bool:
    """Minutes are the Secretariat's to post: in the Network's digest and the Secretariat's."""
    return agency in (None, scope.config.network.secretariat)


def _meetings(scope: Scope, agency: str | None) -> list[str]:
    """Scheduled meetings starting in the next 14 days; for an agency, the network's and its
    working groups' (those it holds a seat in)."""
    query = select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > scope.now,
        Meeting.starts_at <= scope.now + MEETINGS_AHEAD)
    if agency is not None:
        query = query.where(network_or_seated(Meeting.wg_id, agency))
    meetings = scope.session.exec(query.order_by(col(Meeting.starts_at), col(Meeting.id))).all()
    slugs = group_slugs(scope, meetings)
    lines = []
    for meeting in meetings[:PAGE]:
        closes = "agenda closed" if meeting.agenda_closes_at <= scope.now \
            else "agenda items close"
        lines.append(f"#{meeting.id} {when(scope, meeting)} — {meeting.title} "
                     f"({kind_label(meeting, slugs.get(meeting.wg_id))}); {closes} "
                     f"{show_time(meeting.agenda_closes_at, zone(scope))}")
    if len(meetings) > PAGE:
        lines.append(more(len(meetings) - PAGE, "meetings", "meeting list shows them."))
    return lines


def _polls(scope: Scope, agency: str | None) -> list[str]:
    """Open consensus polls and date polls closing in the next 7 days, soonest first, with who
    has not answered; for an agency, those still waiting for its answer."""
    until = scope.now + POLLS_AHEAD
    polls = [poll for poll in open_polls(scope.session) if scope.now < poll.closes_at <= until]
    counts = tallies(scope.session, polls) if polls else {}
    closing: list[tuple[datetime, str]] = []
    for poll in polls:
        missing = counts[poll.id].not_voted
        if agency is None or agency in missing:
            who = f"{agency} has not voted yet" if agency else \
                f"not voted yet: {listed(missing)}" if missing else "every agency has voted"
            closing.append((poll.closes_at, f"Poll #{poll.id} closes "
                            f"{show_time(poll.closes_at, zone(scope))}: {poll.question} — {who}"))
    date_polls = scope.session.exec(select(DatePoll).where(
        DatePoll.status == DatePollStatus.OPEN, col(DatePoll.answers_until) > scope.now,
        col(DatePoll.answers_until) <= until,
    ).order_by(col(DatePoll.answers_until), col(DatePoll.id))).all()
    for date_poll in date_polls:
        assert date_poll.answers_until is not None  # as queried
        asked = not_answered(scope, date_poll)
        if agency is None or agency in asked.agencies:
            names = asked.agencies + asked.partners
            who = f"{agency} has not answered yet" if agency else \
                f"not answered yet: {listed(names)}" if names else "everyone asked has answered"
            closing.append((date_poll.answers_until, f"Date poll #{date_poll.id} answers close "
                            f"{show_time(date_poll.answers_until, zone(scope))}: "
                            f"{date_poll.title} — {who}"))
    closing.sort(key=lambda pair: pair[0])
    return [line for _, line in closing]


def _overdue_actions(scope: Scope, agency: str | None) -> list[str]:
    """A line per agency with overdue action items (as ``actions`` marks them), in roster
    order, the longest overdue first."""
    query = select(ActionItem, Agency.code).join(Agency, col(Agency.id) == ActionItem.agency_id) \
        .where(overdue_clause(scope.now))
    if agency is not None:
        query = query.where(Agency.code == agency)
    rows = scope.session.exec(query.order_by(
        col(Agency.id), col(ActionItem.due_at), col(ActionItem.id))).all()
    lines = []
    for code, group in groupby(rows, key=lambda row: row[1]):
        items = [item for item, _ in group]
        shown = [f"#{item.id} {item.task} (due {show_due(item.due_at, zone(scope))})"
                 for item in items[:PER_AGENCY] if item.due_at is not None]
        if len(items) > PER_AGENCY:
            shown.append(more(len(items) - PER_AGENCY, "overdue", f"actions {code} lists them"))
        lines.append(f"{code}: " + "; ".join(shown))
    return lines


def _overdue_minutes(scope: Scope, agency: str | None) -> list[str]:
    """The meetings whose minutes the Secretariat owes."""
    if not _owes_minutes(scope, agency):
        return []
    total, meetings = minutes_overdue(scope, PAGE)
    lines = [f'#{m.id} "{m.title}" (held {show_date(m.starts_at, zone(scope))}): the minutes '
             f"were due {show_time(minutes_due_at(scope, m), zone(scope))}"
             for m in meetings]
    if total > PAGE:
        lines.append(more(total - PAGE, "meetings without minutes",
                          "report <year> counts them."))
    return lines


@command(
    "digest",
    reads_only=True,
    summary="What is due this week: meetings, polls closing, overdue action items and minutes",
    usage="digest [network | mine]",
    example="digest",
    detail=f"Meetings in the next {MEETINGS_AHEAD.days} days with their agenda deadlines, "
           f"polls closing in the next {POLLS_AHEAD.days} days with the agencies that have not "
           "answered, overdue action items per agency and minutes overdue. In a direct "
           "message with the bot it is your agency's (what it is asked to or owes); in a "
           "channel, the whole Network's. digest mine and digest network choose. It is also "
           "posted to the network's channels every Monday at 09:00 (digest: weekly in "
           "app.yaml, or off).",
)
def digest_command(ctx: Context, args: str) -> Reply:
    wanted = args.strip().lower()
    if wanted not in ("", NETWORK, MINE):
        raise UserError(f"'{args.strip()}' is not network or mine.", EXAMPLE)
    mine = wanted == MINE or (not wanted and ctx.command.where.direct)
    agency = ctx.actor.agency if mine else None
    found = digest(ctx, agency)
    if found is None:
        return Reply(title=f"This week for {agency or THE_NETWORK}", text=nothing_due(ctx, agency))
    found.private = True
    return found
