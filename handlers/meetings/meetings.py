"""Meetings: schedule, list, show, move, cancel, and the calendar file.

Scheduling a meeting writes everything due later for it in the same transaction: reminders
before it, the agenda deadline job, and the minutes-overdue nudge to the Secretariat. Moving
or cancelling replaces or cancels those rows and announces the change to the network.
"""

from datetime import datetime, timedelta
from uuid import uuid4

from sqlalchemy import ColumnElement
from sqlmodel import col, func, select

from handlers.core import Context, Reply, Role, Scope, UserError
from handlers.dates import understand_when
from handlers.grammar import check_text, parse_ref, refuse_arguments, take_quoted
from handlers.meetings import attendance
from handlers.meetings.attendance import attend_choices, attendance_fields
from handlers.meetings.calendar_file import is_invitation, meeting_ics
from handlers.meetings.meeting_common import (
    DEADLINE,
    KIND_NAMES,
    agenda_closing,
    carry_over,
    describe,
    get_meeting,
    group_slugs,
    may_organise,
    move_items,
    next_open,
    open_items,
    wg_slug,
    when,
    zone,
)
from handlers.meetings.meeting_length import take_length
from handlers.meetings.meeting_notes import time_notes
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.paging import PAGE, more
from handlers.people import people_of
from handlers.records.minutes import OVERDUE, minutes_due_at
from handlers.registry import command
from handlers.timefmt import show_duration, show_time
from handlers.wording import counted, plural
from storage.audience import NETWORK, Audience
from storage.models import (
    AgendaItem,
    AgendaStatus,
    DatePoll,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Outbox,
    Person,
    WGPartner,
    WorkingGroup,
)
from storage.outbox import cancel_pending
from templates import render

SCHEDULE_EXAMPLE = 'meeting schedule regular 14 Mar 2031 10:00 "Mid-year review" where IOM office'
LENGTH_EXAMPLE = 'meeting schedule regular 14 Mar 2031 10:00-12:30 "Mid-year review"'
MOVE_LENGTH_EXAMPLE = "meeting move #1 21 Mar 2031 14:00 for 90m"
SCHEDULED = declare(OutboxKind("meeting.scheduled"))
MOVED = declare(OutboxKind("meeting.moved"))
CANCELLED = declare(OutboxKind("meeting.cancelled"))
TITLE_LIMIT = 300
PLACE_LIMIT = 500


@command(
    "meeting schedule",
    summary="Schedule a regular, ad-hoc or working group meeting",
    usage='meeting schedule regular|adhoc|wg:<slug> <when> "<title>" [where <place or link>]',
    example=SCHEDULE_EXAMPLE,
    detail="Regular and ad-hoc meetings: the Chair or the Secretariat; a working group's "
           "meeting: also that group's chairs. <when> is a date and a time of day, day first "
           "(14/03/2031 10:00, tomorrow 9am, tomorrow 10:00 UTC), with its end (10:00-12:30) or "
           "length (10:00 for 90m) if it is not the usual one (meetings.duration). The "
           "network is told, reminders are set, and the backlog of agenda items joins the "
           "meeting.",
)
def meeting_schedule(ctx: Context, args: str) -> Reply:
    kind_word, _, rest = args.strip().partition(" ")
    kind, group = organised_kind(ctx, kind_word.lower(), "schedule")
    phrase, title, place = _split_schedule(rest)
    phrase, length = take_length(phrase, longest=ctx.config.meetings.LONGEST,
                                 example=LENGTH_EXAMPLE)
    starts_at = understand_when(phrase, zone=zone(ctx), now=ctx.now, example=ctx.spec.example,
                                command=f"meeting schedule {args.strip()}")
    ends_at = starts_at + (length or ctx.config.meetings.duration)
    lines = schedule(ctx, kind, group, title, (starts_at, ends_at), place)[1]
    return Reply(text="\n".join(lines), private=False)


