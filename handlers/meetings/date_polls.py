"""Date polls: finding a meeting's date with the agencies (``meeting available``, ``meeting
availability``, ``meeting pick``; ``meeting propose`` is in ``date_poll_propose``).

The organisers propose two to eight slots, read by the same rules as ``meeting schedule``. Each
agency answers each slot Yes, If need be (stored as ``maybe``) or No; like attendance, any focal
point answers for the agency, every answer is kept and the latest counts; a working group's
partners answer its slots apart. Picking a slot schedules the meeting through
``meetings.schedule`` and closes the poll. An answer and a pick hold the poll's row until they
commit (PostgreSQL; SQLite writes one unit of work at a time), so an answer that loses a race
with the pick is refused, never stored on a closed poll.
"""

import re
from collections.abc import Mapping

from sqlmodel import col, func, select

from handlers.core import Context, Reply, UserError
from handlers.grammar import check_text, parse_ref
from handlers.meetings.attendance import answering_for
from handlers.meetings.date_poll_common import (
    PROPOSE_EXAMPLE,
    closed,
    get_poll,
    kind_word,
    poll_label,
    poll_slug,
    poll_title,
    tell,
)
from handlers.meetings.date_poll_tally import (
    LABELS,
    answer_choices,
    best_slot,
    pick_choice,
    slot_when,
    slots_of,
    tally,
    tally_fields,
)
from handlers.meetings.meeting_common import zone
from handlers.meetings.meetings import PLACE_LIMIT, organised_kind, schedule
from handlers.outbox_kinds import OutboxKind, declare
from handlers.registry import command
from handlers.timefmt import show_time
from handlers.wording import counted
from storage.models import (
    AttendAnswer,
    DateAnswer,
    DatePoll,
    DatePollStatus,
    DateSlot,
    MeetingKind,
    WorkingGroup,
)
from storage.outbox import cancel_pending

AVAILABLE_EXAMPLE = "meeting available #1 1 yes 2 maybe 3 no"
PICK_EXAMPLE = "meeting pick #1 2 where IOM office"
DROP_EXAMPLE = "meeting drop #1 The Chair's mission was moved"
REASON_LIMIT = 1000
PICKED = declare(OutboxKind("meeting.date_picked"))
DROPPED = declare(OutboxKind("meeting.date_dropped"))
# How an answer may be written: "if need be" (the button's words) is maybe.
_WORDS = {"yes": AttendAnswer.YES, "y": AttendAnswer.YES, "maybe": AttendAnswer.MAYBE,
          "ifneedbe": AttendAnswer.MAYBE, "no": AttendAnswer.NO, "n": AttendAnswer.NO}
_IF_NEED_BE = re.compile(r"\bif[\s-]+need[\s-]+be\b", re.IGNORECASE)


