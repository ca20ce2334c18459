"""Benchmark of the read commands at scale: years of meetings, agendas, polls and records.

    .venv/bin/python bench/scale_bench.py [--database-url URL] [--meetings 1000]
        [--items 100000] [--polls 1000] [--runs 30] [--profile "agenda"]

Seeds a fresh database (default: a temporary SQLite file; give a PostgreSQL URL to measure
that) with the roster of app.yaml and, through bulk inserts, ``--meetings`` meetings over six
years (regular, ad-hoc and working-group; five years past and one to come; a few cancelled),
``--items`` agenda items tagged with GCM objectives, ``--polls`` consensus polls on which the
ten member agencies voted (some objections, some changed votes), and for the meetings held:
minutes (some corrected), decisions and action items. "Now" is Mon 3 Mar 2031, as in the tests.

Then runs each command ``--runs`` times through the command core as a member types it
(``Runner.run`` with a roster speaker, one transaction each, like the shell) and prints a
table: the time of the first run (cold caches), p50 and p99 of the runs after it, the number
of SQL statements the command issues and the size of its reply. The goal is under 50 ms
each. ``--profile`` prints a pyinstrument profile of one command instead.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import number_agendas
from bench.outbox_bench import APP_YAML, fresh_engine
from bot.app import freeze_start_up_objects
from bot.config import load_config
from handlers.core import Reply, Where
from handlers.people import shell_speaker
from handlers.polls.poll_state import CONSENSUS, NO_CONSENSUS
from handlers.polls.proposals import STATEMENT
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.db import unlimited
from storage.models import (
    ActionItem,
    ActionStatus,
    Agency,
    AgendaItem,
    AgendaItemObjective,
    AgendaStatus,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
    Person,
    Poll,
    PollStatus,
    Position,
    Vote,
    WorkingGroup,
)
from storage.seed import sync_roster
from tests.statements import counting_statements

NOW = datetime(2031, 3, 3, 2, 0, tzinfo=UTC)  # Mon 3 Mar 2031, 09:00 in Vientiane
FIRST_DAY = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # meetings start at 10:00 local
SPAN = timedelta(days=6 * 365)  # five years past and one to come
POLL_SPAN = NOW - FIRST_DAY - timedelta(days=3)  # the last polls are still open
TOPICS = [
    "Update on the labour migration assessment", "Return and reintegration of migrant workers",
    "Counter-trafficking referral pathway", "Migration data and the national census",
    "Joint statement for International Migrants Day", "Annual work plan progress",
    "Safe migration awareness in border provinces", "Remittances and financial inclusion",
    "Health services for returning migrants", "Child protection in mixed movements",
    "Climate mobility and disaster displacement", "GCM regional review preparations",
]
REASONS = ["The mandate overlaps with the protection working group.",
           "Our headquarters has not cleared the text yet.",
           "The budget line is not agreed."]


def bulk(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` and return their new ids in insertion order (fresh tables only)."""
    session.execute(insert(model), rows)
    return list(session.exec(select(model.id).order_by(model.id)).all())[-len(rows):]


def seed(engine: Engine, config: AppConfig, meetings: int, items: int, polls: int,
         rng: random.Random) -> dict[str, int]:
    # Bulk loads take longer than a command's statements may (storage.timeouts).
    with unlimited(engine) as connection, Session(connection) as session:
        sync_roster(session, config)
        agencies = dict(session.exec(select(Agency.id, Agency.code).order_by(Agency.id)).all())
        speaker_of = {agency: person for person, agency in session.exec(
            select(Person.id, Person.agency_id).order_by(Person.id.desc())).all()}
        groups = list(session.exec(select(WorkingGroup.id).order_by(WorkingGroup.id)).all())
        secretary = next(speaker_of[a] for a, code in agencies.items()
                         if code == config.network.secretariat)
        counts = _seed_meetings(session, meetings, items, agencies, speaker_of, secretary,
                                groups, rng)
        counts |= _seed_polls(session, polls, agencies, speaker_of, secretary, rng)
        session.commit()
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:  # as autovacuum would after such a load
            connection.execute(text("ANALYZE"))
    return counts


