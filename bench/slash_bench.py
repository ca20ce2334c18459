"""Benchmark of slash-command latency over loopback HTTP, against a bolt app that only acks.

    .venv/bin/python bench/slash_bench.py [--database-url URL] [--rounds 5] [--requests 200]
                                          [--concurrency 1 50] [--items 10000]
                                          [--commands agenda "agenda add"]

The bot runs as in production: a ``network-bot serve`` process with Slack over HTTP, its Web
API calls going to a fake Slack (tests/fake_slack.py, in its own process) so nothing leaves the
machine, on a fresh database (default: a temporary SQLite file; give a PostgreSQL URL to
measure that; its schema is wiped). The baseline is bench/bare_slack_app.py in its own process.

Before measuring, the database gets upcoming meetings (scheduled through the real command) and
``--items`` agenda items (10,000), spread like a network's history: most on past meetings, a
few hundred on upcoming ones, a few in the backlog. Then, per command and concurrency, a
warm-up and ``--rounds`` rounds of ``--requests`` signed ``/network`` requests each, bare app
and bot taking turns; after each round the bench waits until the bot is idle (done with
replies that follow the ack), so that the next round has the CPU to itself. Every answer is
checked: HTTP 200 and the bot's own reply in the ack, or else the bench stops, so a fast
failure cannot pass; an ack saying "Working on it" (the core took over the 2 s budget and the
reply follows through the response_url) is counted as late.
``agenda`` is measured before ``agenda add`` so the next meeting's listing keeps its size.

Prints p50, p99 and requests/s of bot and bare app, and the ratio of their p99.
Goal (issue 9): p99 at most 2x the bare app at concurrency 50 on SQLite, 3x on PostgreSQL.
"""

import argparse
import asyncio
import itertools
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from common import (
    APP_YAML,
    IOM,
    NETWORK_BOT,
    REPO,
    bot_env,
    command_body,
    cpu_seconds,
    free_port,
    fresh_engine,
    number_agendas,
    print_table,
    signed_headers,
    spawn,
    stop,
    wait_healthy,
)
from sqlalchemy import Engine, insert
from sqlmodel import select

from bot.app import open_app
from bot.slack import WORKING
from handlers.core import Speaker, Where
from storage.db import transaction
from storage.models import Agency, AgendaItem, AgendaItemObjective, AgendaStatus, Meeting

ZONE = ZoneInfo("Asia/Vientiane")
FAKE_SLACK = """
import asyncio, sys
from tests.fake_slack import FakeSlack
async def main():
    fake = await FakeSlack().start()
    print(fake.url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
asyncio.run(main())
"""


@dataclass(frozen=True)
class Scenario:
    command: str
    text: Callable[[int], str]
    success: str  # how the ack's text (or one of its blocks' texts) starts when it worked


SCENARIOS = [
    Scenario("agenda", lambda n: "agenda", "*Next meeting*"),
    Scenario("agenda add", lambda n: f"agenda add Bench item {n} on labour migration #5",
             "Added agenda item #"),
    Scenario("whoami", lambda n: "whoami", "You are"),  # the adapter's own cost (--commands)
    # Read on every opening of the Slack Home tab, and each Monday for the network (--commands).
    Scenario("home", lambda n: "home", "desk"),
    Scenario("digest", lambda n: "digest network", "This week for"),
]
DEFAULT_COMMANDS = ["agenda", "agenda add"]


# -- seeding ----------------------------------------------------------------------------


