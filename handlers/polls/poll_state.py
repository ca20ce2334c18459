"""A poll's life after it opens: its live message, closing, the outcome, and its jobs.

The jobs run when their outbox rows fall due: ``poll.deadline`` closes the poll,
``poll.remind`` names the agencies that have not voted a day before, ``poll.min_open`` closes
it early once every agency voted and the minimum time open has passed.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from handlers.core import Choice, Reply, Scope, UserError, bold
from handlers.forms import answer_buttons, form
from handlers.grammar import parse_ref
from handlers.jobs import job
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.polls.proposals import STATEMENT
from handlers.polls.tally import Ballot, Tally, count, needed
from handlers.polls.wg_changes import apply_change
from handlers.timefmt import show_date, show_time
from handlers.wording import plural
from storage.models import Agency, Decision, Outbox, Person, Poll, PollStatus, Position, Vote
from storage.outbox import cancel_pending
from templates import render

LABELS = {Position.AGREE: "Agree", Position.ABSTAIN: "Abstain", Position.OBJECT: "Object"}
CONSENSUS = "consensus"
NO_CONSENSUS = "no consensus"
REMIND_BEFORE = timedelta(days=1)
# Rows a closed poll no longer needs: its jobs, a reminder not yet sent, stale tallies.
DEADLINE = declare(OutboxKind("poll.deadline"))  # close the poll
MIN_OPEN = declare(OutboxKind("poll.min_open"))  # close it early if everyone has voted
REMIND = declare(OutboxKind("poll.remind"))  # remind those who have not voted yet
NOT_VOTED = declare(OutboxKind("poll.reminder"))  # the reminder that job queues
TALLY = declare(OutboxKind("poll.tally", last=True, edits_posted=True))
OUTCOME = declare(OutboxKind("poll.outcome"))
PENDING_KINDS = tuple(kind.name for kind in (DEADLINE, REMIND, MIN_OPEN, NOT_VOTED, TALLY))


def find_poll(session: Session, token: str, example: str | None = None, *,
              lock: bool = False) -> Poll:
    """The poll ``#N``; ``lock`` holds its row until commit (PostgreSQL), so two votes that
    complete the electorate at once cannot both close it."""
    poll = session.get(Poll, parse_ref(token, "poll", example), with_for_update=lock or None)
    if poll is None:
        raise UserError(f"There is no poll {token}. Type poll list to see the polls.", example)
    return poll


def open_polls(session: Session) -> list[Poll]:
    """The polls still open, the first to close first."""
    return list(session.exec(select(Poll).where(Poll.status == PollStatus.OPEN)
                             .order_by(col(Poll.closes_at), col(Poll.id))).all())


def ballots(session: Session, poll: Poll) -> list[Ballot]:
    """Every vote on ``poll`` in the order cast."""
    return ballots_of(session, [poll]).get(poll.id, [])


def ballots_of(session: Session, polls: Sequence[Poll]) -> dict[int | None, list[Ballot]]:
    """Every vote on each of ``polls`` in the order cast, in one query."""
    rows = session.exec(
        select(Vote, Agency.code, Person.name)
        .join(Agency, col(Agency.id) == Vote.agency_id)
        .join(Person, col(Person.id) == Vote.person_id)
        .where(col(Vote.poll_id).in_([poll.id for poll in polls]))
        .order_by(col(Vote.id))
    ).all()
    cast: dict[int | None, list[Ballot]] = {}
    for v, code, name in rows:
        cast.setdefault(v.poll_id, []).append(
            Ballot(code, name, Position(v.position), v.cast_at, v.reason))
    return cast


@dataclass(frozen=True)
class Electorate:
    """The agencies a poll counts: those of the electorate fixed at opening, less those that
    left the Network while it was open (``left``, with the time each left)."""

    counted: tuple[str, ...]
    left: tuple[tuple[str, datetime], ...]


def electorates(session: Session, polls: Sequence[Poll]) -> dict[int | None, Electorate]:
    """The electorate each of ``polls`` counts, in one query. An agency that left while a poll
    was open no longer counts (it can neither vote nor hold the poll open); one that left after
    the poll closed still did when it closed."""
    codes = {code for poll in polls for code in poll.electorate}
    gone = {code: left_at for code, left_at in session.exec(
        select(Agency.code, Agency.left_at)
        .where(col(Agency.code).in_(codes), col(Agency.left_at).is_not(None))).all()
        if left_at is not None}
    result: dict[int | None, Electorate] = {}
    for poll in polls:
        end = poll.closed_at or datetime.max.replace(tzinfo=UTC)
        left = tuple((code, gone[code]) for code in poll.electorate
                     if code in gone and poll.opened_at <= gone[code] < end)
        out = {code for code, _ in left}
        result[poll.id] = Electorate(
            tuple(code for code in poll.electorate if code not in out), left)
    return result


def electorate_of(session: Session, poll: Poll) -> Electorate:
    return electorates(session, [poll])[poll.id]


def tallies(session: Session, polls: Sequence[Poll]) -> dict[int | None, Tally]:
    """Each of ``polls``' tally, in the same few queries however many polls there are."""
    cast = ballots_of(session, polls)
    counted = electorates(session, polls)
    return {poll.id: count(counted[poll.id].counted, cast.get(poll.id, [])) for poll in polls}


