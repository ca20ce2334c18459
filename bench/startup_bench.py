"""Benchmark of start-up time and memory: the shell, `serve` with Slack, `serve` with Slack
and Teams.

    .venv/bin/python bench/startup_bench.py [--database-url URL] [--runs 5]

Each run starts a real process on an upgraded database (default: a temporary SQLite file per
run; give a PostgreSQL URL to measure that, its schema is wiped per run), as an operator would:

- ``shell``: ``network-bot shell`` fed ``whoami`` on stdin; ready = the reply is printed.
- ``serve slack``: Slack over HTTP, its Web API faked on loopback; ready = GET /healthz
  answers 200 (polled every 5 ms).
- ``serve slack+teams``: the same with ``--teams-emulator``.

The CPU time the process used until ready is shown too: it varies less than the wall clock
on a shared machine. Resident memory (VmRSS) is read when ready and after a few commands
(``agenda``, ``members``, ``meeting schedule`` with a date to parse, ``whoami``). The first
command after ready and the first that parses a date are timed too, so start-up cost moved
into the first command shows.
Prints the median of ``--runs`` runs. Goal (issue 9): Slack-only serve ready in under 1.0 s
and under 120 MB resident.
"""

import argparse
import os
import select
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import (
    NETWORK_BOT,
    bot_env,
    command_body,
    cpu_seconds,
    free_port,
    fresh_engine,
    print_table,
    rss_mb,
    signed_headers,
    spawn,
    stop,
    wait_healthy,
)

from tests.fake_slack import FakeSlack, InThread


def later_date(run: int) -> str:
    return (datetime.now(UTC) + timedelta(days=40 + run)).strftime("%d/%m/%Y")


def commands(run: int) -> list[tuple[str, str]]:
    """Commands sent after ready, each with text its successful answer contains."""
    return [("agenda", "Agenda"), ("members", "IOM"),
            (f'meeting schedule regular {later_date(run)} 10:00 "Bench meeting"', "Scheduled"),
            ("whoami", "You are")]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def shell_run(url: str, run: int, logs: Path) -> dict[str, float]:
    started = time.perf_counter()
    process = subprocess.Popen([str(NETWORK_BOT), "--database-url", url, "shell"],
                               env=bot_env("http://127.0.0.1:9/api/"), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout.fileno()

    def ask(line: str, expected: str, timeout: float = 30) -> None:
        """Type a line and wait until the answer (past the ``> line`` echo) shows ``expected``."""
        stdin.write(f"{line}\n".encode())
        stdin.flush()
        said = b""
        deadline = time.monotonic() + timeout
        while expected.encode() not in said.partition(b"\n")[2]:
            if not select.select([stdout], [], [], max(0, deadline - time.monotonic()))[0]:
                raise RuntimeError(f"{line!r}: no {expected!r} in the shell's answer: {said!r}")
            chunk = os.read(stdout, 65536)
            if not chunk:
                raise RuntimeError(f"the shell stopped; it said: {said!r}")
            said += chunk

    ask("whoami", "You are")
    ready = time.perf_counter() - started
    cpu = cpu_seconds(process.pid)
    at_ready = rss_mb(process.pid)
    first, *rest = commands(run)
    first_command = timed(lambda: ask(*first))
    first_date = timed(lambda: ask(*rest[1]))
    for line, expected in rest[2:]:
        ask(line, expected)
    result = {"ready": ready, "cpu": cpu, "rss ready": at_ready, "rss after": rss_mb(process.pid),
              "first command": first_command, "first date": first_date}
    stdin.close()
    process.wait(timeout=20)
    return result


def serve_run(url: str, run: int, logs: Path, fake: FakeSlack,
              teams: bool) -> dict[str, float]:
    port = free_port()
    args = [str(NETWORK_BOT), "--database-url", url, "serve", "--port", str(port)]
    log = logs / f"serve-{port}.log"
    started = time.perf_counter()
    process = spawn(args + (["--teams-emulator"] if teams else []), bot_env(fake.api_url), log)
    try:
        wait_healthy(port, process, log)
        ready = time.perf_counter() - started
        cpu = cpu_seconds(process.pid)
        at_ready = rss_mb(process.pid)
        first, *rest = commands(run)
        first_command = timed(lambda: slack_command(port, fake, *first))
        first_date = timed(lambda: slack_command(port, fake, *rest[1]))
        for text, expected in rest[2:]:
            slack_command(port, fake, text, expected)
        return {"ready": ready, "cpu": cpu, "rss ready": at_ready, "rss after": rss_mb(process.pid),
                "first command": first_command, "first date": first_date}
    finally:
        stop(process)


def slack_command(port: int, fake: FakeSlack, text: str, expected: str) -> None:
    body = command_body(text, f"startup-{time.time_ns()}", fake.response_url("startup"))
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events",
                                     data=body.encode(), headers=signed_headers(body))
    with urllib.request.urlopen(request, timeout=10) as answer:
        payload = answer.read().decode()
    if answer.status != 200 or expected not in payload:
        raise RuntimeError(f"{text!r} failed: HTTP {answer.status} {payload[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file per run")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="startup-bench-"))
    results: dict[str, list[dict[str, float]]] = {}
    with InThread(FakeSlack()) as fake:
        variants: dict[str, Callable[[str, int], dict[str, float]]] = {
            "shell": lambda url, run: shell_run(url, run, logs),
            "serve slack": lambda url, run: serve_run(url, run, logs, fake, teams=False),
            "serve slack+teams": lambda url, run: serve_run(url, run, logs, fake, teams=True),
        }
        for run in range(args.runs):
            for name, measure in variants.items():  # interleaved, so drifting load hits all
                engine = fresh_engine(args.database_url, prefix="startup-bench-")
                url = engine.url.render_as_string(hide_password=False)
                engine.dispose()
                results.setdefault(name, []).append(measure(url, run))
    dialect = "postgresql" if (args.database_url or "").startswith("postgres") else "sqlite"
    print(f"\n{dialect}: median of {args.runs} runs; ready = shell's first reply or serve's "
          "/healthz 200; RSS in MB")
    rows = []
    for name, runs in results.items():
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        rows.append([name, f"{median['ready']:.2f} s", f"{median['cpu']:.2f} s",
                     f"{median['rss ready']:.0f}", f"{median['rss after']:.0f}",
                     f"{median['first command'] * 1000:.0f} ms",
                     f"{median['first date'] * 1000:.0f} ms"])
    print_table(["process", "ready", "CPU to ready", "RSS ready", "RSS after commands",
                 "1st command", "1st date command"], rows)


if __name__ == "__main__":
    main()
