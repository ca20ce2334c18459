"""Benchmark of date understanding: first-call cost and cost per phrase after warm-up.

    .venv/bin/python bench/dates_bench.py [--calls 5000] [--fresh 5] [--profile]

First-call cost is measured in ``--fresh`` new Python processes, each timing separately the
import of ``handlers.dates`` (and what it pulls in) and the first ``understand_when``; the
table shows the median. Then, in this process, after a warm-up pass,
``--calls`` calls of ``understand_when`` over a realistic mix of phrases (the table of
tests/test_dates.py, accepted and refused, plus more that members type) are timed one by
one: p50, p99 and mean, for all phrases, for the accepted and for the refused ones. The goal
is under 2 ms per phrase. ``--profile`` prints a pyinstrument profile of the warm calls.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from handlers.core import UserError  # noqa: E402
from handlers.dates import understand_when  # noqa: E402
from tests.test_dates import NOW, PHRASES, REFUSED  # noqa: E402

ZONE = ZoneInfo("Asia/Vientiane")
# More of what members type when scheduling meetings, setting poll deadlines and due dates.
MORE_PHRASES = [
    "15/04/2031 09:00", "30/06/2031 17:00", "1/7/2031 14:30", "2031-05-20 08:30",
    "12 May 2031 10:00", "5 June 2031 2pm", "Tue 18 Mar 2031 15:00", "25 December 2031 10:00",
    "next Monday 09:00", "this Friday 16:00", "tomorrow 8am", "tomorrow 17:30",
    "in 1 week 10:00", "in 10 days 09:30", "coming Wednesday 11:00", "Thursday 3pm",
    "20 March 09:00 UTC", "1 April 2031 10:00 Europe/Zurich", "today 18:00",
    "tomorrow at 10", "next month", "31/04/2031 10:00", "14 Mar 2031 26:00",
]

FIRST_CALL = """
import json, time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo
started = time.perf_counter()
from handlers.dates import understand_when
imported_handlers = time.perf_counter()
understand_when("14/03/2031 10:00", zone=ZoneInfo("Asia/Vientiane"),
                now=datetime(2031, 3, 3, 2, 0, tzinfo=UTC))
first = time.perf_counter()
print(json.dumps({"import handlers.dates (+ SQLModel, via core)": imported_handlers - started,
                  "first understand_when": first - imported_handlers}))
"""


def first_call_costs(runs: int) -> dict[str, float]:
    """Median seconds of each first-call step over ``runs`` fresh interpreters."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        output = subprocess.run([sys.executable, "-c", FIRST_CALL], cwd=REPO, check=True,
                                capture_output=True, text=True).stdout
        for step, seconds in json.loads(output).items():
            samples.setdefault(step, []).append(seconds)
    return {step: statistics.median(values) for step, values in samples.items()}


def call(phrase: str) -> bool:
    """Understand one phrase; True when accepted."""
    try:
        understand_when(phrase, zone=ZONE, now=NOW)
    except UserError:
        return False
    return True


def warm_costs(phrases: list[str], calls: int) -> dict[str, list[float]]:
    """Seconds per call, by outcome, over ``calls`` calls cycling through ``phrases``."""
    accepted = {phrase: call(phrase) for phrase in phrases}  # also the warm-up
    costs: dict[str, list[float]] = {"all phrases": [], "accepted": [], "refused": []}
    for n in range(calls):
        phrase = phrases[n % len(phrases)]
        started = time.perf_counter()
        call(phrase)
        elapsed = time.perf_counter() - started
        costs["all phrases"].append(elapsed)
        costs["accepted" if accepted[phrase] else "refused"].append(elapsed)
    return costs


def profiled(run: Callable[[], object]) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    run()
    profiler.stop()
    print(profiler.output_text(unicode=True, show_all=False))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=5000, help="timed warm calls")
    parser.add_argument("--fresh", type=int, default=5, help="fresh processes for first call")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile")
    args = parser.parse_args()
    phrases = [phrase for phrase, _ in PHRASES] + MORE_PHRASES
    if args.profile:
        profiled(lambda: warm_costs(phrases, args.calls))
        return
    refused = sum(1 for _, expected in PHRASES if expected.startswith(REFUSED))
    print(f"{len(phrases)} phrases ({refused} of the test table's {len(PHRASES)} refused, "
          f"{len(MORE_PHRASES)} more); now = {NOW:%a %d %b %Y %H:%M} UTC; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    print(f"{'first call (fresh process, median of ' + str(args.fresh) + ')':44}  cost")
    print(f"{'-' * 44}  {'-' * 12}")
    for step, seconds in first_call_costs(args.fresh).items():
        print(f"{step:44}  {ms(seconds)}")
    print(f"\n{'after warm-up (' + format(args.calls, ',') + ' calls)':24}  {'calls':>6}  "
          f"{'p50':>10}  {'p99':>10}  {'mean':>10}  (goal < 2 ms)")
    print(f"{'-' * 24}  {'-' * 6}  {'-' * 10}  {'-' * 10}  {'-' * 10}")
    for kind, costs in warm_costs(phrases, args.calls).items():
        ordered = sorted(costs)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(f"{kind:24}  {len(costs):>6}  {ms(statistics.median(ordered)):>10}  "
              f"{ms(p99):>10}  {ms(statistics.fmean(ordered)):>10}")


if __name__ == "__main__":
    main()
