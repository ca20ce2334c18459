"""Consensus polls: ``poll wg ...``, ``poll propose``, ``vote``, ``poll show|list|history|close``.

One voice per agency: the electorate is the member agencies with a focal point when the poll
opens (less any that leave while it is open), and an agency's position is the latest vote by
any of its focal points. Every vote is kept for the record. Consensus is a quorum of
positions and no objection (see ``handlers.polls.tally``).
"""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from handlers.core import Context, Form, FormField, Reply, Role, UserError, bold
from handlers.dates import understand_when
from handlers.forms import form
from handlers.grammar import NAME_LIMIT, TEXT_LIMIT, check_text, refuse_arguments, take_quoted
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.polls.poll_state import (
    DEADLINE,
    MIN_OPEN,
    REMIND,
    REMIND_BEFORE,
    TALLY,
    ballots,
    close_if_complete,
    close_poll,
    electorate_of,
    find_poll,
    is_open,
    open_polls,
    poll_message,
    tallies,
)
from handlers.polls.proposals import MANDATE_LIMIT, STATEMENT, describe, parse_wg, touched_slugs
from handlers.registry import LINE_ROOM, Roles, command
from handlers.timefmt import show_time
from handlers.wording import plural
from settings.durations import format_duration
from storage.models import Agency, Person, Poll, PollStatus, Position, Vote
from templates import render

OPENED = declare(OutboxKind("poll.opened"))
WG_EXAMPLE = 'poll wg create "Migration Data" Improve and share migration statistics'
OBJECT_EXAMPLE = "vote #3 object The mandate overlaps with the protection working group"
SHOW_EXAMPLE = "poll show #3"
RECENT = 10
PROPOSAL_LIMIT = 2000  # characters of a proposal's text
_QUOTED = re.compile(r"[\"“”„«‘’'][^\"“”„»‘’']*[\"“”»’']")
_UNTIL = re.compile(r"(?i)(?:^|\s)until(?:\s|$)")
VERBS = {Position.AGREE: "agrees", Position.ABSTAIN: "abstains", Position.OBJECT: "objects"}


def _split_until(args: str) -> tuple[str, str | None]:
    """``"Name" mandate until 14 Mar 10:00`` -> (``"Name" mandate``, ``14 Mar 10:00``); the
    last ``until`` outside quotes starts the deadline."""
    quoted = [m.span() for m in _QUOTED.finditer(args)]
    found = [m for m in _UNTIL.finditer(args)
             if not any(start <= m.start() < end for start, end in quoted)]
    if not found:
        return args.strip(), None
    last = found[-1]
    return args[:last.start()].strip(), args[last.end():].strip()


def _closes_at(ctx: Context, when: str | None) -> datetime:
    polls = ctx.config.polls
    if when is None:
        return ctx.now + polls.duration
    if not when:
        raise UserError("Say when the poll closes after 'until'.")
    try:
        closes_at = understand_when(when, zone=ctx.config.network.zone, now=ctx.now)
    except UserError as refusal:
        raise UserError(f"After 'until' I expected when the poll closes: {refusal.problem} "
                        "The deadline comes last; reword a text that itself says "
                        "'until'.") from None
    if closes_at < ctx.now + polls.min_open:
        raise UserError(f"A poll stays open at least {format_duration(polls.min_open)} "
                        f"(polls.min_open), so it can close at "
                        f"{show_time(ctx.now + polls.min_open, ctx.config.network.zone)} "
                        "at the earliest.")
    return closes_at


OPENERS = Roles((Role.CHAIR, Role.SECRETARIAT), "can do that; ask them to. Everyone can see "
                "the polls and vote on them.", "poll list")


def _require_opener(ctx: Context) -> None:
    """For a command whose gate follows a lookup (``poll close`` finds its poll first)."""
    if not ctx.actor.has(*OPENERS.roles):
        raise OPENERS.refusal(ctx.config.network)


def _refuse_overlap(ctx: Context, params: dict[str, Any]) -> None:
    slugs = touched_slugs(params)
    for poll in ctx.session.exec(select(Poll).where(Poll.status == PollStatus.OPEN)).all():
        overlap = slugs & touched_slugs(poll.params)
        if overlap:
            raise UserError(f"Poll #{poll.id} about {', '.join(sorted(overlap))} is still open; "
                            "wait for its outcome before proposing another change.",
                            f"poll show #{poll.id}")


