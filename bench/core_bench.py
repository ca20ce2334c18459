"""CPU time and SQL statements per command in the command core, in-process.

    .venv/bin/python bench/core_bench.py [--database-url URL] [--runs 2000] [--items 10000]
                                         [--commands whoami agenda "agenda add"]
                                         [--profile "agenda add"]

Seeds a fresh database as bench/slash_bench.py does (upcoming meetings scheduled through the
real command, ``--items`` agenda items), then runs each command ``--runs`` times through
``Runner.run`` as the Slack speaker the slash bench uses (a roster member found by their Slack
identity), each with its own delivery key as Slack deliveries have. Prints the process CPU
time per command (``time.process_time``: steadier than the wall clock on a shared machine)
and the SQL statements one command issues. This is what the slash bench's p99 at concurrency
50 multiplies. ``--profile`` prints a pyinstrument profile of one command instead.
"""

import argparse
import itertools
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import APP_YAML, IOM, fresh_engine, print_table
from slash_bench import SCENARIOS, seed

from bot.app import open_app
from handlers.core import Speaker, Where
from handlers.runner import Runner
from tests.statements import counting_statements

SPEAKER = Speaker(platform="slack", external_id=IOM, display_name="bench")
WHERE = Where("slack", "C-BENCH")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--commands", nargs="+", default=["whoami", "agenda", "agenda add"])
    parser.add_argument("--profile")
    args = parser.parse_args()
    engine = fresh_engine(args.database_url, prefix="core-bench-")
    url = engine.url.render_as_string(hide_password=False)
    seed(engine, url, args.items)
    runner = open_app(APP_YAML, url).runner
    keys = (f"bench:{n}" for n in itertools.count())
    scenarios = {s.command: s for s in SCENARIOS}
    if args.profile:
        profile(runner, scenarios[args.profile].text, keys, args.runs)
        return
    rows = []
    for command in args.commands:
        text = scenarios[command].text
        for n in range(20):  # warm-up
            check(runner.run(SPEAKER, WHERE, text(n), next(keys)).ok, command)
        with counting_statements(runner.engine) as seen:
            check(runner.run(SPEAKER, WHERE, text(0), next(keys)).ok, command)
        started = time.process_time()
        for n in range(args.runs):
            runner.run(SPEAKER, WHERE, text(n), next(keys))
        cpu = (time.process_time() - started) / args.runs
        rows.append([command, f"{cpu * 1000:.2f}", str(seen[0])])
    print_table(["command", "CPU ms/command", "SQL/command"], rows)


def check(ok: bool, command: str) -> None:
    if not ok:
        raise SystemExit(f"{command} failed")


def profile(runner: Runner, text: Callable[[int], str], keys: Iterator[str], runs: int) -> None:
    from pyinstrument import Profiler

    with Profiler(interval=0.0002) as profiler:
        for n in range(runs):
            runner.run(SPEAKER, WHERE, text(n), next(keys))
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