def _seed_meetings(session: Session, meetings: int, items: int, agencies: dict[int, str],
                   speaker_of: dict[int, int], secretary: int, groups: list[int],
                   rng: random.Random) -> dict[str, int]:
    rows = []
    for n in range(meetings):
        starts_at = FIRST_DAY + SPAN * n / meetings
        kind = (MeetingKind.REGULAR if n % 80 == 0 else
                MeetingKind.WG if n % 3 else MeetingKind.ADHOC)
        rows.append({
            "kind": kind, "wg_id": rng.choice(groups) if kind == MeetingKind.WG else None,
            "title": f"{'Regular' if kind == MeetingKind.REGULAR else 'Ad-hoc'} meeting {n}"
            if kind != MeetingKind.WG else f"Working group meeting {n}",
            "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=2),
            "agenda_closes_at": starts_at - timedelta(days=3),
            "location": "UN House, Vientiane",
            "status": MeetingStatus.CANCELLED if n % 37 == 5 else MeetingStatus.SCHEDULED,
            "uid": f"bench-{n}@network", "created_at": starts_at - timedelta(days=30),
            "updated_at": starts_at - timedelta(days=30),
            "agenda_published_at": starts_at - timedelta(days=3) if starts_at < NOW else None})
    ids = bulk(session, Meeting, rows)
    held = {i: row["starts_at"] for i, row in zip(ids, rows, strict=True)
            if row["starts_at"] < NOW and row["status"] == MeetingStatus.SCHEDULED}

    backlog = max(1, items // 1000)
    item_rows = [_item(None, False, agencies, speaker_of, rng) for _ in range(backlog)]
    per_meeting = (items - backlog) // meetings
    for n, (meeting_id, row) in enumerate(zip(ids, rows, strict=True)):
        count = per_meeting + (1 if n < (items - backlog) % meetings else 0)
        item_rows += [_item(meeting_id, row["starts_at"] < NOW, agencies, speaker_of, rng)
                      for _ in range(count)]
    item_ids = bulk(session, AgendaItem, number_agendas(item_rows))
    tags = [{"item_id": item, "objective_number": number} for item in item_ids
            for number in rng.sample(range(1, 24), rng.choice([0, 1, 1, 2, 3]))]
    session.execute(insert(AgendaItemObjective), tags)

    minutes_rows, decision_rows, action_rows = [], [], []
    for meeting_id, meeting_start in held.items():
        if rng.random() < 0.05:
            continue  # minutes never posted
        for version in (1, 2) if rng.random() < 0.1 else (1,):
            minutes_rows.append({
                "meeting_id": meeting_id, "version": version, "posted_by_id": secretary,
                "body": f"Minutes of meeting #{meeting_id}, version {version}.",
                "posted_at": meeting_start + timedelta(days=rng.randint(2, 20) + version)})
    minutes_ids = bulk(session, Minutes, minutes_rows)
    for minutes_id, minutes in zip(minutes_ids, minutes_rows, strict=True):
        meeting_id, posted_at = minutes["meeting_id"], minutes["posted_at"]
        meeting_start = held[meeting_id]
        decision_rows += [{"text": f"{rng.choice(TOPICS)}: agreed to proceed ({d + 1})",
                           "meeting_id": meeting_id, "minutes_id": minutes_id,
                           "decided_at": meeting_start, "superseded": minutes["version"] == 1
                           and d == 0 and rng.random() < 0.5} for d in range(3)]
        for a in range(4):
            due = meeting_start + timedelta(days=rng.randint(14, 90))
            done = due < NOW and rng.random() < 0.8
            action_rows.append({
                "task": f"{rng.choice(TOPICS)}: circulate a note ({a + 1})",
                "agency_id": rng.choice(list(agencies)), "meeting_id": meeting_id,
                "minutes_id": minutes_id, "due_at": due, "created_at": posted_at,
                "status": ActionStatus.DONE if done else ActionStatus.OPEN,
                "done_at": due - timedelta(days=1) if done else None})
    session.execute(insert(Decision), decision_rows)
    session.execute(insert(ActionItem), action_rows)
    return {"meetings": len(rows), "agenda items": len(item_rows), "objective tags": len(tags),
            "minutes": len(minutes_rows), "meeting decisions": len(decision_rows),
            "action items": len(action_rows)}


def _item(meeting_id: int | None, past: bool, agencies: dict[int, str],
          speaker_of: dict[int, int], rng: random.Random) -> dict[str, Any]:
    agency = rng.choice(list(agencies))
    status = rng.choices(list(AgendaStatus), [7, 1, 1, 1] if past else [8, 1, 0, 1])[0]
    return {"meeting_id": meeting_id, "text": f"{rng.choice(TOPICS)} ({agencies[agency]})",
            "agency_id": agency, "proposer_id": speaker_of[agency], "status": status,
            "created_at": NOW - timedelta(days=rng.randint(1, 2000))}


def _seed_polls(session: Session, polls: int, agencies: dict[int, str],
                speaker_of: dict[int, int], secretary: int,
                rng: random.Random) -> dict[str, int]:
    electorate = [agencies[a] for a in sorted(agencies)]
    rows, ballots = [], []
    for n in range(polls):
        opened_at = FIRST_DAY + POLL_SPAN * n / polls
        closes_at = opened_at + timedelta(days=7)
        question = f"Adopt: {rng.choice(TOPICS)} (proposal {n + 1})"
        cast_at, cast, final = opened_at, [], {}
        for agency in agencies:
            for _ in range(2 if rng.random() < 0.05 else 1):  # some change their vote
                cast_at += timedelta(minutes=rng.randint(5, 600))
                position = rng.choices(list(Position), [90, 8, 2])[0]
                final[agency] = position
                cast.append({"agency_id": agency, "person_id": speaker_of[agency],
                             "position": position, "cast_at": min(cast_at, closes_at),
                             "reason": rng.choice(REASONS) if position == Position.OBJECT
                             else None})
        closed = closes_at < NOW
        rows.append({"kind": STATEMENT, "question": question, "params": {"text": question},
                     "electorate": electorate, "opened_by_id": secretary,
                     "opened_at": opened_at, "closes_at": closes_at,
                     "status": PollStatus.CLOSED if closed else PollStatus.OPEN,
                     "closed_at": closes_at if closed else None,
                     "outcome": None if not closed else NO_CONSENSUS
                     if Position.OBJECT in final.values() else CONSENSUS})
        ballots.append(cast)
    ids = bulk(session, Poll, rows)
    votes = [vote | {"poll_id": poll_id}
             for poll_id, cast in zip(ids, ballots, strict=True) for vote in cast]
    decisions = [{"text": f"{row['question']} (adopted by consensus, poll #{poll_id})",
                  "poll_id": poll_id, "decided_at": row["closes_at"]}
                 for poll_id, row in zip(ids, rows, strict=True) if row["outcome"] == CONSENSUS]
    session.execute(insert(Vote), votes)
    session.execute(insert(Decision), decisions)
    return {"polls": len(rows), "votes": len(votes), "poll decisions": len(decisions)}


def commands(engine: Engine) -> list[str]:
    with Session(engine) as session:
        open_poll = session.exec(select(Poll.id).where(Poll.status == PollStatus.OPEN)
                                 .order_by(Poll.id)).first()
        closed_poll = session.exec(select(Poll.id).where(Poll.status == PollStatus.CLOSED)
                                   .order_by(Poll.id.desc())).first()  # type: ignore[union-attr]
    return ["agenda", f"poll show #{closed_poll}", f"poll show #{open_poll}", "decisions",
            "decisions 2030", "report 2030", "meeting list", "actions", "actions all",
            "poll list", "report 2029-2030"]


def reply_size(reply: Reply) -> str:
    files = sum(len(f.content) for f in reply.files)
    return f"{len(reply.text):,} chars" + (f" + {files // 1024:,} KB files" if files else "")


def measure(engine: Engine, runner: Runner, line: str, runs: int) -> dict[str, str]:
    with Session(engine) as session:
        speaker = shell_speaker(session, "IOM")
    where = Where(platform="shell", channel="bench")
    started = time.perf_counter()
    reply = runner.run(speaker, where, line)  # the first run also warms up
    first = time.perf_counter() - started
    assert reply.ok, reply.text
    times = []
    for _ in range(runs):
        with counting_statements(engine) as statements:
            started = time.perf_counter()
            reply = runner.run(speaker, where, line)
            times.append(time.perf_counter() - started)
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"first": f"{first * 1000:.1f} ms",
            "p50": f"{statistics.median(ordered) * 1000:.1f} ms",
            "p99": f"{p99 * 1000:.1f} ms", "SQL": str(statements[0]), "reply": reply_size(reply)}


