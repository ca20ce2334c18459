"""Concurrent commands through real ``network-bot serve`` processes (issue 16).

Each test starts real ``serve`` processes (tests/serve_process.py: the `network-bot` command
an operator runs, Slack on over HTTP, its Web API faked on loopback), sets a scene up with a few
commands one at a time, then posts a burst of about 50 ``/network`` commands at once (all in
flight together), each signed as Slack signs requests (slack_sdk's ``SignatureVerifier``; Slack's
"Verifying requests from Slack") and typed by the focal point the roster in app.yaml gives its
Slack user id. It waits for every answer (the ack, or the follow-up on the ``response_url``), then
opens the database and checks what was stored against what people were told:

- every change a reply acknowledged is stored, exactly once; nothing a reply refused is stored;
- no reply is a failure instead of an answer ("Something went wrong", a database error, a save
  in doubt). "The database is not answering right now, so nothing was changed" is a refusal
  (a wait for the database ran out; under a burst, the wait for a unit of work's turn): it
  must have stored nothing, and the summary line says how many there were;
- the invariants of the domain hold: a closed poll's announced outcome is the one its stored
  votes give (one voice per agency, its latest vote: handlers/polls/tally.py), no vote is stored
  after the close; a meeting's agenda positions are unique and, for the items not withdrawn,
  exactly 1..n; minutes versions are 1..k without gaps; the roster holds each person and
  partner once.

Every scenario runs on a SQLite file (the default database), on PostgreSQL, and with two
``serve`` replicas on one PostgreSQL taking the burst between them. In every burst a few
commands are delivered twice with the same trigger id (to the other replica when there are
two), as a redelivery would come: the bot's delivery key (workspace, person, trigger id;
bot/slack.py) must make it apply once. Nothing here times anything: the only clock is a
generous patience while waiting for answers.

Each check collects what it finds wrong with numbers ("round 1: 3 votes recorded after the
close") so that a failure reports the whole picture, not only the first difference.
"""

import os
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from settings.schema import AppConfig
from storage.db import make_engine, transaction
from storage.models import (
    ActionItem,
    ActionStatus,
    Agency,
    AgendaItem,
    AgendaItemObjective,
    AgendaStatus,
    Decision,
    Identity,
    Meeting,
    Minutes,
    Outbox,
    OutboxStatus,
    Partner,
    Person,
    Poll,
    PollStatus,
    RosterChange,
    Vote,
)
from tests.command_burst import Sent, burst, not_answered, number, outages, say
from tests.conftest import _empty_postgres, shown
from tests.fake_slack import FakeSlack
from tests.serve_process import IOM, Served, ServeLauncher

STRANGER = "U-NOT-ON-THE-ROSTER"
ZONE = ZoneInfo("Asia/Vientiane")
ROUNDS = 3  # the issue saw votes recorded after the close in 3 rounds of 3


@dataclass
class Network:
    """The ``serve`` processes of one test, the database they share, and the fake Slack."""

    replicas: list[Served]
    engine: Engine
    fake: FakeSlack
    label: str
    voters: dict[str, str]  # agency code -> Slack user id of its focal point (app.yaml)
    said: int = 0  # setup commands so far (each has its own trigger id)

    def to(self, index: int) -> int:
        """The replica the ``index``-th command of a burst goes to (alternating)."""
        return index % len(self.replicas)

    def redelivery_target(self, sent: Sent) -> int:
        """Where a redelivery of ``sent`` lands: the other replica when there are two."""
        return (sent.to + 1) % len(self.replicas)

    def burst(self, commands: list[Sent]) -> list[Sent]:
        return burst(self.replicas, self.fake, commands)

    def say(self, text: str, user: str = IOM) -> str:
        self.said += 1
        return say(self.replicas, self.fake, text, user, f"setup-{self.said}")


@pytest.fixture(params=["sqlite", "postgresql", "postgresql-2-replicas"])
def network(request: pytest.FixtureRequest, tmp_path: Path, slack: FakeSlack,
            served: ServeLauncher, config: AppConfig) -> Iterator[Network]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'network.db'}"
    else:
        _empty_postgres(request.getfixturevalue("postgres_engine"))
        url = os.environ["TEST_DATABASE_URL"]
    count = 2 if request.param.endswith("replicas") else 1
    # Each replica upgrades the database and syncs the roster from app.yaml as it starts.
    replicas = [served.start(f"xoxb-concurrent-{n}", url) for n in range(count)]
    voters = {person.agency: person.slack for person in config.people
              if person.agency and person.slack}
    engine = make_engine(url)
    try:
        yield Network(replicas, engine, slack, request.param, voters)
    finally:
        engine.dispose()


def in_days(days: int) -> str:
    """A meeting time ``days`` from now, as people type it (day first, the network's zone)."""
    return f"{datetime.now(ZONE) + timedelta(days=days):%d/%m/%Y} 10:00"