def _open(ctx: Context, kind: str, params: dict[str, Any], when: str | None) -> Reply:
    question = describe(ctx.session, kind, params)
    _refuse_overlap(ctx, params)
    closes_at = _closes_at(ctx, when)
    electorate = _voting_agencies(ctx)
    poll = Poll(kind=kind, question=question, params=params, electorate=electorate,
                opened_by_id=ctx.actor.person_id, opened_at=ctx.now, closes_at=closes_at)
    ctx.session.add(poll)
    ctx.session.flush()
    _schedule(ctx, poll)
    return Reply(
        text=f"Opened poll #{poll.id}: {question}\nIt is posted to the network's channels and "
             f"closes {show_time(closes_at, ctx.config.network.zone)}, or earlier once all "
             f"{len(electorate)} agencies have voted.",
    )


def _voting_agencies(ctx: Context) -> list[str]:
    """The member agencies with at least one active focal point: those that can vote."""
    staffed = select(Person.id).where(Person.agency_id == Agency.id, Person.active).exists()
    return list(ctx.session.exec(
        select(Agency.code).where(Agency.active, staffed)
        .order_by(col(Agency.id))).all())


def _schedule(ctx: Context, poll: Poll) -> None:
    assert poll.id is not None
    queue(ctx, OPENED, poll_message(ctx, poll), poll_id=poll.id)
    job_note = Reply(text=f"Poll #{poll.id}: {poll.question}")
    queue(ctx, DEADLINE, job_note, due_at=poll.closes_at, poll_id=poll.id)
    if poll.closes_at - REMIND_BEFORE > ctx.now:
        queue(ctx, REMIND, job_note, due_at=poll.closes_at - REMIND_BEFORE,
              poll_id=poll.id)
    min_open_at = poll.opened_at + ctx.config.polls.min_open
    if min_open_at < poll.closes_at:
        queue(ctx, MIN_OPEN, job_note, due_at=min_open_at, poll_id=poll.id)


@command(
    "poll wg",
    summary="Propose a working-group change for a consensus poll (Chair or Secretariat)",
    usage='poll wg create "<name>" [mandate] | dissolve <slug> | replace <slug> with "<name>" '
          '[mandate] | rename <slug> "<name>" | chairs <slug> <AGENCY>[,<AGENCY>] | '
          "members <slug> +AGENCY -AGENCY  [until <when>]",
    example=WG_EXAMPLE,
    detail="The poll goes to the network's channels with Agree, Abstain and Object buttons and "
           "is open for polls.duration, or until the date after 'until' (written last, e.g. "
           "until 14 Mar 2031 17:00). On consensus the change is applied to the working groups "
           "at once. Examples: poll wg dissolve labour-migration; poll wg replace protection "
           'with "Protection and Counter-Trafficking"; poll wg rename protection "Protection '
           'of Migrants"; poll wg chairs protection IOM,UNHCR; poll wg members '
           "labour-migration +UNICEF -WORLD-BANK.",
    max_length=NAME_LIMIT + MANDATE_LIMIT + LINE_ROOM,
    roles=OPENERS,
)
def poll_wg(ctx: Context, args: str) -> Reply:
    body, when = _split_until(args)
    kind, params = parse_wg(body)
    return _open(ctx, kind, params, when)


@command(
    "poll propose",
    summary="Put a statement or plan to a consensus poll (Chair or Secretariat)",
    usage='poll propose "<text>" [until <when>]',
    example='poll propose "Adopt the 2031 annual work plan" until 14 Mar 2031 17:00',
    detail="For a joint statement, the annual work plan or any other decision by consensus. "
           "On consensus it is recorded in the decisions register.",
    max_length=PROPOSAL_LIMIT + LINE_ROOM,
    roles=OPENERS,
)
def poll_propose(ctx: Context, args: str) -> Reply:
    body, when = _split_until(args)
    quoted, rest = take_quoted(body)
    if quoted is not None and rest:
        raise UserError(f"I did not expect '{rest}' after the quoted proposal.")
    text = check_text(body if quoted is None else quoted, what="proposal",
                      max_length=PROPOSAL_LIMIT)
    return _open(ctx, STATEMENT, {"text": text}, when)


