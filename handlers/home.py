"""``home``: what is on my desk. For the person and their agency, in one read-only reply: the
next meetings, the polls and date polls waiting for the agency's answer, its action items and
the latest decisions; for the Chair and the Secretariat also minutes overdue, the agencies that
have not voted, and outbox rows that are stuck. Slack shows it as the app's Home tab.

Each section is left out when empty and shows a few lines, with how many more and the command
that lists them all; the buttons are the ones the announcements carry (attendance, vote, date
poll answers, Done), labelled with the record they are about. Every section reads through the
queries its own commands use, a bounded number of statements however large the record.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy import ColumnElement, or_, true
from sqlmodel import col, func, select

from handlers.core import Choice, Context, Reply, Role, bold
from handlers.forms import button
from handlers.grammar import refuse_arguments
from handlers.meetings.attendance import VERBS, attend_choices
from handlers.meetings.date_poll_common import poll_label
from handlers.meetings.date_poll_tally import answer_choices, slot_when, slots_of
from handlers.meetings.meeting_common import (
    AGENDA_ORDER,
    group_slugs,
    network_or_seated,
    when,
    zone,
)
from handlers.meetings.meetings import kind_label, upcoming_meetings
from handlers.paging import more
from handlers.polls.poll_state import is_open, open_polls, tallies, vote_choices
from handlers.records.action_reminders import DONE_FORM
from handlers.records.minutes import minutes_due_at, minutes_overdue
from handlers.records.minutes_markers import short
from handlers.records.records import (
    action_items,
    decision_line,
    describe_action,
    latest_decisions,
)
from handlers.registry import command
from handlers.runner import not_on_roster
from handlers.timefmt import show_date, show_time
from handlers.wording import listed, plural
from storage.attendance import latest_answers
from storage.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    AgendaStatus,
    DateAnswer,
    DatePoll,
    DatePollStatus,
    Decision,
    Meeting,
    Person,
    WorkingGroup,
)
from storage.outbox import stuck_rows

# Lines a section shows; the rest are counted, with the command that lists them.
MEETINGS, POLLS, DATE_POLLS, ACTIONS, DECISIONS, OUTBOX = 3, 3, 2, 5, 3, 5
STUCK_AFTER = timedelta(hours=1)  # an unsent row due longer ago than this is stuck
ITEM_SHOWN = 80  # characters of an agenda item's or a poll's text
DETAIL = ("Read-only. Slack shows it as the app's Home tab, refreshed when it is opened and "
          "after each button pressed there. Each section shows its first few lines and says "
          "how many more there are.")


@dataclass
class Desk:
    """The reply being built: sections of lines, and their buttons a row per record."""

    lines: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)

    def section(self, heading: str, lines: Iterable[str], hidden: int = 0,
                what: str = "", where: str = "") -> None:
        """A heading and its lines, then how many more ``what`` (one of them) there are and
        the command ``where`` that lists them."""
        if self.lines:
            self.lines.append("")
        self.lines += [bold(heading), *lines]
        if hidden > 0:
            self.lines.append(more(hidden, plural(hidden, what), f"type {where}"))

    def buttons(self, prefix: str, choices: list[Choice]) -> None:
        """``choices`` on rows of their own after the others' (a date poll's a row a slot),
        each label starting with the record it is about."""
        base = max((c.row for c in self.choices), default=0)
        self.choices += [replace(c, label=f"{prefix} {c.label}", row=base + max(c.row, 1))
                         for c in choices]


@command(
    "home",
    reads_only=True,
    summary="What is on your desk: your agency's next meetings, the polls waiting for its "
            "answer, its action items and the latest decisions",
    usage="home",
    example="home",
    detail=DETAIL,
    public=True,
)
def home(ctx: Context, args: str) -> Reply:
    refuse_arguments("home", args)
    if not ctx.actor.on_roster:
        return Reply(title="Home", text=not_on_roster(ctx.config))
    who = ctx.actor.agency or ctx.actor.partner or ctx.actor.name
    desk = Desk()
    _meetings(ctx, desk, who)
    if ctx.actor.agency_id is not None:
        _polls(ctx, desk)
    _date_polls(ctx, desk)
    if ctx.actor.agency_id is not None:
        _actions(ctx, desk, who)
        _decisions(ctx, desk)
    if ctx.actor.has(Role.CHAIR, Role.SECRETARIAT):
        _minutes_overdue(ctx, desk)
        _stuck(ctx, desk)
    intro = f"{ctx.actor.name} ({who}), {show_time(ctx.now, zone(ctx))}."
    if not desk.lines:
        intro += (f"\nNothing is waiting for {who}: no meeting ahead, no poll to answer, no "
                  "open action item.")
    return Reply(title=f"On {who}'s desk", text="\n".join([intro, "", *desk.lines]).strip(),
                 choices=desk.choices)


def _asked_to(ctx: Context, wg_column: int | None) -> ColumnElement[bool]:
    """Meetings and date polls (by their working group column) the speaker is asked to: a
    partner its working groups'; an agency the network's and its working groups'; the Chair
    and the Secretariat, who organise them, every one."""
    column = col(wg_column)
    if ctx.actor.is_partner:
        slugs = sorted(ctx.actor.partner_wgs)
        return column.in_(select(WorkingGroup.id).where(col(WorkingGroup.slug).in_(slugs)))
    if ctx.actor.has(Role.CHAIR, Role.SECRETARIAT):
        return true()
    return network_or_seated(wg_column, ctx.actor.agency or "")  # no agency: no seats


def _meetings(ctx: Context, desk: Desk, who: str) -> None:
    total, meetings = upcoming_meetings(ctx, MEETINGS, _asked_to(ctx, Meeting.wg_id))
    if not meetings:
        return
    ids = [m.id for m in meetings]
    slugs = group_slugs(ctx, meetings)
    ours = (col(AgendaItem.agency_id) == ctx.actor.agency_id) if ctx.actor.agency_id \
        else col(AgendaItem.proposer_id).in_(
            select(Person.id).where(Person.partner_org == ctx.actor.partner))
    items: dict[int | None, list[str]] = {}
    for item in ctx.session.exec(select(AgendaItem).where(
            col(AgendaItem.meeting_id).in_(ids), AgendaItem.status != AgendaStatus.WITHDRAWN,
            ours).order_by(*AGENDA_ORDER)).all():
        items.setdefault(item.meeting_id, []).append(short(item.text, ITEM_SHOWN))
    lines = []
    for meeting in meetings:
        assert meeting.id is not None
        answer = next((a for a in latest_answers(ctx.session, meeting.id) if a.who == who), None)
        closes = "closes" if meeting.agenda_closes_at > ctx.now else "closed"
        said = f"{who} {VERBS[answer.answer]}" + (f" ({answer.names})" if answer.names else "") \
            if answer else f"{who} has not said whether it attends"
        lines += [f"#{meeting.id} {when(ctx, meeting)} — {meeting.title} "
                  f"({kind_label(meeting, slugs.get(meeting.wg_id))})",
                  f"    Agenda {closes} {show_time(meeting.agenda_closes_at, zone(ctx))}; "
                  f"{who}'s items: {'; '.join(items.get(meeting.id, [])) or 'none'}",
                  f"    {said}."]
        desk.buttons(f"Meeting #{meeting.id}:", attend_choices(meeting.id))
    desk.section("Next meetings", lines, total - len(meetings), "meeting", "meeting list")


def _polls(ctx: Context, desk: Desk) -> None:
    """Open polls waiting for the agency's position; for the Chair and the Secretariat, also
    every open poll's agencies that have not voted."""
    agency = ctx.actor.agency
    still = [poll for poll in open_polls(ctx.session) if is_open(ctx, poll)]
    counts = tallies(ctx.session, still)
    waiting = [p for p in still if agency in counts[p.id].not_voted]
    lines = []
    for poll in waiting[:POLLS]:
        assert poll.id is not None
        took = len(counts[poll.id].positions)
        lines.append(f"#{poll.id} {short(poll.question, ITEM_SHOWN)} — closes "
                     f"{show_time(poll.closes_at, zone(ctx))}; {took} of "
                     f"{len(counts[poll.id].electorate)} agencies {plural(took, 'has', 'have')} "
                     "voted")
        desk.buttons(f"Poll #{poll.id}:", vote_choices(poll.id))
    if lines:
        desk.section(f"Polls waiting for {agency}'s position", lines, len(waiting) - POLLS,
                     "poll", "poll list")
    if ctx.actor.has(Role.CHAIR, Role.SECRETARIAT):
        missing = [(p, counts[p.id].not_voted) for p in still if counts[p.id].not_voted]
        if missing:
            desk.section("Agencies that have not voted", [
                f"Poll #{poll.id}: {listed(codes)}" for poll, codes in missing[:POLLS]],
                len(missing) - POLLS, "poll", "poll list")