def with_redeliveries(net: Network, commands: list[Sent], picks: list[int]) -> list[Sent]:
    """The burst, with a redelivery of the commands at ``picks`` (same person, same trigger
    id, to the other replica when there are two) sent right after them."""
    out: list[Sent] = []
    for index, sent in enumerate(commands):
        out.append(sent)
        if index in picks:
            out.append(sent.redelivered(net.redelivery_target(sent)))
    return out


def deliveries(commands: list[Sent]) -> dict[str, list[Sent]]:
    """The commands by trigger id: each delivery with its redeliveries."""
    grouped: dict[str, list[Sent]] = defaultdict(list)
    for sent in commands:
        grouped[sent.trigger].append(sent)
    return grouped


def report(problems: list[str], summary: str) -> None:
    print(summary)
    assert not problems, summary + "\n" + "\n".join(problems)


# -- votes and a close ---------------------------------------------------------------------

VOTE_OK = re.compile(r"^Recorded: ([A-Z-]+) (agrees|abstains|objects) on poll #(\d+)")
VOTE_CLOSED = "is closed, so votes are no longer accepted"
POSITIONS = ("agree", "abstain", "object")
COUNTS = re.compile(r"Agree (\d+), abstain (\d+), object (\d+), not voted (\d+)\.")
OBJECTION = re.compile(r"^- ([A-Z-]+) \((.+?)\): (.+)$", re.M)
TALLY_GROUP = re.compile(r"^\*?(Agree|Abstain|Object)\*? \((\d+)\)", re.M)
TALLY_ENTRY = re.compile(r"^- ([A-Z-]+): (.+)$")


@dataclass(frozen=True)
class StoredVote:
    id: int
    agency: str
    position: str
    reason: str
    cast_at: datetime


def reason_of(vote: str) -> str:
    """``vote #P <position> <reason>`` -> the reason (each vote of a burst has its own)."""
    return vote.split(" ", 3)[3]


def stored_votes(engine: Engine, poll_id: int) -> list[StoredVote]:
    with Session(engine) as session:
        rows = session.exec(select(Vote, Agency.code).join(Agency, Agency.id == Vote.agency_id)
                            .where(Vote.poll_id == poll_id).order_by(col(Vote.id))).all()
    return [StoredVote(v.id or 0, code, v.position, v.reason or "", v.cast_at)
            for v, code in rows]


def latest_positions(votes: list[StoredVote], electorate: list[str]) -> dict[str, StoredVote]:
    """Each agency's position: its latest vote (handlers/polls/tally.py's rule, recomputed)."""
    latest: dict[str, StoredVote] = {}
    for vote in votes:
        if vote.agency in electorate:
            latest[vote.agency] = vote
    return latest


def outcome_counts(latest: dict[str, StoredVote], electorate: list[str]) -> tuple[int, ...]:
    held = Counter(vote.position for vote in latest.values())
    return (held["agree"], held["abstain"], held["object"], len(electorate) - len(latest))


def announced(text: str) -> tuple[tuple[int, ...], dict[str, str]]:
    """The counts and the objections (agency -> reason) an outcome announcement names."""
    found = COUNTS.search(text)
    counts = tuple(int(n) for n in found.groups()) if found else ()
    return counts, {agency: reason.strip() for agency, _, reason in OBJECTION.findall(text)}


def tally_positions(text: str) -> dict[str, tuple[str, str]]:
    """agency -> (position, reason) as a poll's posted tally lists them."""
    listed: dict[str, tuple[str, str]] = {}
    group = ""
    for line in text.splitlines():
        if heading := TALLY_GROUP.match(line):
            group = heading.group(1).lower()
        elif (entry := TALLY_ENTRY.match(line)) and group:
            listed[entry.group(1)] = (group, entry.group(2).strip())
    return listed


def poll_rows(engine: Engine, poll_id: int) -> tuple[Poll, list[Outbox]]:
    with Session(engine) as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None
        rows = list(session.exec(select(Outbox).where(Outbox.poll_id == poll_id)
                                 .order_by(col(Outbox.id))).all())
    return poll, rows