def tally_of(session: Session, poll: Poll) -> Tally:
    return count(electorate_of(session, poll).counted, ballots(session, poll))


def is_open(scope: Scope, poll: Poll) -> bool:
    return poll.status == PollStatus.OPEN and scope.now < poll.closes_at


VOTE_FORM = "vote"


@form(VOTE_FORM, params=("poll",), fields=("position",))
def _vote(params: Mapping[str, int], values: Mapping[str, str]) -> str:
    return f"vote #{params['poll']} {values['position']}"


def vote_choices(poll_id: int) -> list[Choice]:
    return answer_buttons(VOTE_FORM, {"poll": poll_id}, "position",
                          (("Agree", "primary"), ("Abstain", None), ("Object", "danger")))


def _ballot(scope: Scope, ballot: Ballot) -> dict[str, Any]:
    return {"agency": ballot.agency, "voter": ballot.voter, "reason": ballot.reason,
            "when": show_time(ballot.cast_at, scope.config.network.zone)}


def _status(scope: Scope, poll: Poll, tally: Tally) -> str:
    zone = scope.config.network.zone
    if poll.status == PollStatus.OPEN:
        took = len(tally.positions)
        return (f"Open until {show_time(poll.closes_at, zone)}; {took} of "
                f"{len(tally.electorate)} agencies {plural(took, 'has', 'have')} taken a "
                "position.")
    assert poll.closed_at is not None and poll.outcome is not None
    return f"Closed {show_time(poll.closed_at, zone)}: {bold(poll.outcome)}."


def poll_message(scope: Scope, poll: Poll, *, detailed: bool = False) -> Reply:
    """The poll as posted (and updated in place) on the network's channels; ``poll show``
    adds who cast each position and when."""
    assert poll.id is not None
    electorate = electorate_of(scope.session, poll)
    tally = count(electorate.counted, ballots(scope.session, poll))
    zone = scope.config.network.zone
    groups = [(LABELS[p], [_ballot(scope, b) for b in tally.holding(p)]) for p in LABELS]
    text = render(
        "poll.txt", question=poll.question, status=_status(scope, poll, tally),
        needed=needed(scope.config.polls.quorum, len(tally.electorate)),
        size=len(tally.electorate), groups=groups, not_voted=tally.not_voted,
        left=[(code, show_date(at, zone)) for code, at in electorate.left],
        detailed=detailed, open=poll.status == PollStatus.OPEN, id=poll.id,
    )
    return Reply(title=f"Poll #{poll.id}", text=text, private=False,
                 choices=vote_choices(poll.id) if poll.status == PollStatus.OPEN else [])


