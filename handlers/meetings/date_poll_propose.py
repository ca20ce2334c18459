"""Proposing a date poll: ``meeting propose`` (or its form), read and checked whole before
anything is stored, and the question the network is asked, with a row of buttons a slot."""

import re
from collections.abc import Mapping
from datetime import datetime

from sqlmodel import col, select

from handlers.core import Context, Form, FormField, Reply, UserError
from handlers.dates import understand_when
from handlers.forms import form
from handlers.grammar import check_text, take_quoted
from handlers.meetings import date_poll_jobs
from handlers.meetings.date_poll_common import PROPOSE_EXAMPLE, poll_label, poll_title, tell
from handlers.meetings.date_poll_tally import answer_choices, availability_choice, slot_when
from handlers.meetings.meeting_common import KIND_NAMES, zone
from handlers.meetings.meeting_length import take_length
from handlers.meetings.meetings import TITLE_LIMIT, organised_kind
from handlers.outbox_kinds import OutboxKind, declare
from handlers.registry import command
from handlers.timefmt import show_time
from handlers.wording import counted
from storage.models import DatePoll, DateSlot, MeetingKind, WorkingGroup

FEWEST, MOST = 2, 8
PROPOSE_FORM = "date-propose"
PROPOSED = declare(OutboxKind("meeting.date_poll"))
_UNTIL = re.compile(r"\buntil\b", re.IGNORECASE)


@command(
    "meeting propose",
    summary="Propose times for a meeting and ask the agencies which suit them (a date poll)",
    usage='meeting propose regular|adhoc|wg:<slug> "<title>" <when> | <when> ... '
          "[until <when>]",
    example=PROPOSE_EXAMPLE,
    detail="Whoever may schedule the meeting (the Chair, the Secretariat; a working group's "
           "chairs for its meetings). Two to eight times separated by |, each a date and a "
           "time of day with its end or length if not the usual one, as in meeting schedule. "
           "The network is asked with Yes / If need be / No buttons per time. With until, "
           "answers close then: agencies that have not answered are reminded a day before, "
           "and the organisers are told the best time. Without anything after it, a form.",
)
def meeting_propose(ctx: Context, args: str) -> Reply:
    if not args.strip():
        return _propose_form(ctx)
    kind_word, _, rest = args.strip().partition(" ")
    kind, group = organised_kind(ctx, kind_word.lower(), "propose")
    title, after = take_quoted(rest)
    if title is None:
        raise UserError("Put the meeting's title in quotes after its kind, then the times "
                        "separated by |.", PROPOSE_EXAMPLE)
    title = check_text(title, what="title", max_length=TITLE_LIMIT)
    times, until_phrase = _split_until(after)
    phrases = [phrase.strip() for phrase in times.split("|")]
    if len(phrases) < FEWEST or not phrases[0]:
        raise UserError(f"A date poll needs {FEWEST} to {MOST} times, separated by |. For a "
                        "single time, schedule the meeting: meeting schedule "
                        f'{kind_word} 14 Mar 2031 10:00 "{title}"', PROPOSE_EXAMPLE)
    if len(phrases) > MOST:
        raise UserError(f"A date poll takes at most {MOST} times; {len(phrases)} were given. "
                        "Leave out the least likely.", PROPOSE_EXAMPLE)
    line = f"meeting propose {args.strip()}"
    spans = [_read_slot(ctx, number, phrase, line)
             for number, phrase in enumerate(phrases, start=1)]
    _refuse_repeats(ctx, spans)
    until = None
    if until_phrase is not None:
        until = understand_when(until_phrase, zone=zone(ctx), now=ctx.now, require_time=False,
                                example=PROPOSE_EXAMPLE, command=line)
        first = min(start for start, _ in spans)
        if until >= first:
            raise UserError(f"Answers would close {show_time(until, zone(ctx))}, not before the "
                            f"first time proposed ({show_time(first, zone(ctx))}). Close them "
                            "earlier, so that the meeting can still be scheduled.",
                            PROPOSE_EXAMPLE)
    poll = DatePoll(kind=kind, wg_id=group.id if group else None, title=title,
                    answers_until=until, proposed_by_id=ctx.actor.person_id,
                    proposed_at=ctx.now)
    ctx.session.add(poll)
    ctx.session.flush()
    assert poll.id is not None
    slots = [DateSlot(poll_id=poll.id, number=number, starts_at=start, ends_at=end)
             for number, (start, end) in enumerate(spans, start=1)]
    ctx.session.add_all(slots)
    ctx.session.flush()
    date_poll_jobs.plan(ctx, poll)
    tell(ctx, poll, PROPOSED, _asked(ctx, poll, slots))
    text = (f'Date poll #{poll.id} proposes {counted(len(slots), "time")} for the '
            f'{poll_label(ctx, poll)} "{title}"; the network is being asked.')
    if until is not None:
        text += f" Answers close {show_time(until, zone(ctx))}."
    text += (f"\nSee the answers with: meeting availability #{poll.id}\n"
             f"Schedule the meeting at the time chosen with: meeting pick #{poll.id} <slot>")
    return Reply(text=text, private=False,
                 fields=[(f"Slot {s.number}", slot_when(ctx, s)) for s in slots])