def vote_round(net: Network, round_: int, rng: random.Random) -> tuple[list[str], str]:
    """One poll, 44 votes from the ten agencies and one ``poll close`` in the middle of them,
    all at once; returns the problems found and a summary."""
    poll_id = number(r"Opened poll #(\d+)", net.say(
        f'poll propose "Round {round_}: adopt the joint statement on safe migration"'))
    agencies = list(net.voters)
    commands: list[Sent] = []
    for k in range(44):
        agency = agencies[k % len(agencies)]
        position = rng.choice(POSITIONS)  # every vote has a reason no other vote has
        commands.append(Sent(f"vote #{poll_id} {position} reason r{round_}v{k}",
                             net.voters[agency], f"r{round_}-vote-{k}", after=int(k >= 22)))
    # The close goes out, followed by the second half of the votes, as soon as the first vote
    # is answered: the bot is then busy with the first half (six worker threads, the rest
    # queued), so the close lands in the middle of the votes.
    commands.insert(22, Sent(f"poll close #{poll_id}", IOM, f"r{round_}-close", after=1))
    for index, sent in enumerate(commands):
        sent.to = net.to(index)
    commands = net.burst(with_redeliveries(net, commands, picks=[5, 30]))

    problems = [f"round {round_}: {p}" for p in not_answered(commands)]
    [close] = [sent for sent in commands if sent.text.startswith("poll close")]
    votes = [sent for sent in commands if sent.text.startswith("vote")]
    said: dict[str, list[Sent]] = defaultdict(list)  # reason -> the answers to its vote
    for sent in votes:
        said[reason_of(sent.text)].append(sent)
    recorded = {reason for reason, answers in said.items()
                if any(VOTE_OK.match(a.shown) for a in answers)}
    refused = {reason for reason, answers in said.items()
               if all(VOTE_CLOSED in a.shown for a in answers)}
    other = [a.shown for answers in said.values() for a in answers
             if not VOTE_OK.match(a.shown) and VOTE_CLOSED not in a.shown and not a.outage]
    if other:
        problems.append(f"round {round_}: {len(other)} votes answered neither recorded nor "
                        f"closed, e.g. {other[0]!r}")

    stored = stored_votes(net.engine, poll_id)
    by_reason = Counter(vote.reason for vote in stored)
    twice = [reason for reason, n in by_reason.items() if n > 1]
    lost = sorted(recorded - set(by_reason))
    refused_stored = sorted(refused & set(by_reason))
    unacknowledged = sorted(set(by_reason) - recorded - refused)
    for what, found in (("stored more than once (a redelivery applied twice)", twice),
                        ("acknowledged 'Recorded' but not stored", lost),
                        ("refused as closed but stored", refused_stored),
                        ("stored though not acknowledged", unacknowledged)):
        if found:
            problems.append(f"round {round_}: {len(found)} votes {what}: {found[:5]}")
    wrong_agency = [(a.shown, vote.agency) for vote in stored for a in said.get(vote.reason, [])
                    if (m := VOTE_OK.match(a.shown)) and m.group(1) != vote.agency]
    if wrong_agency:
        problems.append(f"round {round_}: votes stored for another agency: {wrong_agency[:3]}")

    poll, rows = poll_rows(net.engine, poll_id)
    if poll.status != PollStatus.CLOSED or poll.closed_at is None:
        problems.append(f"round {round_}: poll #{poll_id} is {poll.status} after its close "
                        f"was answered {close.shown!r}")
        return problems, f"round {round_}: not closed"
    latest = latest_positions(stored, poll.electorate)
    expected_counts = outcome_counts(latest, poll.electorate)
    expected_objections = {a: v.reason for a, v in latest.items() if v.position == "object"}

    outcomes = [row for row in rows if row.kind == "poll.outcome"]
    if len(outcomes) != 1:
        problems.append(f"round {round_}: {len(outcomes)} poll.outcome rows (one close)")
    if not outcomes:
        return problems, f"round {round_}: no outcome"
    outcome_row = outcomes[0]
    for where, text in (("the close's reply", close.shown),
                        ("the poll.outcome row", shown(outcome_row.payload["text"]))):
        counts, objections = announced(text)
        if counts != expected_counts:
            problems.append(f"round {round_}: {where} says agree/abstain/object/not voted "
                            f"{counts}, the stored votes give {expected_counts}")
        if objections != expected_objections:
            problems.append(f"round {round_}: {where} names objections {objections}, the "
                            f"stored votes give {expected_objections}")

    # What the close saw: its own tally message, queued with the outcome, lists each agency's
    # position and reason. A vote of an agency stored after the vote it lists (or of an
    # agency it lists as not voted) was recorded after the close.
    closing = [row for row in rows if row.kind == "poll.tally" and row.id is not None
               and outcome_row.id is not None and row.id < outcome_row.id
               and "Closed" in shown(row.payload["text"])]
    after_close: list[StoredVote] = []
    if len(closing) != 1:
        problems.append(f"round {round_}: {len(closing)} closing tallies")
    else:
        seen = tally_positions(shown(closing[0].payload["text"]))
        seen_id = {vote.agency: vote.id for vote in stored
                   if seen.get(vote.agency) == (vote.position, vote.reason)}
        after_close = [vote for vote in stored if vote.id > seen_id.get(vote.agency, 0)]
        unseen = {a: v for a, v in seen.items() if a not in seen_id}
        if unseen:
            problems.append(f"round {round_}: the closing tally lists positions no stored "
                            f"vote holds: {unseen}")
    if after_close:
        answered = sum(1 for v in after_close if v.reason in recorded)
        problems.append(f"round {round_}: {len(after_close)} votes recorded after the close "
                        f"({answered} of them answered 'Recorded'): "
                        f"{[(v.agency, v.position, v.reason) for v in after_close][:6]}")
    late_cast = [vote for vote in stored if vote.cast_at > poll.closed_at]
    if late_cast:
        problems.append(f"round {round_}: {len(late_cast)} votes cast after closed_at "
                        f"{poll.closed_at:%H:%M:%S.%f}")

    stale = [row.id for row in rows if row.kind == "poll.tally" and outcome_row.id is not None
             and row.id is not None and row.id > outcome_row.id
             and row.status != OutboxStatus.CANCELLED
             and "Open until" in shown(row.payload["text"])]
    if stale:
        problems.append(f"round {round_}: {len(stale)} tallies saying 'Open until' queued "
                        f"after the outcome and not cancelled (outbox rows {stale})")
    return problems, (f"round {round_}: {len(recorded)} of {len(said)} votes recorded, "
                      f"{len(refused)} refused as closed, {len(after_close)} after the close, "
                      f"{outages(commands)}; outcome {poll.outcome} {expected_counts}")