def _date_polls(ctx: Context, desk: Desk) -> None:
    """Open date polls of the speaker's meetings that the agency (or partner) has answered
    no time of."""
    answered = select(DateAnswer.id).where(
        DateAnswer.poll_id == DatePoll.id,
        col(DateAnswer.agency_id) == ctx.actor.agency_id if ctx.actor.agency_id
        else col(DateAnswer.partner_org) == ctx.actor.partner)
    awaiting = (DatePoll.status == DatePollStatus.OPEN,
                or_(col(DatePoll.answers_until).is_(None), col(DatePoll.answers_until) > ctx.now),
                _asked_to(ctx, DatePoll.wg_id), ~answered.exists())
    total = ctx.session.exec(select(func.count()).select_from(DatePoll).where(*awaiting)).one()
    if not total:
        return
    lines = []
    for poll in ctx.session.exec(select(DatePoll).where(*awaiting).order_by(col(DatePoll.id))
                                 .limit(DATE_POLLS)).all():
        assert poll.id is not None
        slots = slots_of(ctx, poll.id)
        until = f"; answers close {show_time(poll.answers_until, zone(ctx))}" \
            if poll.answers_until else ""
        lines.append(f'#{poll.id} "{poll.title}" ({poll_label(ctx, poll)}{until})')
        lines += [f"    Slot {s.number}: {slot_when(ctx, s)}" for s in slots
                  if s.starts_at > ctx.now]
        desk.buttons(f"#{poll.id} slot", answer_choices(ctx, poll.id, slots))
    desk.section("Date polls waiting for your answer", lines, total - DATE_POLLS, "date poll",
                 "meeting availability")