def schedule(ctx: Context, kind: MeetingKind, group: WorkingGroup | None, title: str,
             times: tuple[datetime, datetime], place: str | None) -> tuple[Meeting, list[str]]:
    """Store a new meeting from ``times[0]`` to ``times[1]`` with everything due later for it,
    announce it and carry the backlog over: the meeting and the reply's lines. ``meeting
    schedule`` and a date poll's ``meeting pick`` both come here."""
    starts_at, ends_at = times
    meeting = Meeting(
        kind=kind, wg_id=group.id if group else None, title=title, starts_at=starts_at,
        ends_at=ends_at, agenda_closes_at=agenda_closing(ctx, starts_at), location=place,
        uid=f"{uuid4()}@network-bot", created_by_id=ctx.actor.person_id,
        created_at=ctx.now, updated_at=ctx.now,
    )
    ctx.session.add(meeting)
    ctx.session.flush()
    plan_rows(ctx, meeting)
    _announce(ctx, meeting, SCHEDULED)
    joined = carry_over(ctx, meeting.wg_id).get(meeting.id or 0, 0)
    lines = [f"Scheduled {describe(ctx, meeting)}.", *time_notes(ctx, meeting),
             _closing(ctx, meeting)]
    if joined:
        lines.append(f"{counted(joined, 'waiting agenda item')} joined its agenda.")
    lines.append("The network is being told.")
    return meeting, lines


@command(
    "meeting list",
    reads_only=True,
    summary="List the upcoming meetings with their agenda item counts",
    usage="meeting list",
    example="meeting list",
    partners=True,
)
def meeting_list(ctx: Context, args: str) -> Reply:
    refuse_arguments("meeting list", args)
    total, meetings = upcoming_meetings(ctx, PAGE)
    if not total:
        how = (f" Schedule one with: {SCHEDULE_EXAMPLE}"
               if ctx.actor.has(Role.CHAIR, Role.SECRETARIAT) else "")
        return Reply(title="Upcoming meetings", text="No meeting is scheduled." + how)
    counts = dict(ctx.session.exec(
        select(AgendaItem.meeting_id, func.count())
        .where(col(AgendaItem.meeting_id).in_([m.id for m in meetings]),
               AgendaItem.status != AgendaStatus.WITHDRAWN)
        .group_by(col(AgendaItem.meeting_id))).all())
    slugs = group_slugs(ctx, meetings)
    lines = [f"#{m.id} {when(ctx, m)} — {m.title} "
             f"({kind_label(m, slugs.get(m.wg_id))}; {n} agenda item{'s' if n != 1 else ''})"
             for m in meetings for n in [counts.get(m.id, 0)]]
    if total > len(meetings):
        lines.append(more(total - len(meetings), "meetings scheduled later",
                          "meeting show #N shows any one of them."))
    return Reply(title="Upcoming meetings", text="\n".join(lines))


def upcoming_meetings(scope: Scope, limit: int,
                      *among: ColumnElement[bool]) -> tuple[int, list[Meeting]]:
    """How many meetings are scheduled and not started (of those ``among`` picks), and the
    first ``limit`` of them, soonest first: two statements however many there are."""
    upcoming: tuple[ColumnElement[bool], ...] = (
        col(Meeting.status) == MeetingStatus.SCHEDULED, col(Meeting.starts_at) > scope.now,
        *among)
    total = scope.session.exec(select(func.count()).select_from(Meeting).where(*upcoming)).one()
    meetings = scope.session.exec(select(Meeting).where(*upcoming).order_by(
        Meeting.starts_at, Meeting.id).limit(limit)).all() if total else []  # type: ignore[arg-type]
    return total, list(meetings)


@command(
    "meeting show",
    reads_only=True,
    summary="Show one meeting: time, place, status and agenda",
    usage="meeting show #N",
    example="meeting show #1",
)
def meeting_show(ctx: Context, args: str) -> Reply:
    meeting = get_meeting(ctx, parse_ref(args, "meeting"))
    fields = [("When", when(ctx, meeting)),
              ("Length", show_duration(meeting.ends_at - meeting.starts_at)),
              ("Kind", kind_label(meeting, wg_slug(ctx, meeting))),
              ("Status", meeting.status)]
    if meeting.location:
        fields.append(("Where", meeting.location))
    if meeting.cancel_reason:
        fields.append(("Reason", meeting.cancel_reason))
    fields.append(("Agenda deadline", show_time(meeting.agenda_closes_at, zone(ctx))))
    if meeting.agenda_published_at:
        fields.append(("Agenda published", show_time(meeting.agenda_published_at, zone(ctx))))
    fields.append(("Agenda items", str(len(open_items(ctx, meeting.id)))))
    fields += attendance_fields(ctx, meeting)
    text = f"See the agenda with: agenda list #{meeting.id}"
    taking = meeting.status == MeetingStatus.SCHEDULED and meeting.starts_at > ctx.now
    if taking:
        text += ("\nSay whether your agency attends with the buttons, or: meeting attend "
                 f"#{meeting.id} yes|no|maybe [names]")
    return Reply(title=f"Meeting #{meeting.id}: {meeting.title}", fields=fields, text=text,
                 choices=attend_choices(meeting.id) if taking and meeting.id else [])