def test_votes_and_a_close_at_once(network: Network) -> None:
    """44 votes of the ten agencies (each with a reason of its own, so that every stored vote
    names its command) and one ``poll close`` by the Secretariat in the middle of them (sent,
    with the second half of the votes, once the first vote is answered), three rounds with a
    new poll each; votes 5 and 30 are delivered twice (same trigger id). The reference is the
    consensus rule itself (one voice per agency, its latest vote; README "Polls") applied to
    the stored votes, and the bot's delivery key (a redelivery applies once)."""
    rng = random.Random(16)
    problems, summaries = [], []
    for round_ in range(1, ROUNDS + 1):
        found, summary = vote_round(network, round_, rng)
        problems += found
        summaries.append(summary)
    report(problems, f"votes on {network.label}: " + "; ".join(summaries))


# -- the agenda of one meeting -------------------------------------------------------------

ADDED = re.compile(r"^Added agenda item #(\d+)")
TAGS_AND_MEETING = re.compile(r"(\s+#\d+)*(\s+for\s+#\d+)?$")


def title_of(add: str) -> str:
    """``agenda add <title> [#1 ... #23] [for #N]`` -> the title."""
    return TAGS_AND_MEETING.sub("", add.removeprefix("agenda add "))


@dataclass(frozen=True)
class StoredItem:
    id: int
    meeting_id: int | None
    text: str
    status: str
    position: int | None
    objectives: frozenset[int]


def stored_items(engine: Engine) -> dict[int, StoredItem]:
    with Session(engine) as session:
        rows = session.exec(select(AgendaItem)).all()
        tags = session.exec(select(AgendaItemObjective)).all()
    objectives: dict[int, set[int]] = defaultdict(set)
    for tag in tags:
        objectives[tag.item_id].add(tag.objective_number)
    return {item.id or 0: StoredItem(item.id or 0, item.meeting_id, item.text, item.status,
                                     item.position, frozenset(objectives[item.id or 0]))
            for item in rows}


def position_problems(items: list[StoredItem], meeting_id: int | None) -> list[str]:
    """The positions of a meeting's items that are not withdrawn must be exactly 1..n, and no
    two of its items (withdrawn or not) may share one."""
    where = f"meeting #{meeting_id}" if meeting_id else "the backlog"
    mine = [item for item in items if item.meeting_id == meeting_id]
    standing = sorted(item.position for item in mine
                      if item.status != AgendaStatus.WITHDRAWN and item.position is not None)
    unplaced = [item.id for item in mine
                if item.status != AgendaStatus.WITHDRAWN and item.position is None]
    problems = []
    if unplaced:
        problems.append(f"{where}: items without a position: {unplaced}")
    counts = Counter(item.position for item in mine if item.position is not None)
    shared = {position: n for position, n in counts.items() if n > 1}
    if shared:
        problems.append(f"{where}: {len(shared)} positions held by more than one item "
                        f"(position: items) {dict(sorted(shared.items()))}")
    n = len(standing) + len(unplaced)
    missing = sorted(set(range(1, n + 1)) - set(standing))
    beyond = sorted(p for p in set(standing) if not 1 <= p <= n)
    if missing or beyond:
        problems.append(f"{where}: the {n} items not withdrawn hold positions {standing}, not "
                        f"1..{n} (missing {missing}, outside {beyond})")
    return problems