def _position(word: str) -> Position:
    try:
        return Position(word.lower())
    except ValueError:
        said = f"'{word}' is not a position" if word else "Say your agency's position"
        raise UserError(f"{said}: vote agree, abstain or object (with a reason).") from None


OBJECTION_FORM = "objection"


@form(OBJECTION_FORM, params=("poll",), fields=("reason",))
def _objection(params: Mapping[str, int], values: Mapping[str, str]) -> str:
    return f"vote #{params['poll']} object {values['reason']}"


def _objection_form(poll: Poll) -> Reply:
    assert poll.id is not None
    return Reply(
        text=f"An objection blocks consensus on poll #{poll.id}, so please give your agency's "
             f"reason.\nOr type: vote #{poll.id} object <reason>",
        form=Form(title=f"Object to poll #{poll.id}", id=OBJECTION_FORM,
                  params={"poll": poll.id}, submit_label="Object", fields=[FormField(
                      "reason", "Why does your agency object?", multiline=True,
                      max_length=TEXT_LIMIT,
                      placeholder="The reason will be shown to all member agencies.")]),
    )


@command(
    "vote",
    summary="Take your agency's position on a poll: agree, abstain, or object with a reason",
    usage="vote #P agree|abstain|object <reason>",
    example="vote #3 agree",
    detail="Your agency has one voice: the latest vote by any of its focal points counts, and "
           "you may change it until the poll closes. An objection blocks consensus and needs a "
           f"reason, e.g. {OBJECT_EXAMPLE}.",
)
def vote(ctx: Context, args: str) -> Reply:
    ref, _, rest = args.strip().partition(" ")
    if not ref:
        raise UserError("Say which poll you vote on, as #N.")
    poll = find_poll(ctx.session, ref, lock=True)
    word, _, reason_text = rest.strip().partition(" ")
    position = _position(word)
    if not is_open(ctx, poll):
        raise UserError(f"Poll #{poll.id} is closed, so votes are no longer accepted.",
                        f"poll show #{poll.id}")
    counted = electorate_of(ctx.session, poll).counted
    if ctx.actor.agency not in counted:
        raise UserError(f"Poll #{poll.id} is decided by the member agencies "
                        f"({', '.join(counted)}); you do not speak for one of them.",
                        f"poll show #{poll.id}")
    if position == Position.OBJECT and not reason_text.strip():
        return _objection_form(poll)
    reason = check_text(reason_text, what="reason", example=OBJECT_EXAMPLE) \
        if reason_text.strip() else None
    agency_id = ctx.session.exec(select(Agency.id).where(Agency.code == ctx.actor.agency)).one()
    latest = ctx.session.exec(
        select(Vote).where(Vote.poll_id == poll.id, Vote.agency_id == agency_id)
        .order_by(col(Vote.id).desc())
    ).first()
    said = f"{ctx.actor.agency} {VERBS[position]} on poll #{poll.id}"
    if latest is not None and (latest.person_id, latest.position, latest.reason) == (
            ctx.actor.person_id, position, reason):
        return Reply(text=f"Already recorded: {said}. Nothing changed.")
    assert ctx.actor.person_id is not None and poll.id is not None and agency_id is not None
    ctx.session.add(Vote(poll_id=poll.id, agency_id=agency_id, person_id=ctx.actor.person_id,
                         position=position, reason=reason, cast_at=ctx.now))
    ctx.session.flush()
    queue(ctx, TALLY, poll_message(ctx, poll), poll_id=poll.id)
    # Words after the position are the agency's reason, whatever the position: say so.
    noted = f"\nYour reason: {reason}" if reason else ""
    text = f"Recorded: {said}"
    if latest is not None and latest.position != position:
        text += f" (was: {latest.position})"
    text += f". You can change it until the poll closes.{noted}"
    outcome = close_if_complete(ctx, poll)
    if outcome is not None:
        text = f"Recorded: {said}. Every agency has now voted, so the poll is closed.{noted}\n" \
               f"{outcome.text}"
    return Reply(text=text)