@command(
    "meeting available",
    summary="Say which of a date poll's times suit your agency",
    usage="meeting available #D <slot> yes|maybe|no [<slot> yes|maybe|no ...]",
    example=AVAILABLE_EXAMPLE,
    partners=True,
    detail="Any focal point answers for their agency; the latest answer of the agency to a "
           "time counts, and every answer is kept. maybe means if need be. 'all no' answers "
           "every time at once. A working group's partners answer its date polls, apart from "
           "the agencies. Answers are taken until the poll's deadline or until a time is "
           "picked.",
)
def meeting_available(ctx: Context, args: str) -> Reply:
    ref, _, rest = args.strip().partition(" ")
    if not ref:
        raise UserError("Say which date poll, as #D, then each time's number and your answer.",
                        AVAILABLE_EXAMPLE)
    poll = get_poll(ctx, parse_ref(ref, "date poll", AVAILABLE_EXAMPLE), lock=True)
    assert poll.id is not None
    _refuse_closed(ctx, poll)
    slots = {slot.number: slot for slot in slots_of(ctx, poll.id)}
    answers = _read_answers(ctx, poll, slots, rest)
    who, agency_id, partner = answering_for(
        ctx, poll_slug(ctx, poll), f"date poll #{poll.id}", "which times suit it")
    latest = {a.slot: a.answer for a in ctx.session.exec(
        select(DateAnswer).where(DateAnswer.poll_id == poll.id,
                                 col(DateAnswer.agency_id) == agency_id if agency_id
                                 else col(DateAnswer.partner_org) == partner)
        .order_by(col(DateAnswer.id))).all()}
    assert ctx.actor.person_id is not None
    recorded, kept = [], []
    for number, answer in answers.items():
        said = f"slot {number} {LABELS[answer].lower()}"
        if latest.get(number) == answer:
            kept.append(said)
            continue
        ctx.session.add(DateAnswer(poll_id=poll.id, slot=number, agency_id=agency_id,
                                   partner_org=partner, person_id=ctx.actor.person_id,
                                   answer=answer, answered_at=ctx.now))
        was = latest.get(number)
        recorded.append(said + (f" (was: {LABELS[AttendAnswer(was)].lower()})" if was else ""))
    ctx.session.flush()
    lines = []
    if recorded:
        lines.append(f"Recorded for {who} on date poll #{poll.id}: {', '.join(recorded)}.")
    if kept:
        lines.append(("Already recorded" if recorded else f"Already recorded for {who} on date "
                      f"poll #{poll.id}") + f": {', '.join(kept)}."
                     + ("" if recorded else " Nothing changed."))
    missing = [str(n) for n, s in slots.items() if s.starts_at > ctx.now
               and n not in answers and n not in latest]
    if missing:
        lines.append(f"Not answered yet: slot{'s' if len(missing) > 1 else ''} "
                     f"{', '.join(missing)}.")
    until = (f"answers close {show_time(poll.answers_until, zone(ctx))}"
             if poll.answers_until else "a time is picked")
    lines.append(f"You can change your answers until {until}. See them all with: meeting "
                 f"availability #{poll.id}")
    return Reply(text="\n".join(lines))


@command(
    "meeting availability",
    reads_only=True,
    summary="Show a date poll's times: which agencies said what, who has not answered",
    usage="meeting availability [#D]",
    example="meeting availability #1",
    partners=True,
    detail="Without a number: the date polls still open.",
)
def meeting_availability(ctx: Context, args: str) -> Reply:
    if not args.strip():
        return _open_polls(ctx)
    poll = get_poll(ctx, parse_ref(args, "date poll", "meeting availability #1"))
    assert poll.id is not None
    slots = slots_of(ctx, poll.id)
    tallies = tally(ctx, poll, slots)
    fields = tally_fields(ctx, tallies)
    if ended := closed(poll):
        text = ended + (f" See the meeting with: meeting show #{poll.meeting_id}"
                        if poll.meeting_id else "")
        return Reply(title=poll_title(poll), text=text, fields=fields)
    best = best_slot(ctx, tallies)
    lines = [f"Best so far: slot {best.slot.number} ({best.summary()})." if best
             else "Every time proposed has passed: propose new ones."]
    if poll.answers_until:
        over = poll.answers_until <= ctx.now
        lines.append(f"Answers {'closed' if over else 'close'} "
                     f"{show_time(poll.answers_until, zone(ctx))}.")
    taking = _taking(ctx, poll)
    if taking:
        lines.append(f"Answer with the buttons, or: meeting available #{poll.id} 1 yes 2 maybe "
                     "3 no")
    lines.append(f"The organisers schedule the meeting with: meeting pick #{poll.id} <slot>")
    choices = answer_choices(ctx, poll.id, slots) if taking else []
    if best and _may_pick(ctx, poll):
        choices.append(pick_choice(poll.id, best.slot))
    return Reply(title=poll_title(poll), text="\n".join(lines), fields=fields, choices=choices)