def test_agenda_adds_orders_defers_and_withdrawals_at_once(network: Network) -> None:
    """40 ``agenda add ... for #N`` by the agencies' focal points (36 for one meeting, 4 for
    the next), with, at the same moment, the Secretariat ordering, deferring (to the next
    meeting) and withdrawing 12 items already on the agenda, two of them twice over (an item
    ordered, and one deferred, while it is withdrawn), and three adds that must be refused;
    two adds are delivered twice (same trigger id). The reference is the agenda's rule (README
    "Meetings and the agenda": items are numbered by position, a deferred item joins the next
    meeting at its end): afterwards each meeting's items not withdrawn hold positions 1..n and
    no two items share one, every acknowledged add is stored once, nothing refused is."""
    net = network
    first = number(r"Scheduled meeting #(\d+)", net.say(
        f'meeting schedule regular {in_days(40)} "Concurrency review A" where IOM office'))
    second = number(r"Scheduled meeting #(\d+)", net.say(
        f'meeting schedule adhoc {in_days(60)} "Concurrency review B"'))
    agencies = list(net.voters)
    ready = [number(r"Added agenda item #(\d+)", net.say(
        f"agenda add Standing item {k} #3 for #{first}", net.voters[agencies[k % 10]]))
        for k in range(12)]

    adds = [Sent(f"agenda add Burst item {k} #5 #7 for #{first if k < 36 else second}",
                 net.voters[agencies[k % 10]], f"add-{k}") for k in range(40)]
    refusals = [Sent(f"agenda add Refused item 1 #99 for #{first}", IOM, "refuse-1"),
                Sent(f"agenda add Refused item 2 for #{first}", STRANGER, "refuse-2"),
                Sent("agenda add Refused item 3 for #999", IOM, "refuse-3")]
    i = ready
    management = [Sent(text, IOM, f"manage-{n}") for n, text in enumerate([
        f"agenda order #{i[0]} 5", f"agenda order #{i[1]} 1", f"agenda order #{i[2]} 12",
        f"agenda order #{i[3]} 3", f"agenda defer #{i[4]}", f"agenda defer #{i[5]}",
        f"agenda defer #{i[6]}", f"agenda withdraw #{i[7]}", f"agenda withdraw #{i[8]}",
        f"agenda withdraw #{i[9]}", f"agenda order #{i[7]} 2", f"agenda defer #{i[8]}",
        f"agenda order #{i[11]} 1", f"agenda order #{i[10]} 4"])]
    commands: list[Sent] = []
    for k, add in enumerate(adds):  # the Secretariat's commands spread through the adds
        commands.append(add)
        if k % 3 == 1 and management:
            commands.append(management.pop(0))
    commands += management + refusals
    for index, sent in enumerate(commands):
        sent.to = net.to(index)
    commands = net.burst(with_redeliveries(net, commands, picks=[4, 20]))

    problems = not_answered(commands)
    items = stored_items(net.engine)
    texts = Counter(item.text for item in items.values())
    for answers in deliveries(commands).values():
        sent = answers[0]
        if not sent.text.startswith("agenda add"):
            continue
        title = title_of(sent.text)
        acked = [int(m.group(1)) for a in answers if (m := ADDED.match(a.shown))]
        if texts[title] > 1:
            problems.append(f"{title!r} stored {texts[title]} times ({len(answers)} deliveries)")
        meeting = number(r"for #(\d+)$", sent.text) if " for #" in sent.text else None
        if acked and ((item := items.get(acked[0])) is None or (
                item.text, item.meeting_id, item.objectives) != (title, meeting, {5, 7})):
            problems.append(f"{title!r} was acknowledged as #{acked[0]} on meeting "
                            f"#{meeting} with objectives #5 #7 but is stored as "
                            f"{items.get(acked[0])}")
        if not acked and texts[title]:
            problems.append(f"{title!r} was refused ({sent.shown!r}) but is stored")
        if len(set(acked)) > 1:
            problems.append(f"{title!r}: its deliveries were told different items {acked}")
    for sent in refusals:
        if ADDED.match(sent.shown):
            problems.append(f"{sent.text!r} was accepted: {sent.shown!r}")
    acked_adds = sum(1 for s in commands if s.copy == 0 and ADDED.match(s.shown))

    said = {s.text: s.shown for s in commands if not s.text.startswith("agenda add")}
    for n in (4, 5, 6):  # deferred: on the next meeting's agenda, proposed there again
        if said[f"agenda defer #{i[n]}"].startswith("Deferred agenda item") and \
                items[i[n]].meeting_id != second:
            problems.append(f"item #{i[n]} was deferred to meeting #{second} but is on "
                            f"#{items[i[n]].meeting_id}")
    for n in (7, 8, 9):
        withdrawn = said[f"agenda withdraw #{i[n]}"].startswith("Withdrew")
        if withdrawn != (items[i[n]].status == AgendaStatus.WITHDRAWN):
            problems.append(f"item #{i[n]}: withdraw answered {said[f'agenda withdraw #{i[n]}']!r}"
                            f" but its status is {items[i[n]].status}")
    for item in items.values():
        if item.meeting_id not in (first, second):
            problems.append(f"item #{item.id} {item.text!r} is on meeting #{item.meeting_id}")
    listed = list(items.values())
    problems += position_problems(listed, first) + position_problems(listed, second)
    counts = {m: sum(1 for item in listed if item.meeting_id == m) for m in (first, second)}
    report(problems, f"agenda on {net.label}: {acked_adds} of 40 adds acknowledged, "
                     f"{len(items)} items stored (meeting #{first}: {counts[first]}, "
                     f"#{second}: {counts[second]}), {outages(commands)}")