@command(
    "poll close",
    summary="Close a poll before its deadline and announce the outcome (Chair or Secretariat)",
    usage="poll close #P",
    example="poll close #3",
)
def poll_close(ctx: Context, args: str) -> Reply:
    poll = find_poll(ctx.session, args.strip(), lock=True)
    _require_opener(ctx)
    if poll.status != PollStatus.OPEN:
        raise UserError(f"Poll #{poll.id} is already closed.", f"poll show #{poll.id}")
    outcome = close_poll(ctx, poll)
    return Reply(title=outcome.title, text=f"{outcome.text}\nThe outcome is posted to the "
                                           "network's channels.")


@command(
    "poll show",
    reads_only=True,
    summary="Show a poll's tally: each agency's position, who cast it and when",
    usage="poll show #P",
    example=SHOW_EXAMPLE,
)
def poll_show(ctx: Context, args: str) -> Reply:
    poll = find_poll(ctx.session, args.strip())
    shown = poll_message(ctx, poll, detailed=True)
    shown.private = True
    return shown


@command(
    "poll list",
    reads_only=True,
    summary="List the open polls and the most recently closed ones",
    usage="poll list",
    example="poll list",
)
def poll_list(ctx: Context, args: str) -> Reply:
    refuse_arguments("poll list", args, SHOW_EXAMPLE)
    zone = ctx.config.network.zone
    still_open = open_polls(ctx.session)
    closed = ctx.session.exec(select(Poll).where(Poll.status == PollStatus.CLOSED)
                              .order_by(col(Poll.closed_at).desc()).limit(RECENT)).all()
    if not still_open and not closed:
        how = (f" Open one with: {WG_EXAMPLE}" if ctx.actor.has(Role.CHAIR, Role.SECRETARIAT)
               else " The Chair or the Secretariat opens them.")
        return Reply(title="Polls", text="There are no polls yet." + how)
    lines = [bold("Open") if still_open else "No poll is open."]
    counts = tallies(ctx.session, still_open)
    for poll in still_open:
        tally = counts[poll.id]
        took = len(tally.positions)
        lines.append(f"#{poll.id} {poll.question} — {took} of {len(tally.electorate)} agencies "
                     f"{plural(took, 'has', 'have')} voted; closes "
                     f"{show_time(poll.closes_at, zone)}")
    if closed:
        lines += ["", bold("Recently closed")]
        lines += [f"#{poll.id} {poll.question} — {poll.outcome}, "
                  f"{show_time(poll.closed_at, zone)}" for poll in closed if poll.closed_at]
    return Reply(title="Polls", text="\n".join(lines))


@command(
    "poll history",
    reads_only=True,
    summary="Show every vote on a poll and each change of position, for the record",
    usage="poll history #P",
    example="poll history #3",
)
def poll_history(ctx: Context, args: str) -> Reply:
    poll = find_poll(ctx.session, args.strip())
    zone = ctx.config.network.zone
    opener = ctx.session.get(Person, poll.opened_by_id) if poll.opened_by_id else None
    events: list[dict[str, str]] = []
    held: dict[str, Position] = {}
    for ballot in ballots(ctx.session, poll):
        before = held.get(ballot.agency)
        what = (f"changed {ballot.agency}'s position from {before} to {ballot.position}"
                if before is not None and before != ballot.position
                else f"voted {ballot.position}")
        if ballot.reason:
            what += f": {ballot.reason}"
        held[ballot.agency] = ballot.position
        events.append({"when": show_time(ballot.cast_at, zone), "voter": ballot.voter,
                       "agency": ballot.agency, "what": what})
    text = render("poll_history.txt", question=poll.question,
                  opened=show_time(poll.opened_at, zone),
                  opener=opener.name if opener else "unknown", electorate=poll.electorate,
                  events=events, outcome=poll.outcome,
                  closed=show_time(poll.closed_at, zone) if poll.closed_at else None)
    return Reply(title=f"History of poll #{poll.id}", text=text)


@command(
    "poll",
    reads_only=True,
    summary="The poll commands; alone, the same as poll list",
    usage="poll",
    example="poll",
)
def poll_overview(ctx: Context, args: str) -> Reply:
    if args.strip():
        word = args.split()[0]
        raise UserError(f"'poll {word}' is not a poll command: use poll wg, poll propose, "
                        "poll show, poll list, poll history or poll close (help poll explains "
                        "each).", SHOW_EXAMPLE)
    return poll_list(ctx, "")