@command(
    "meeting move",
    summary="Move a meeting to another time (the network is told, reminders follow)",
    usage="meeting move #N <when> [for <length>]",
    example="meeting move #1 21 Mar 2031 14:00",
    detail="The organisers of the meeting only (Chair, Secretariat, the WG's chairs). The "
           "meeting keeps its length unless a new end (14:00-16:30) or length (for 90m) is "
           "given; 'meeting move #N for 3h' changes the length alone.",
)
def meeting_move(ctx: Context, args: str) -> Reply:
    ref, _, phrase = args.strip().partition(" ")
    meeting = _changeable(ctx, parse_ref(ref, "meeting"))
    phrase, length = take_length(phrase, longest=ctx.config.meetings.LONGEST,
                                 example=MOVE_LENGTH_EXAMPLE)
    starts_at = meeting.starts_at if length and not phrase.strip() else understand_when(
        phrase, zone=zone(ctx), now=ctx.now, example=ctx.spec.example,
        command=f"meeting move {args.strip()}")
    ends_at = starts_at + (length or meeting.ends_at - meeting.starts_at)
    if (starts_at, ends_at) == (meeting.starts_at, meeting.ends_at):
        raise UserError(f"Meeting #{meeting.id} is already at {when(ctx, meeting)}.")
    previous = when(ctx, meeting)
    if starts_at != meeting.starts_at:  # a new length alone keeps the agenda's deadline
        meeting.agenda_closes_at = agenda_closing(ctx, starts_at)
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.sequence += 1
    meeting.updated_at = ctx.now
    ctx.session.add(meeting)
    ctx.session.flush()
    plan_rows(ctx, meeting)
    _announce(ctx, meeting, MOVED, previous=previous)
    carry_over(ctx, meeting.wg_id)
    lines = [f"Moved {describe(ctx, meeting)}; it was {previous}. Reminders follow the new "
             "time, and the network is being told.", *time_notes(ctx, meeting),
             _closing(ctx, meeting)]
    return Reply(text="\n".join(lines), private=False)


@command(
    "meeting cancel",
    summary="Cancel a meeting (the network is told; its open agenda items move on)",
    usage="meeting cancel #N [reason]",
    example="meeting cancel #1 The Chair is travelling",
    detail="The organisers of the meeting only. Open agenda items go to the next meeting "
           "open for items, or back to the backlog.",
)
def meeting_cancel(ctx: Context, args: str) -> Reply:
    ref, _, given = args.strip().partition(" ")
    meeting = _changeable(ctx, parse_ref(ref, "meeting"))
    reason = check_text(given, what="reason") if given.strip() else None
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason
    meeting.sequence += 1
    meeting.updated_at = ctx.now
    ctx.session.add(meeting)
    cancel_pending(ctx.session, meeting_id=meeting.id, kinds=SCHEDULED_KINDS)
    _announce(ctx, meeting, CANCELLED)
    items = open_items(ctx, meeting.id)
    lines = [f"Cancelled {describe(ctx, meeting)}. The network is being told."]
    if items:
        target = next_open(ctx, meeting.wg_id)
        if target is None and meeting.wg_id is not None:
            for item in items:
                item.status = AgendaStatus.DEFERRED
                ctx.session.add(item)
            lines.append(f"Its {counted(len(items), 'agenda item')} "
                         f"{plural(len(items), 'is', 'are')} deferred to the working "
                         "group's next meeting.")
        else:
            move_items(ctx, items, target)
            carry_over(ctx, meeting.wg_id)
            lines.append(f"Its {counted(len(items), 'agenda item')} moved to "
                         + (describe(ctx, target) if target else "the backlog") + ".")
    return Reply(text="\n".join(lines), private=False)


@command(
    "meeting ics",
    reads_only=True,
    summary="Get a meeting as a calendar file (.ics) for Outlook, Google or Apple calendars",
    usage="meeting ics #N",
    example="meeting ics #1",
)
def meeting_ics_command(ctx: Context, args: str) -> Reply:
    meeting = get_meeting(ctx, parse_ref(args, "meeting"))
    text = f"Calendar file for {describe(ctx, meeting)}."
    if not is_invitation(ctx):
        text += (" It is a calendar entry, not an invitation: the Secretariat has no e-mail on "
                 "the roster (email: of its focal points in app.yaml).")
    return Reply(text=text, files=[meeting_ics(ctx, meeting)])


