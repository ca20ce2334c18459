"""Benchmark of outbox delivery: 10,000 pending reminders, lag to send, start-up, memory.

    .venv/bin/python bench/outbox_bench.py [--database-url URL] [--rows 10000] [--window 20]

Writes ``--rows`` meeting reminders due at even intervals over the next ``--window`` seconds
(plus a few meetings for them to remind of) into a fresh database (default: a temporary SQLite
file; give a PostgreSQL URL to measure that), starts an OutboxService with an in-process
notifier that records when each row reached it, and prints a table: lag from due time to send
(p50, p99, max), the service's start-up time with every row pending, throughput and memory.
The notifier does not pace (min_interval 0): this measures the scheduler, not Slack's limits.
"""

import argparse
import asyncio
import resource
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import APP_YAML, fresh_engine
from sqlalchemy import Engine, insert
from sqlmodel import select

from bot.config import load_config
from handlers.core import Reply
from scheduler.notifier import Delivery, PostedRef
from scheduler.service import OutboxService
from storage.db import transaction
from storage.models import Meeting, Outbox


class TimingNotifier:
    platform = "slack"
    min_interval = 0.0

    def __init__(self) -> None:
        self.sent_at: dict[int, datetime] = {}

    async def send(self, delivery: Delivery) -> list[PostedRef]:
        self.sent_at[delivery.outbox_id] = datetime.now(UTC)
        return [PostedRef(channel="C-NETWORK", message_ref=str(delivery.outbox_id))]


def seed(engine: Engine, rows: int, window: float, lead: float) -> dict[int, datetime]:
    """Meetings and their reminders; returns each reminder's due time by id."""
    with transaction(engine) as session:
        first = datetime.now(UTC) + timedelta(seconds=lead)
        session.execute(insert(Meeting), [
            {"kind": "regular", "title": f"Meeting {n}", "uid": f"bench-{n}@network",
             "starts_at": first + timedelta(days=1 + n),
             "ends_at": first + timedelta(days=1 + n, hours=2),
             "agenda_closes_at": first + timedelta(days=n - 2)} for n in range(50)])
        meetings = list(session.exec(select(Meeting.id)).all())
        payload = Reply(text="Reminder: the Network meets tomorrow at 10:00").to_dict()
        step = timedelta(seconds=window / rows)
        session.execute(insert(Outbox), [
            {"kind": "meeting.reminder", "due_at": first + step * i, "payload": payload,
             "delivered": [], "meeting_id": meetings[i % len(meetings)]} for i in range(rows)])
        return dict(session.exec(select(Outbox.id, Outbox.due_at)).all())  # type: ignore[arg-type]


def rss_mb() -> float:
    """The process's resident memory now (Linux), else its peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(engine: Engine, due: dict[int, datetime], timeout: float) -> dict[str, str]:
    notifier = TimingNotifier()
    started = time.perf_counter()
    service = OutboxService(engine, load_config(APP_YAML), [notifier])
    await service.start()
    start_time = time.perf_counter() - started
    at_start = rss_mb()
    deadline = time.monotonic() + timeout
    while len(notifier.sent_at) < len(due) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await service.stop()
    lags = sorted((notifier.sent_at[i] - due[i]).total_seconds() for i in notifier.sent_at)
    p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
    sends = sorted(notifier.sent_at.values())
    span = (sends[-1] - sends[0]).total_seconds()
    return {
        "rows delivered": f"{len(lags):,} of {len(due):,}",
        "lag p50": f"{statistics.median(lags):.3f} s",
        "lag p99": f"{p99:.3f} s (goal < 2 s)",
        "lag max": f"{lags[-1]:.3f} s",
        "throughput": f"{len(lags) / span:,.0f} rows/s over {span:.1f} s" if span else "-",
        "start-up with all pending": f"{start_time * 1000:.0f} ms (goal < 2 s)",
        "memory (RSS)": f"{at_start:.0f} MB at start, {rss_mb():.0f} MB after delivering",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=20.0,
                        help="seconds over which the rows fall due")
    parser.add_argument("--lead", type=float, default=3.0,
                        help="seconds before the first row is due")
    args = parser.parse_args()
    engine = fresh_engine(args.database_url, prefix="outbox-bench-")
    due = seed(engine, args.rows, args.window, args.lead)
    results = {"database": engine.dialect.name,
               "pending reminders": f"{args.rows:,} due over {args.window:g} s",
               **asyncio.run(measure(engine, due, args.lead + args.window + 60))}
    width = max(map(len, results))
    print(f"{'measure'.ljust(width)}  result\n{'-' * width}  {'-' * 30}")
    for name, value in results.items():
        print(f"{name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