@form(PROPOSE_FORM, fields=("kind", "title", "slots", "until"))
def _propose(_: Mapping[str, int], values: Mapping[str, str]) -> str:
    slots = " | ".join(line.strip() for line in values["slots"].splitlines() if line.strip())
    until = f" until {values['until']}" if values["until"] else ""
    return f"meeting propose {values['kind']} {_quoted(values['title'])} {slots}{until}"


# Quotes to put a title in, each with the characters that would end it early.
_QUOTE_PAIRS = (('"', '"', '"“”'), ("«", "»", "«»"), ("‘", "’", "‘’"))


def _quoted(title: str) -> str:
    """The title in quotes that it does not contain, so that take_quoted reads it back whole
    (with all of them in it, the command refuses the title rather than misread it)."""
    for opening, closing, enders in _QUOTE_PAIRS:
        if not set(enders) & set(title):
            return f"{opening}{title}{closing}"
    return f'"{title}"'


def _propose_form(ctx: Context) -> Reply:
    kinds = [(kind.value, KIND_NAMES[kind].capitalize()) for kind in
             (MeetingKind.REGULAR, MeetingKind.ADHOC)]
    groups = ctx.session.exec(select(WorkingGroup).where(WorkingGroup.active)
                              .order_by(col(WorkingGroup.slug))).all()
    kinds += [(f"wg:{g.slug}", f"{g.name} working group meeting") for g in groups]
    return Reply(title="Propose times for a meeting", text=(
        f"Give the meeting's kind and title, and {FEWEST} to {MOST} times the agencies answer "
        f"Yes, If need be or No to.\nOr type: {PROPOSE_EXAMPLE}"), form=Form(
        "Propose times for a meeting", PROPOSE_FORM, [
            FormField("kind", "Kind of meeting", options=kinds,
                      initial=MeetingKind.REGULAR.value),
            FormField("title", "Title", placeholder="Mid-year review", max_length=TITLE_LIMIT),
            FormField("slots", f"Times, one a line ({FEWEST} to {MOST})", multiline=True,
                      placeholder="14 Mar 2031 10:00\n17 Mar 2031 14:00-16:00"),
            FormField("until", "Answers close (optional)", placeholder="10 Mar 2031",
                      required=False),
        ], submit_label="Ask the network"))


def _split_until(text: str) -> tuple[str, str | None]:
    """``<times> until <when>`` -> (times, when); the last ``until`` counts."""
    found = list(_UNTIL.finditer(text))
    if not found:
        return text, None
    last = found[-1]
    until = text[last.end():].strip()
    if not until:
        raise UserError("Say when answers close, after until.", PROPOSE_EXAMPLE)
    return text[:last.start()], until


def _read_slot(ctx: Context, number: int, phrase: str, line: str) -> tuple[datetime, datetime]:
    """A slot's start and end, or a refusal that says which slot was wrong."""
    try:
        if not phrase:
            raise UserError("It is empty: write a date and a time between the |.",
                            PROPOSE_EXAMPLE)
        phrase, length = take_length(phrase, longest=ctx.config.meetings.LONGEST,
                                     example=PROPOSE_EXAMPLE)
        start = understand_when(phrase, zone=zone(ctx), now=ctx.now, example=PROPOSE_EXAMPLE,
                                command=line)
    except UserError as refusal:
        raise UserError(f"Slot {number}: {refusal.problem}", refusal.example) from None
    return start, start + (length or ctx.config.meetings.duration)


def _refuse_repeats(ctx: Context, spans: list[tuple[datetime, datetime]]) -> None:
    for later, span in enumerate(spans):
        if span[0] in (start for start, _ in spans[:later]):
            earlier = [start for start, _ in spans].index(span[0]) + 1
            raise UserError(f"Slots {earlier} and {later + 1} are the same time "
                            f"({show_time(span[0], zone(ctx))}); give each time once.",
                            PROPOSE_EXAMPLE)


def _asked(ctx: Context, poll: DatePoll, slots: list[DateSlot]) -> Reply:
    """The question the network is asked, with a row of buttons a slot."""
    assert poll.id is not None
    until = (f" by {show_time(poll.answers_until, zone(ctx))}" if poll.answers_until else "")
    text = (f"When can your agency come to the {poll_label(ctx, poll)} \"{poll.title}\"? Answer "
            f"each time{until} with its buttons, or: meeting available #{poll.id} 1 yes 2 maybe "
            f"3 no\nSee who said what with: meeting availability #{poll.id}")
    return Reply(title=poll_title(poll), text=text, private=False,
                 fields=[(f"Slot {s.number}", slot_when(ctx, s)) for s in slots],
                 choices=[*answer_choices(ctx, poll.id, slots),
                          availability_choice(poll.id)])