def partner_audience(scope: Scope, wg_id: int | None) -> list[Audience]:
    """A working group's partners are not in the network's channels: tell them directly."""
    if wg_id is None:
        return []
    partners = [p for p in scope.session.exec(
        select(Person.id).join(WGPartner, col(WGPartner.organisation) == Person.partner_org)
        .where(WGPartner.wg_id == wg_id, Person.active)).all() if p is not None]
    return [Audience.of_people(partners)] if partners else []


def plan_rows(scope: Scope, meeting: Meeting) -> None:
    """(Re)write the meeting's reminders, agenda deadline job and minutes-overdue nudge."""
    cancel_pending(scope.session, meeting_id=meeting.id, kinds=SCHEDULED_KINDS)
    attendance.plan_reminder(scope, meeting)
    values = _values(scope, meeting)
    audiences = [NETWORK, *partner_audience(scope, meeting.wg_id)]
    for lead in scope.config.meetings.reminders:
        due = meeting.starts_at - lead
        for audience in audiences if due > scope.now else ():
            queue(scope, REMINDER, reminder(scope, meeting, lead), due_at=due,
                  audience=audience, meeting_id=meeting.id)
    queue(scope, DEADLINE,
          Reply(text=f"Compile and publish the agenda of {describe(scope, meeting)}."),
          due_at=meeting.agenda_closes_at, meeting_id=meeting.id)
    due = minutes_due_at(scope, meeting)
    secretariat = people_of(scope, scope.config.network.secretariat)
    queue(scope, OVERDUE,
          Reply(text=render("minutes_overdue.j2", due=show_time(due, zone(scope)), **values)),
          due_at=due, audience=Audience.of_people(secretariat), meeting_id=meeting.id)


def reminder(scope: Scope, meeting: Meeting, lead: timedelta | None = None) -> Reply:
    """The reminder that ``meeting`` starts in ``lead``; without it, in the time really left
    (to the minute), for a reminder sent late (``scheduler.dispatch``)."""
    left = lead if lead is not None else _to_minute(meeting.starts_at - scope.now)
    return Reply(text=render("meeting_reminder.j2", lead=show_duration(left),
                             **_values(scope, meeting)), private=False,
                 choices=attend_choices(meeting.id or 0))


def _meeting_of(scope: Scope, row: Outbox) -> Meeting | None:
    return scope.session.get(Meeting, row.meeting_id) if row.meeting_id else None


def _started(scope: Scope, row: Outbox) -> str | None:
    """A reminder of a meeting that has started is dropped."""
    meeting = _meeting_of(scope, row)
    started = meeting is not None and meeting.starts_at <= scope.now
    return f"meeting #{row.meeting_id} had started" if started else None


def _reminder_now(scope: Scope, row: Outbox) -> Reply | None:
    """A reminder sent late says how long is really left."""
    meeting = _meeting_of(scope, row)
    return None if meeting is None else reminder(scope, meeting)


REMINDER = declare(OutboxKind("meeting.reminder", stale=_started, current=_reminder_now))
SCHEDULED_KINDS = (REMINDER.name, DEADLINE.name, OVERDUE.name, *attendance.KINDS)


def _closing(scope: Scope, meeting: Meeting) -> str:
    """When the agenda closes, and why sooner than usual for a meeting scheduled at short
    notice (``handlers.meetings.meeting_common.agenda_closing``)."""
    if meeting.agenda_closes_at <= scope.now:
        return f"Agenda items closed {show_time(meeting.agenda_closes_at, zone(scope))}."
    text = f"Agenda items close {show_time(meeting.agenda_closes_at, zone(scope))}"
    usual = scope.config.meetings.agenda_deadline
    if meeting.starts_at - meeting.agenda_closes_at < usual:
        text += (f": sooner than the usual {show_duration(usual)} before the meeting, which "
                 f"starts in {show_duration(_to_minute(meeting.starts_at - scope.now))}. The "
                 "compiled agenda goes out then")
    return text + "."