@command(
    "meeting pick",
    summary="Schedule a date poll's meeting at one of its times, and close the poll",
    usage="meeting pick #D <slot> [where <place or link>]",
    example=PICK_EXAMPLE,
    detail="Whoever may schedule the meeting. The meeting is scheduled as meeting schedule "
           "does (announcement, reminders, agenda deadline, calendar file), the poll closes "
           "and the agencies are told. A time that has started can no longer be picked.",
)
def meeting_pick(ctx: Context, args: str) -> Reply:
    ref, _, rest = args.strip().partition(" ")
    poll = get_poll(ctx, parse_ref(ref, "date poll", PICK_EXAMPLE), lock=True)
    assert poll.id is not None
    group = ctx.session.get(WorkingGroup, poll.wg_id) if poll.wg_id else None
    organised_kind(ctx, kind_word(ctx, poll), "pick the time of")
    if ended := closed(poll):
        raise UserError(ended + (" Move the meeting instead." if poll.meeting_id else
                                 " Propose new times instead."),
                        f"meeting move #{poll.meeting_id} 21 Mar 2031 14:00"
                        if poll.meeting_id else PROPOSE_EXAMPLE)
    word, _, place_text = rest.strip().partition(" ")
    slots = {slot.number: slot for slot in slots_of(ctx, poll.id)}
    slot = slots.get(int(word)) if word.isdigit() else None
    if slot is None:
        problem = f"'{word}' is not" if word else "Say which time:"
        raise UserError(f"{problem} one of date poll #{poll.id}'s slots, 1 to {len(slots)}.",
                        f"meeting pick #{poll.id} 1")
    if slot.starts_at <= ctx.now:
        raise UserError(f"Slot {slot.number} ({slot_when(ctx, slot)}) has passed, so it can no "
                        "longer be picked.", f"meeting pick #{poll.id} <another slot>")
    place = _place(place_text, poll.id)
    meeting, lines = schedule(ctx, MeetingKind(poll.kind), group, poll.title,
                              (slot.starts_at, slot.ends_at), place)
    poll.status, poll.picked_slot, poll.meeting_id = DatePollStatus.PICKED, slot.number, \
        meeting.id
    poll.closed_at = ctx.now
    ctx.session.add(poll)
    cancel_pending(ctx.session, date_poll_id=poll.id)
    [picked] = tally(ctx, poll, [slot])
    text = (f"Date poll #{poll.id} is closed: slot {slot.number} ({slot_when(ctx, slot)}) was "
            f"picked for meeting #{meeting.id} ({picked.summary()}).")
    tell(ctx, poll, PICKED, Reply(title=poll_title(poll), text=text, private=False))
    return Reply(text="\n".join([f"Picked slot {slot.number} of date poll #{poll.id}, which "
                                 "is closed; the agencies are being told.", *lines]),
                 private=False)


@command(
    "meeting drop",
    summary="Drop a date poll without picking a time (the agencies are told)",
    usage="meeting drop #D [reason]",
    example=DROP_EXAMPLE,
    detail="Whoever may schedule the meeting. The poll takes no more answers, its reminders "
           "are cancelled, and its answers stay on record (meeting availability #D).",
)
def meeting_drop(ctx: Context, args: str) -> Reply:
    ref, _, given = args.strip().partition(" ")
    poll = get_poll(ctx, parse_ref(ref, "date poll", DROP_EXAMPLE), lock=True)
    organised_kind(ctx, kind_word(ctx, poll), "drop the date poll of")
    if ended := closed(poll):
        raise UserError(ended, f"meeting availability #{poll.id}")
    reason = check_text(given, what="reason", max_length=REASON_LIMIT) if given.strip() \
        else None
    poll.status, poll.drop_reason, poll.closed_at = DatePollStatus.DROPPED, reason, ctx.now
    ctx.session.add(poll)
    cancel_pending(ctx.session, date_poll_id=poll.id)
    tell(ctx, poll, DROPPED, Reply(title=poll_title(poll), private=False,
                                   text=f"{closed(poll)} No meeting was scheduled from it."))
    return Reply(text=f"Dropped date poll #{poll.id}; the agencies are being told.",
                 private=False)