def _actions(ctx: Context, desk: Desk, who: str) -> None:
    total, late, rows = action_items(ctx, ACTIONS, col(ActionItem.status) == ActionStatus.OPEN,
                                     col(ActionItem.agency_id) == ctx.actor.agency_id)
    if not total:
        return
    heading = f"{who}'s action items ({total} open" + (f", {late} overdue)" if late else ")")
    desk.section(heading, [describe_action(ctx, item, code) for item, code in rows],
                 total - len(rows), "action item", "actions mine")
    desk.buttons("Done", [button(f"#{item.id}", DONE_FORM, params={"item": item.id or 0},
                                 style="primary") for item, _ in rows])


def _decisions(ctx: Context, desk: Desk) -> None:
    total, latest = latest_decisions(ctx, DECISIONS, col(Decision.superseded).is_(False))
    if total:
        desk.section("Latest decisions", [decision_line(ctx, d, title) for d, title in latest],
                     total - len(latest), "decision", "decisions")


def _minutes_overdue(ctx: Context, desk: Desk) -> None:
    total, meetings = minutes_overdue(ctx, MEETINGS)
    if total:
        desk.section("Minutes overdue", [
            f"#{m.id} {m.title}, held {show_date(m.starts_at, zone(ctx))}: due "
            f"{show_date(minutes_due_at(ctx, m), zone(ctx))}; post them with: minutes #{m.id}"
            for m in meetings], total - len(meetings), "meeting", "meeting list")


def _stuck(ctx: Context, desk: Desk) -> None:
    total, rows = stuck_rows(ctx.session, ctx.now - STUCK_AFTER, OUTBOX)
    if not total:
        return
    lines = [f"#{row.id} {row.kind} — {row.status}, due {show_time(row.due_at, zone(ctx))}"
             + (f": {short(' '.join(row.last_error.split()), ITEM_SHOWN)}"
                if row.last_error else "") for row in rows]
    desk.section("Messages stuck in the outbox", lines, total - len(rows), "row",
                 "network-bot outbox on the server")
    desk.lines.append("Retry a failed row on the server with: network-bot outbox retry ID")