def profile(engine: Engine, runner: Runner, line: str) -> None:
    from pyinstrument import Profiler

    with Session(engine) as session:
        speaker = shell_speaker(session, "IOM")
    where = Where(platform="shell", channel="bench")
    runner.run(speaker, where, line)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(5):
        runner.run(speaker, where, line)
    profiler.stop()
    print(profiler.output_text(unicode=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--meetings", type=int, default=1000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--polls", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", metavar="COMMAND", help="profile one command instead")
    args = parser.parse_args()
    config = load_config(APP_YAML)
    engine = fresh_engine(args.database_url)
    started = time.perf_counter()
    counts = seed(engine, config, args.meetings, args.items, args.polls, random.Random(9))
    print(f"database: {engine.dialect.name}; seeded in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
    runner = Runner(engine, config, lambda: NOW)
    freeze_start_up_objects()  # as `serve` and `shell` do before they take commands
    if args.profile:
        profile(engine, runner, args.profile)
        return
    results = {line: measure(engine, runner, line, args.runs) for line in commands(engine)}
    width = max(map(len, results))
    print(f"\n{'command'.ljust(width)}  {'first':>9}  {'p50':>9}  {'p99':>9}  {'SQL':>4}  "
          f"reply (then {args.runs} runs each; goal < 50 ms)")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 9}  {'-' * 9}  {'-' * 4}  {'-' * 28}")
    for line, result in results.items():
        print(f"{line.ljust(width)}  {result['first']:>9}  {result['p50']:>9}  "
              f"{result['p99']:>9}  {result['SQL']:>4}  {result['reply']}")


if __name__ == "__main__":
    main()