def close_poll(scope: Scope, poll: Poll) -> Reply:
    """Close ``poll`` now, apply an adopted change, announce the outcome; returns it."""
    assert poll.id is not None
    tally = tally_of(scope.session, poll)
    quorum = scope.config.polls.quorum
    consensus = tally.consensus(quorum)
    poll.status, poll.closed_at = PollStatus.CLOSED, scope.now
    poll.outcome = CONSENSUS if consensus else NO_CONSENSUS
    cancel_pending(scope.session, poll_id=poll.id, kinds=PENDING_KINDS)
    objections = [_ballot(scope, b) for b in tally.holding(Position.OBJECT)]
    text = render(
        "poll_outcome.txt", consensus=consensus, id=poll.id, question=poll.question,
        applied=_adopt(scope, poll) if consensus else "", quorum=tally.has_quorum(quorum),
        took=len(tally.positions), size=len(tally.electorate),
        needed=needed(quorum, len(tally.electorate)), objections=objections,
        counts={"agree": len(tally.holding(Position.AGREE)),
                "abstain": len(tally.holding(Position.ABSTAIN)),
                "object": len(objections), "missing": len(tally.not_voted)},
    )
    outcome = Reply(title=f"Outcome of poll #{poll.id}", text=text, private=False)
    queue(scope, TALLY, poll_message(scope, poll), poll_id=poll.id)
    queue(scope, OUTCOME, outcome, poll_id=poll.id)
    return outcome


def _adopt(scope: Scope, poll: Poll) -> str:
    """Apply the adopted change and record the decision; says what happened."""
    if poll.kind != STATEMENT:
        try:
            done = apply_change(scope.session, poll.kind, poll.params, scope.now)
        except UserError as refusal:
            return (f"The change could not be applied, because the working groups changed "
                    f"meanwhile: {refusal.problem} Nothing was changed; open a new poll if "
                    "it is still wanted.")
    else:
        done = "The proposal is adopted."
    decision = Decision(text=f"{poll.question} (adopted by consensus, poll #{poll.id})",
                        poll_id=poll.id, decided_at=scope.now)
    scope.session.add(decision)
    scope.session.flush()
    return f"{done} Recorded as decision #{decision.id}."


def close_if_complete(scope: Scope, poll: Poll) -> Reply | None:
    """Close early once every agency took a position and the minimum time open passed."""
    if poll.status != PollStatus.OPEN or scope.now < poll.opened_at + scope.config.polls.min_open:
        return None
    if not tally_of(scope.session, poll).everyone_voted:
        return None
    return close_poll(scope, poll)


def _focal_points(session: Session, codes: list[str]) -> list[tuple[str, list[str]]]:
    rows = session.exec(
        select(Agency.code, Person.name).join(Person, col(Person.agency_id) == Agency.id)
        .where(col(Agency.code).in_(codes), Person.active)
        .order_by(col(Person.id))
    ).all()
    return [(code, [name for c, name in rows if c == code]) for code in codes]


def _open_poll(scope: Scope, row: Outbox) -> Poll | None:
    poll = scope.session.get(Poll, row.poll_id, with_for_update=True) \
        if row.poll_id is not None else None
    return poll if poll is not None and poll.status == PollStatus.OPEN else None


@job(DEADLINE)
def at_deadline(scope: Scope, row: Outbox) -> None:
    poll = _open_poll(scope, row)
    if poll is not None:
        close_poll(scope, poll)


@job(MIN_OPEN)
def after_min_open(scope: Scope, row: Outbox) -> None:
    poll = _open_poll(scope, row)
    if poll is not None:
        close_if_complete(scope, poll)


@job(REMIND)
def remind(scope: Scope, row: Outbox) -> None:
    poll = _open_poll(scope, row)
    if poll is None or poll.id is None:
        return
    missing = tally_of(scope.session, poll).not_voted
    if not missing:
        return
    text = render("poll_reminder.txt", id=poll.id, question=poll.question,
                  closes=show_time(poll.closes_at, scope.config.network.zone),
                  missing=_focal_points(scope.session, missing))
    queue(scope, NOT_VOTED, Reply(title=f"Poll #{poll.id}: not voted yet", text=text,
                                        private=False, choices=vote_choices(poll.id)),
          poll_id=poll.id)
