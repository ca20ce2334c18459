"""What the benchmarks share: a fresh database, `network-bot serve` processes, signed Slack
requests, resident memory of a process, and printing a table."""

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import AgendaStatus, follows  # noqa: E402
from tests.conftest import free_port, unpaced_app_yaml  # noqa: E402, F401 (free_port: re-exported)

# app.yaml without the per-person command limit: the benches send thousands as one person.
APP_YAML = unpaced_app_yaml()
NETWORK_BOT = Path(sys.executable).with_name("network-bot")
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
IOM = "U-PLACEHOLDER-IOM"  # the Secretariat's focal point in app.yaml
CHANNEL = "C-BENCH"


def temporary_sqlite_url(prefix: str) -> str:
    return f"sqlite:///{tempfile.mkdtemp(prefix=prefix)}/bench.db"


def fresh_engine(url: str | None, prefix: str = "bench-") -> Engine:
    """An empty, upgraded database: a new SQLite file, or the PostgreSQL URL's schema wiped."""
    engine = make_engine(url or temporary_sqlite_url(prefix))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    return engine


def number_agendas(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Agenda item rows numbered as the bot numbers them: 1..n per meeting (and backlog) over
    the items not withdrawn, in the order given; withdrawn ones have no place."""
    placed: dict[int | None, int] = {}
    for item in items:
        position = None
        if item["status"] != AgendaStatus.WITHDRAWN:
            position = placed[item["meeting_id"]] = placed.get(item["meeting_id"], 0) + 1
        item.update(position=position, follows=follows(position))
    return items


def bot_env(api_url: str, teams: bool = False) -> dict[str, str]:
    """The environment of a production-like `serve`: Slack over HTTP, the Web API faked."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "NETWORK_BOT_", "MICROSOFT_APP_"))}
    env.update(NETWORK_BOT_CONFIG=str(APP_YAML), SLACK_BOT_TOKEN=TOKEN,
               SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api_url)
    if teams:
        env["MICROSOFT_APP_ID"] = "00000000-0000-0000-0000-000000000000"
    return env


def spawn(args: Sequence[str], env: Mapping[str, str], log: Path,
          stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(list(args), cwd=REPO, env=dict(env), stdin=stdin, stdout=out,
                                stderr=subprocess.STDOUT)


def wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path,
                 timeout: float = 60) -> None:
    """Poll GET /healthz every 5 ms until it answers 200."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"no answer from /healthz within {timeout} s:\n{log.read_text()}")
        time.sleep(0.005)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def rss_mb(pid: int) -> float:
    """Resident memory of a process now (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux): unlike the wall clock, it
    hardly moves when other work shares the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def command_body(text: str, trigger: str, response_url: str, user: str = IOM) -> str:
    return urlencode({
        "token": "legacy", "team_id": "T1", "channel_id": CHANNEL, "user_id": user,
        "user_name": "bench", "command": "/network", "text": text,
        "response_url": response_url, "trigger_id": trigger,
    })


def signed_headers(body: str, secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {"Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(
                timestamp=timestamp, body=body)}


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(cell).rjust(w) for cell, w in zip(row, widths, strict=True)))