def seed(engine: Engine, url: str, items: int) -> dict[str, int]:
    """Upcoming meetings through the real command, then the agenda's history in bulk."""
    app = open_app(APP_YAML, url)
    speaker = Speaker(platform="slack", external_id=IOM, display_name="bench")
    now = datetime.now(UTC)
    upcoming = [("regular", 30, "Regular meeting"), ("adhoc", 75, "Ad-hoc meeting on returns"),
                ("regular", 200, "Regular meeting"), ("wg:protection", 20, "Protection WG"),
                ("wg:labour-migration", 45, "Labour migration WG")]
    for kind, days, title in upcoming:
        when = (now + timedelta(days=days)).astimezone(ZONE).strftime("%d/%m/%Y 10:00")
        reply = app.runner.run(speaker, Where("slack", "C-BENCH"),
                               f'meeting schedule {kind} {when} "{title}"')
        if not reply.ok:
            raise SystemExit(f"could not schedule a meeting: {reply.text}")
    rng = random.Random(9)
    with transaction(engine) as session:
        past = 150  # about ten years of regular, ad-hoc and working-group meetings
        session.execute(insert(Meeting), [
            {"kind": "regular" if n % 3 else "adhoc", "title": f"Past meeting {n}",
             "uid": f"bench-past-{n}@network", "starts_at": now - timedelta(days=25 * (n + 1)),
             "ends_at": now - timedelta(days=25 * (n + 1), hours=-2),
             "agenda_closes_at": now - timedelta(days=25 * (n + 1) + 3)}
            for n in range(past)])
        meetings = session.exec(select(Meeting.id, Meeting.starts_at)
                                .order_by(Meeting.starts_at)).all()  # type: ignore[arg-type]
        past_ids = [m for m, starts in meetings if starts < now]
        next_id, *later_ids = [m for m, starts in meetings if starts > now]
        agencies = list(session.exec(select(Agency.id)).all())
        spread = {next_id: 60, None: 40}  # the next meeting's agenda, the backlog
        for meeting_id in later_ids:
            spread[meeting_id] = 80
        spread_total = sum(spread.values())
        placement = [m for m, n in spread.items() for _ in range(n)]
        placement += [rng.choice(past_ids) for _ in range(items - spread_total)]
        statuses = [AgendaStatus.ACCEPTED] * 6 + [AgendaStatus.PROPOSED, AgendaStatus.WITHDRAWN,
                                                  AgendaStatus.DEFERRED]
        rows = []
        for n, meeting_id in enumerate(placement):
            future = meeting_id is None or meeting_id not in past_ids
            rows.append({
                "meeting_id": meeting_id, "agency_id": rng.choice(agencies),
                "text": f"Item {n}: {rng.choice(TOPICS)}",
                "status": AgendaStatus.PROPOSED if future and rng.random() < 0.8
                else rng.choice(statuses),
                "created_at": now - timedelta(days=rng.randint(1, 3600)),
            })
        session.execute(insert(AgendaItem), number_agendas(rows))
        ids = list(session.exec(select(AgendaItem.id)).all())
        session.execute(insert(AgendaItemObjective), [
            {"item_id": item, "objective_number": number}
            for item in ids if rng.random() < 0.4
            for number in rng.sample(range(1, 24), rng.randint(1, 3))])
    app.engine.dispose()
    return {"past meetings": past, "upcoming": len(later_ids) + 1,
            "next meeting's items": spread[next_id], "backlog": spread[None],
            "other upcoming items": spread_total - spread[next_id] - spread[None]}


TOPICS = [
    "Safe labour migration pathways to Thailand",
    "Return and reintegration support in Savannakhet",
    "Counter-trafficking referral mechanism update",
    "Data on migrant workers for the national migration profile",
    "Joint statement for International Migrants Day",
    "Work plan progress of the working groups",
    "Consular protection for Lao workers abroad",
]


# -- load -------------------------------------------------------------------------------


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, latencies: list[float], seconds: float) -> None:
        self.latencies += latencies
        self.seconds += seconds

    def p(self, quantile: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * quantile))]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


class Load:
    """Signed slash commands to one server at a fixed concurrency, every answer checked."""

    def __init__(self, name: str, base: str, response_url: str, success: str | None) -> None:
        self.name = name
        self.url = f"{base}/slack/events"
        self.response_url = response_url
        self.success = success  # None: the bare app's empty ack
        self.triggers = itertools.count()
        self.tag = f"{name}-{time.time_ns()}"
        self.late = 0

    async def round(self, text: Callable[[int], str], requests: int,
                    concurrency: int) -> tuple[list[float], float]:
        numbers = iter(range(requests))
        latencies: list[float] = []
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:
            async def worker() -> None:
                for _ in numbers:
                    latencies.append(await self._one(http, text(next(self.triggers))))

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return latencies, time.perf_counter() - started

    async def _one(self, http: aiohttp.ClientSession, text: str) -> float:
        body = command_body(text, f"{self.tag}-{next(self.triggers)}", self.response_url)
        started = time.perf_counter()
        async with http.post(self.url, data=body.encode(), headers=signed_headers(body)) as answer:
            payload = await answer.text()
            took = time.perf_counter() - started
        self._check(answer.status, payload, text)
        return took

    def _check(self, status: int, payload: str, text: str) -> None:
        """A real success, or the bot's "Working on it" (the reply follows after the 2 s
        budget: counted as late); anything else stops the bench."""
        if self.success is None:
            ok = status == 200 and payload == ""
        else:
            answer = json.loads(payload) if status == 200 and payload.startswith("{") else {}
            if answer.get("text") == WORKING:
                self.late += 1
                return
            ok = f'"text": "{self.success}' in json.dumps(answer)  # the text or a block's
        if not ok:
            raise SystemExit(f"{self.name} failed {text!r}: HTTP {status} {payload[:300]}")