# -- minutes of one meeting ----------------------------------------------------------------

POSTED = re.compile(r"^Minutes of meeting #(\d+) (posted|corrected) \(version (\d+)\)", re.M)


def held_meeting(engine: Engine) -> int:
    """A meeting held two days ago (``meeting schedule`` takes future times only)."""
    with transaction(engine) as session:
        meeting = Meeting(kind="regular", title="Concurrency review held",
                          starts_at=datetime.now(UTC) - timedelta(days=2),
                          ends_at=datetime.now(UTC) - timedelta(days=2, hours=-2),
                          agenda_closes_at=datetime.now(UTC) - timedelta(days=5),
                          uid="concurrency-held@network-bot")
        session.add(meeting)
        session.flush()
        assert meeting.id is not None
        return meeting.id


def minutes_body(k: int) -> str:
    return (f"#attendees RCO IOM ILO #topic Burst review {k} #agreed Decision {k} of the burst "
            f"#agreed Keep the shared decision #action ILO Task {k} of the burst "
            f"#action UNICEF Keep the shared task")


def test_minutes_posted_fifty_times_at_once(network: Network) -> None:
    """50 ``minutes #N <body>`` by the Secretariat for one held meeting, at once, each body
    with its own ``#agreed`` and ``#action`` entries beside two shared ones; two are
    delivered twice (same trigger id). The reference is the minutes' rule (README: posting again
    stores a corrected version; decisions and action items still in it keep their numbers,
    those left out are superseded): no answer is a failure, each acknowledged post names its
    version, versions are 1..k without gaps and each acknowledged body is stored once, and the
    records are those of the latest version."""
    net = network
    meeting_id = held_meeting(net.engine)
    commands = [Sent(f"minutes #{meeting_id} {minutes_body(k)}", IOM, f"minutes-{k}",
                     to=net.to(k)) for k in range(50)]
    commands = net.burst(with_redeliveries(net, commands, picks=[3, 40]))

    problems = not_answered(commands)
    with Session(net.engine) as session:
        versions = session.exec(select(Minutes).where(Minutes.meeting_id == meeting_id)
                                .order_by(col(Minutes.version))).all()
        decisions = session.exec(select(Decision).where(
            Decision.meeting_id == meeting_id, col(Decision.superseded).is_(False))).all()
        actions = session.exec(select(ActionItem).where(
            ActionItem.meeting_id == meeting_id,
            ActionItem.status != ActionStatus.SUPERSEDED)).all()
    numbers = [m.version for m in versions]
    bodies = Counter(m.body for m in versions)
    acknowledged: dict[str, int] = {}  # body -> the version its answer named
    for trigger, answers in deliveries(commands).items():
        body = answers[0].text.split(" ", 2)[2]
        named = {int(m.group(3)) for a in answers if (m := POSTED.search(a.shown))}
        if len(named) > 1:
            problems.append(f"{trigger}: its deliveries were told versions {sorted(named)}")
        if named:
            acknowledged[body] = min(named)
        elif bodies[body]:
            problems.append(f"{trigger} was answered {answers[0].shown!r} but is stored")
        if bodies[body] > 1:
            problems.append(f"{trigger}: its body is stored {bodies[body]} times")
    if numbers != list(range(1, len(numbers) + 1)):
        repeated = sorted(v for v, n in Counter(numbers).items() if n > 1)
        problems.append(f"versions stored {numbers} are not 1..{len(numbers)} "
                        f"(repeated {repeated})")
    stored_as = {m.body: m.version for m in versions}
    wrong = {body: (v, stored_as.get(body)) for body, v in acknowledged.items()
             if stored_as.get(body) != v}
    if wrong:
        problems.append(f"{len(wrong)} acknowledged posts are not stored as the version their "
                        f"answer named, e.g. {next(iter(wrong.values()))} (named, stored)")
    told = Counter(v for v in acknowledged.values())
    if [v for v, n in told.items() if n > 1]:
        problems.append(f"one version named to several posts: {sorted(told.elements())}")
    posted = [s for s in commands if (m := POSTED.search(s.shown)) and m.group(2) == "posted"]
    if len({s.trigger for s in posted}) != (1 if versions else 0):
        problems.append(f"{len(posted)} answers said 'posted' (first version), not one")
    if versions:
        latest = versions[-1]
        k = int(re.search(r"#topic Burst review (\d+)", latest.body).group(1))  # type: ignore[union-attr]
        expected_decisions = Counter([f"Decision {k} of the burst", "Keep the shared decision"])
        expected_tasks = Counter([f"Task {k} of the burst", "Keep the shared task"])
        if Counter(d.text for d in decisions) != expected_decisions:
            problems.append(f"decisions in force {sorted(d.text for d in decisions)}, the "
                            f"latest version (#{latest.version}) has {sorted(expected_decisions)}")
        if Counter(a.task for a in actions) != expected_tasks:
            problems.append(f"action items in force {sorted(a.task for a in actions)}, the "
                            f"latest version has {sorted(expected_tasks)}")
    report(problems, f"minutes on {net.label}: {len(acknowledged)} of 50 posts acknowledged, "
                     f"versions 1..{max(numbers, default=0)} stored ({len(numbers)} rows), "
                     f"{outages(commands)}")