def _read_answers(ctx: Context, poll: DatePoll, slots: Mapping[int, DateSlot],
                  text: str) -> dict[int, AttendAnswer]:
    """``1 yes 2 maybe, 3 no`` (or ``all no``) -> {slot number: answer}."""
    words = _IF_NEED_BE.sub("ifneedbe", text).replace(",", " ").split()
    example = f"meeting available #{poll.id} 1 yes" + (" 2 maybe" if len(slots) > 1 else "")
    if not words:
        raise UserError("Say each time's number and your answer: yes, maybe (if need be) or "
                        "no.", example)
    if len(words) % 2:
        raise UserError(f"'{words[-1]}' has no pair: write a time's number then its answer.",
                        example)
    answers: dict[int, AttendAnswer] = {}
    for which, word in zip(words[::2], words[1::2], strict=True):
        answer = _WORDS.get(word.lower())
        if answer is None:
            raise UserError(f"'{word}' is not an answer: say yes, maybe (if need be) or no.",
                            example)
        numbers = [n for n, s in slots.items() if s.starts_at > ctx.now] \
            if which.lower() == "all" else [_slot_number(ctx, poll, slots, which)]
        for number in numbers:
            if number in answers:
                raise UserError(f"Slot {number} is answered twice; give one answer a time.",
                                example)
            answers[number] = answer
    if not answers:
        raise UserError("Every time proposed has passed: nothing is left to answer.",
                        "meeting availability")
    return answers


def _slot_number(ctx: Context, poll: DatePoll, slots: Mapping[int, DateSlot],
                 word: str) -> int:
    slot = slots.get(int(word)) if word.isdigit() else None
    if slot is None:
        raise UserError(f"'{word}' is not one of date poll #{poll.id}'s slots, 1 to "
                        f"{len(slots)}.", f"meeting available #{poll.id} 1 yes")
    if slot.starts_at <= ctx.now:
        raise UserError(f"Slot {slot.number} ({slot_when(ctx, slot)}) has passed; answer the "
                        "others.", f"meeting availability #{poll.id}")
    return slot.number


def _refuse_closed(ctx: Context, poll: DatePoll) -> None:
    if ended := closed(poll):
        if poll.meeting_id:
            raise UserError(f"{ended} Say whether your agency attends with: meeting attend "
                            f"#{poll.meeting_id} yes", f"meeting show #{poll.meeting_id}")
        raise UserError(ended, "meeting availability")
    if poll.answers_until is not None and poll.answers_until <= ctx.now:
        raise UserError(f"Answers to date poll #{poll.id} closed "
                        f"{show_time(poll.answers_until, zone(ctx))}; the organisers are "
                        "picking the time.", f"meeting availability #{poll.id}")


def _taking(ctx: Context, poll: DatePoll) -> bool:
    try:
        _refuse_closed(ctx, poll)
    except UserError:
        return False
    return True


def _may_pick(ctx: Context, poll: DatePoll) -> bool:
    try:
        organised_kind(ctx, kind_word(ctx, poll), "pick the time of")
    except UserError:
        return False
    return True


def _place(text: str, poll_id: int) -> str | None:
    if not text.strip():
        return None
    word, _, place = text.strip().partition(" ")
    if word.lower() != "where":
        raise UserError(f"I did not understand '{text.strip()}' after the slot; write the "
                        "place after 'where'.", f"meeting pick #{poll_id} 2 where IOM office")
    return check_text(place, what="place", max_length=PLACE_LIMIT)


def _open_polls(ctx: Context) -> Reply:
    polls = ctx.session.exec(select(DatePoll).where(DatePoll.status == DatePollStatus.OPEN)
                             .order_by(col(DatePoll.id))).all()
    if not polls:
        return Reply(title="Open date polls", text="No date poll is open. The organisers start "
                     f"one with: {PROPOSE_EXAMPLE}")
    counts = dict(ctx.session.exec(select(DateSlot.poll_id, func.count())
                                   .where(col(DateSlot.poll_id).in_([p.id for p in polls]))
                                   .group_by(col(DateSlot.poll_id))).all())
    lines = [f'#{p.id} "{p.title}" ({poll_label(ctx, p)}; '
             f'{counted(counts.get(p.id or 0, 0), "time")}'
             + (f"; answers close {show_time(p.answers_until, zone(ctx))}"
                if p.answers_until else "") + ")" for p in polls]
    lines.append("See one with: meeting availability #D")
    return Reply(title="Open date polls", text="\n".join(lines))