async def compare(bot: Load, bare: Load, scenario: Scenario, concurrency: int, requests: int,
                  rounds: int, bot_pid: int) -> tuple[Samples, Samples]:
    warm_up = max(50, concurrency)
    for load in (bare, bot):
        await load.round(scenario.text, warm_up, concurrency)
        await until_idle(bot_pid)
        load.late = 0
    results = {bot.name: Samples(), bare.name: Samples()}
    for n in range(rounds):
        for load in (bare, bot) if n % 2 == 0 else (bot, bare):
            results[load.name].add(*await load.round(scenario.text, requests, concurrency))
            await until_idle(bot_pid)
    return results[bot.name], results[bare.name]


async def until_idle(pid: int, quiet: float = 0.2) -> None:
    """Wait until the bot has finished what it does after its acks (late replies, posts), so
    that it does not take the CPU from the next round."""
    used = cpu_seconds(pid)
    while True:
        await asyncio.sleep(quiet)
        now = cpu_seconds(pid)
        if now - used < quiet / 10:
            return
        used = now


# -- processes --------------------------------------------------------------------------


class Processes:
    """The fake Slack, the bot and the bare app, each in its own process."""

    def __init__(self, url: str, logs: Path) -> None:
        self.url = url
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> "Processes":
        fake = subprocess.Popen([sys.executable, "-c", FAKE_SLACK], cwd=REPO,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.fake = fake
        assert fake.stdout is not None
        self.fake_url = fake.stdout.readline().decode().strip()
        env = bot_env(f"{self.fake_url}/api/")
        env["SLACK_MIN_INTERVAL"] = "0"
        self.bot_port, self.bare_port = free_port(), free_port()
        for name, port, args in [
            ("bot", self.bot_port, [str(NETWORK_BOT), "--database-url", self.url, "serve",
                                    "--port", str(self.bot_port)]),
            ("bare", self.bare_port, [sys.executable, str(REPO / "bench" / "bare_slack_app.py"),
                                      "--port", str(self.bare_port)]),
        ]:
            process = spawn(args, env, self.logs / f"{name}.log")
            self.started.append(process)
            try:
                wait_healthy(port, process, self.logs / f"{name}.log")
            except RuntimeError:
                self.__exit__()
                raise
        self.bot_pid = self.started[0].pid
        return self

    def __exit__(self, *_: object) -> None:
        for process in self.started:
            stop(process)
        self.fake.communicate(timeout=20)


def measure(url: str, args: argparse.Namespace, logs: Path) -> list[list[str]]:
    rows = []
    with Processes(url, logs) as processes:
        response_url = f"{processes.fake_url}/respond/bench"
        for scenario in [s for s in SCENARIOS if s.command in args.commands]:
            for concurrency in args.concurrency:
                bot = Load("bot", f"http://127.0.0.1:{processes.bot_port}", response_url,
                           scenario.success)
                bare = Load("bare", f"http://127.0.0.1:{processes.bare_port}", response_url, None)
                mine, theirs = asyncio.run(compare(bot, bare, scenario, concurrency,
                                                   args.requests, args.rounds,
                                                   processes.bot_pid))
                rows.append([scenario.command, str(concurrency), ms(mine.p(0.5)), ms(mine.p(0.99)),
                             f"{mine.rate:,.0f}", ms(theirs.p(0.5)), ms(theirs.p(0.99)),
                             f"{theirs.rate:,.0f}", f"{mine.p(0.99) / theirs.p(0.99):.1f}x",
                             f"{bot.late}/{len(mine.latencies)}"])
                print("  ".join(rows[-1]), file=sys.stderr, flush=True)
    problems = [line for line in (logs / "bot.log").read_text().splitlines()
                if line.startswith(("ERROR", "Traceback"))]
    if problems:
        raise SystemExit(f"the bot logged errors (see {logs / 'bot.log'}): {problems[:3]}")
    return rows


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="requests per round")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--commands", nargs="+", default=DEFAULT_COMMANDS,
                        choices=[s.command for s in SCENARIOS])
    parser.add_argument("--items", type=int, default=10_000, help="agenda items stored")
    args = parser.parse_args()
    engine = fresh_engine(args.database_url, prefix="slash-bench-")
    url = engine.url.render_as_string(hide_password=False)
    spread = seed(engine, url, args.items)
    logs = Path(tempfile.mkdtemp(prefix="slash-bench-logs-"))
    print(f"database: {engine.dialect.name}; {args.items:,} agenda items ("
          + ", ".join(f"{k}: {v}" for k, v in spread.items())
          + f"); {args.rounds} rounds x {args.requests} requests, alternating; "
          f"logs in {logs}", file=sys.stderr)
    rows = measure(url, args, logs)
    print(f"\n{engine.dialect.name}: latency in ms, bot = network-bot serve, bare = bolt app "
          "that only acks; late = acks that said 'Working on it' (the core took over 2 s, so "
          "the reply followed through the response_url)")
    print_table(["command", "conc.", "bot p50", "bot p99", "bot req/s", "bare p50", "bare p99",
                 "bare req/s", "p99 ratio", "late"], rows)


if __name__ == "__main__":
    main()