def _to_minute(length: timedelta) -> timedelta:
    return timedelta(minutes=int(length.total_seconds() // 60))


def _announce(ctx: Context, meeting: Meeting, kind: OutboxKind,
              previous: str | None = None) -> None:
    """``previous``: where a moved meeting was, as shown
    (``handlers.meetings.meeting_common.when``)."""
    text = render("meeting_announcement.j2", event=kind.name.removeprefix("meeting."),
                  previous=previous,
                  reason=meeting.cancel_reason, **_values(ctx, meeting))
    choices = attend_choices(meeting.id or 0) if kind != CANCELLED else []
    queue(ctx, kind, Reply(text=text, private=False, files=[meeting_ics(ctx, meeting)],
                           choices=choices), audience=NETWORK, meeting_id=meeting.id)


def _values(scope: Scope, meeting: Meeting) -> dict[str, object]:
    return {"id": meeting.id, "title": meeting.title, "where": meeting.location,
            "when": when(scope, meeting),
            "kind_name": kind_label(meeting, wg_slug(scope, meeting))}


def kind_label(meeting: Meeting | DatePoll, slug: str | None) -> str:
    return f"{slug} working group meeting" if slug else KIND_NAMES[MeetingKind(meeting.kind)]


def organised_kind(ctx: Context, word: str, doing: str) -> tuple[MeetingKind,
                                                                 WorkingGroup | None]:
    """The kind of meeting (and working group) ``word`` names, if the speaker may organise
    one: the Chair and the Secretariat any, a working group's chairs their group's.
    ``doing`` is the verb of the refusal ("schedule", "propose")."""
    kind, group = _kind(ctx, word, doing)
    if not (ctx.actor.has(Role.CHAIR, Role.SECRETARIAT)
            or (group is not None and ctx.actor.chairs_wg(group.slug))):
        who = f"the Chair, the Secretariat or the chairs of {group.slug}" if group \
            else "the Chair or the Secretariat"
        raise UserError(f"Only {who} may {doing} a {KIND_NAMES[kind]}.", "meeting list")
    return kind, group


def _kind(ctx: Context, word: str, doing: str) -> tuple[MeetingKind, WorkingGroup | None]:
    if word in (MeetingKind.REGULAR, MeetingKind.ADHOC):
        return MeetingKind(word), None
    if word.startswith("wg:"):
        slug = word.removeprefix("wg:")
        group = ctx.session.exec(
            select(WorkingGroup).where(WorkingGroup.slug == slug, WorkingGroup.active)).first()
        if group is None:
            raise UserError(f"There is no working group '{slug}'. Type wg to list them.",
                            f"meeting {doing} wg:labour-migration "
                            + ('"WG review" 20 Mar 2031 14:00 | 21 Mar 2031 9:00'
                               if doing == "propose" else '20 Mar 2031 14:00 "WG review"'))
        return MeetingKind.WG, group
    raise UserError("Say which kind of meeting: regular, adhoc or wg:<slug>.")


def _split_schedule(rest: str) -> tuple[str, str, str | None]:
    """``<when> "<title>" [where <place>]`` -> (when, title, place)."""
    for index in range(len(rest)):
        title, after = take_quoted(rest[index:])
        if title is not None:
            break
    else:
        raise UserError("Put the meeting's title in quotes after the time.")
    title = check_text(title, what="title", max_length=TITLE_LIMIT)
    phrase = rest[:index].strip()
    if not phrase:
        raise UserError("Say when the meeting starts, before its title.")
    if not after:
        return phrase, title, None
    word, _, place = after.partition(" ")
    if word.lower() != "where":
        raise UserError(f"I did not understand '{after}' after the title; write the place "
                        "after 'where'.")
    return phrase, title, check_text(place, what="place", max_length=PLACE_LIMIT)


def _changeable(ctx: Context, meeting_id: int) -> Meeting:
    meeting = get_meeting(ctx, meeting_id)
    if not may_organise(ctx, ctx.actor, meeting):
        raise UserError(f"Only the organisers of meeting #{meeting.id} (the Chair, the "
                        "Secretariat" + (" or the working group's chairs" if meeting.wg_id
                                         else "") + ") may change it.", "meeting list")
    if meeting.status == MeetingStatus.CANCELLED:
        raise UserError(f"Meeting #{meeting.id} was cancelled. Schedule a new one instead.",
                        SCHEDULE_EXAMPLE)
    if meeting.starts_at <= ctx.now:
        raise UserError(f"Meeting #{meeting.id} has already started "
                        f"({show_time(meeting.starts_at, zone(ctx))}).", "meeting list")
    return meeting