# -- roster changes with votes -------------------------------------------------------------

ON_ROSTER = re.compile(r"^(.+) is now on the roster \(([A-Z-]+)\)\.")


def mention(user: str, name: str) -> str:
    """A person picked with @ in Slack, as Slack sends it with escaping on."""
    return f"<@{user}|{name}>"


def new_person(k: int) -> tuple[str, str]:
    return f"U-NEW-{k}", f"New Person {k}"


def pre_person(k: int) -> tuple[str, str]:
    return f"U-PRE-{k}", f"Pre Person {k}"


def test_roster_changes_with_votes_at_once(network: Network) -> None:
    """At once: the Secretariat adds 12 new focal points while agencies' own focal points add
    four of them again (one person, two admins picking them, side by side in the burst), one
    add that must be refused (another agency's person), four removals and four moves of people
    added before (two people both removed and moved), four partner organisations each
    registered twice, and votes of the people being added, removed and moved; one add and one
    partner are delivered twice (same trigger id). Then, at once, the Secretariat's three focal
    points each remove another of them. The reference is the roster's rule (README "The
    roster from chat": a person is on the roster once, the Secretariat's last focal point
    cannot be removed, every change is kept in the history): every acknowledged change is
    stored once with its history row, nothing refused is stored, and a vote is stored if and
    only if it was answered "Recorded"."""
    net = network
    agencies = ["UNICEF", "ILO", "UNDP", "UNHCR"]
    poll_id = number(r"Opened poll #(\d+)", net.say('poll propose "Adopt the roster review"'))
    for k in range(1, 9):
        user, name = pre_person(k)
        assert "is now on the roster" in net.say(
            f"people add {mention(user, name)} {agencies[k % 4]}")
    secretariat = [(IOM, "IOM Focal Point"), ("U-IOM-2", "Second IOM Focal Point"),
                   ("U-IOM-3", "Third IOM Focal Point")]
    for user, name in secretariat[1:]:
        assert "is now on the roster" in net.say(f"people add {mention(user, name)} IOM")

    def add(k: int, by: str, trigger: str, code: str | None = None) -> Sent:
        user, name = new_person(k)
        return Sent(f"people add {mention(user, name)} {code or agencies[k % 4]}", by, trigger)

    groups: list[list[Sent]] = []  # commands that conflict, side by side in the burst
    for k in range(1, 5):  # the same person, picked by the Secretariat and by their agency
        groups.append([add(k, IOM, f"add-{k}"),
                       add(k, net.voters[agencies[k % 4]], f"add-again-{k}")])
    groups += [[add(k, IOM, f"add-{k}")] for k in range(5, 13)]
    groups.append([add(13, net.voters["ILO"], "add-refused", "UNICEF")])
    groups += [[Sent(f"people remove {mention(*pre_person(k))}", IOM, f"remove-{k}")]
               for k in (1, 2)]
    groups += [[Sent(f"people remove {mention(*pre_person(k))}", IOM, f"remove-{k}"),
                Sent(f"people move {mention(*pre_person(k))} OHCHR", IOM, f"move-{k}")]
               for k in (3, 4)]
    groups += [[Sent(f"people move {mention(*pre_person(k))} OHCHR", IOM, f"move-{k}")]
               for k in (5, 6)]
    groups += [[Sent(f'partners add "Burst Organisation {k}"', IOM, f"partner-{k}-{n}")
                for n in range(2)] for k in range(1, 5)]
    votes = [Sent(f"vote #{poll_id} {position} roster-{who}-{k}", user(k)[0],
                  f"vote-{who}-{k}")
             for k in range(1, 9)
             for who, user, position in (("pre", pre_person, "agree"),
                                         ("new", new_person, "abstain"))]
    random.Random(16).shuffle(groups)
    commands: list[Sent] = []
    for group in groups:  # a vote between two groups while there are votes left
        commands += group + votes[:1]
        del votes[:1]
    commands += votes
    for index, sent in enumerate(commands):
        sent.to = net.to(index)
    picks = [next(n for n, s in enumerate(commands) if s.trigger == t)
             for t in ("add-5", "partner-2-0")]
    commands = net.burst(with_redeliveries(net, commands, picks=picks))

    problems = not_answered(commands)
    with Session(net.engine) as session:
        people = session.exec(select(Person, Agency.code).outerjoin(
            Agency, col(Agency.id) == Person.agency_id)).all()
        identities = {i.external_id: i.person_id for i in session.exec(select(Identity)).all()}
        history = Counter((c.action, c.subject) for c in session.exec(select(RosterChange)))
        partners = Counter(p.organisation for p in session.exec(select(Partner)).all())
    named = Counter(person.name for person, _ in people)
    person_of = {person.name: (person, code) for person, code in people}
    by_trigger = deliveries(commands)

    def acked(trigger: str, pattern: str) -> bool:
        return any(re.search(pattern, a.shown) for a in by_trigger[trigger])

    for k in range(1, 14):
        user, name = new_person(k)
        triggers = [t for t in (f"add-{k}", f"add-again-{k}", "add-refused") if t in by_trigger
                    and f"<@{user}|" in by_trigger[t][0].text]
        told = sum(1 for t in triggers if acked(t, "is now on the roster"))
        stored = named[name]
        if told > 1:
            problems.append(f"{name} was added {told} times by different commands")
        if stored != min(told, 1) or history[("person.added", name)] != min(told, 1):
            problems.append(f"{name}: {told} adds acknowledged, {stored} people stored, "
                            f"{history[('person.added', name)]} history rows")
        if told and identities.get(user) != (person_of[name][0].id if name in person_of
                                             else None):
            problems.append(f"{name}'s Slack id {user} is not theirs")
        if k <= 12 and not told and not any(a.outage for t in triggers for a in by_trigger[t]):
            problems.append(f"{name} was never added: "
                            f"{[by_trigger[t][0].shown for t in triggers]}")
    for k in range(1, 9):
        user, name = pre_person(k)
        person, code = person_of[name]
        removed = acked(f"remove-{k}", "is no longer on the roster") if k <= 4 else False
        moved = acked(f"move-{k}", "is now a focal point of OHCHR") if 3 <= k <= 6 else False
        if person.active == removed:
            problems.append(f"{name}: removal answered {removed}, active is {person.active}")
        if (code == "OHCHR") != moved:
            problems.append(f"{name}: move answered {moved}, agency is {code}")
        if history[("person.removed", name)] != removed or \
                history[("person.moved", name)] != moved:
            problems.append(f"{name}: history {history[('person.removed', name)]} removals, "
                            f"{history[('person.moved', name)]} moves")
    for k in range(1, 5):
        organisation = f"Burst Organisation {k}"
        told = sum(1 for n in range(2) if acked(f"partner-{k}-{n}", "is now a partner"))
        tried_again = any(a.outage for n in range(2) for a in by_trigger[f"partner-{k}-{n}"])
        if told > 1 or (told == 0 and not tried_again) or partners[organisation] != told or \
                history[("partner.added", organisation)] != told:
            problems.append(f"{organisation}: {told} adds acknowledged, "
                            f"{partners[organisation]} stored, "
                            f"{history[('partner.added', organisation)]} history rows")

    votes = Counter(vote.reason for vote in stored_votes(net.engine, poll_id))
    recorded = 0
    for trigger, answers in by_trigger.items():
        if not trigger.startswith("vote-"):
            continue
        reason = reason_of(answers[0].text)
        told_ok = any(VOTE_OK.match(a.shown) for a in answers)
        recorded += told_ok
        if votes[reason] != told_ok:
            problems.append(f"vote {reason}: answered {answers[0].shown!r}, stored "
                            f"{votes[reason]} times")

    # Then the Secretariat's three focal points each remove another of them, at once: the
    # last one may not be removed.
    removals = net.burst([Sent(f"people remove {mention(*secretariat[(n + 1) % 3])}", user,
                               f"remove-iom-{n}", to=net.to(n))
                          for n, (user, _) in enumerate(secretariat)])
    problems += not_answered(removals)
    removed = [secretariat[(n + 1) % 3][1] for n, sent in enumerate(removals)
               if "is no longer on the roster" in sent.shown]
    with Session(net.engine) as session:
        still = list(session.exec(select(Person.name).join(
            Agency, col(Agency.id) == Person.agency_id).where(
            Agency.code == "IOM", col(Person.active))).all())
    if not still or sorted(set(n for _, n in secretariat) - set(still)) != sorted(removed):
        problems.append(f"the Secretariat's focal points: {len(removed)} of 3 removals "
                        f"acknowledged ({removed}), on the roster now: {still or 'nobody'}")
    report(problems, f"roster on {net.label}: {sum(named[new_person(k)[1]] for k in range(1, 14))}"
                     f" of 12 new people stored, {recorded} of 16 votes recorded, "
                     f"{sum(partners.values())} partners, {outages(commands)}; "
                     f"{len(removed)} of 3 Secretariat focal points removed at once")
