"""Real ``network-bot serve`` processes for tests, and signed Slack requests to send them.

Each process is its own OS process on its own loopback port, started exactly as an operator
would (``network-bot --database-url ... serve --port N`` with Slack's environment variables),
talking to a fake Slack Web API (tests/fake_slack.py). Processes are told apart by their bot
token, which the fake records with every call. The ``served`` fixture kills whatever is left.
``spawn`` starts one with other options and settings (Teams' emulator, no Slack).
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.conftest import REPO, free_port, unpaced_app_yaml
from tests.fake_slack import FakeSlack, InThread

NETWORK_BOT = Path(sys.executable).with_name("network-bot")
SIGNING_SECRET = "test-signing-secret"
IOM = "U-PLACEHOLDER-IOM"
CHANNEL = "C-TEST"


def signed_headers(body: str, secret: str = SIGNING_SECRET, age: float = 0) -> dict[str, str]:
    """The headers Slack sends with a request body, signed with ``secret``."""
    timestamp = str(int(time.time() - age))
    return {"Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(
                timestamp=timestamp, body=body)}


def command_fields(text: str, response_url: str, trigger: str,
                   user: str = IOM) -> dict[str, str]:
    """The form fields Slack posts for ``/network <text>``."""
    return {
        "token": "legacy", "team_id": "T1", "channel_id": CHANNEL, "user_id": user,
        "user_name": "someone", "command": "/network", "text": text,
        "response_url": response_url, "trigger_id": trigger,
    }


def command_body(text: str, response_url: str, trigger: str, user: str = IOM) -> str:
    """A ``/network`` slash command as Slack posts it."""
    return urlencode(command_fields(text, response_url, trigger, user))


@dataclass
class Served:
    """One running ``serve`` process."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> int | None:
        """The HTTP status of GET /healthz, or None when nothing answers."""
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as refusal:
            return int(refusal.code)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def kill(self) -> int:
        self.process.send_signal(signal.SIGKILL)
        return self.process.wait(timeout=10)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)


class ServeLauncher:
    """Starts ``network-bot serve`` processes with Slack on, against ``fake``."""

    def __init__(self, fake: FakeSlack, logs: Path) -> None:
        self.fake = fake
        self.logs = logs
        self.started: list[Served] = []

    def start(self, token: str, database_url: str, env: Mapping[str, str] | None = None,
              port: int | None = None) -> Served:
        """Start one process and wait until its GET /healthz answers 200."""
        served = spawn(database_url, self.logs / f"serve-{len(self.started)}.log",
                       {"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                        "SLACK_API_URL": self.fake.api_url, "SLACK_MIN_INTERVAL": "0",
                        **(env or {})}, port=port)
        self.started.append(served)
        wait_healthy(served)
        return served

    def kill_all(self) -> None:
        for served in self.started:
            if served.process.poll() is None:
                served.kill()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with InThread(FakeSlack()) as fake:
        yield fake


@pytest.fixture
def served(slack: FakeSlack, tmp_path: Path) -> Iterator[ServeLauncher]:
    launcher = ServeLauncher(slack, tmp_path)
    try:
        yield launcher
    finally:
        launcher.kill_all()


def spawn(database_url: str, log: Path, env: Mapping[str, str], options: Sequence[str] = (),
          port: int | None = None) -> Served:
    """``network-bot --database-url URL serve --port N [options]`` with this checkout's code and
    app.yaml (without the per-person command limit: these processes take loads from one
    person), and ``env`` instead of any chat or bot setting of this process's environment."""
    port = port or free_port()
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("SLACK_", "MICROSOFT_", "NETWORK_BOT_"))}
    environment.update(NETWORK_BOT_CONFIG=str(unpaced_app_yaml()), PYTHONPATH=str(REPO), **env)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(NETWORK_BOT), "--database-url", database_url, "serve", "--port", str(port),
             *options], cwd=REPO, env=environment, stdout=out, stderr=subprocess.STDOUT)
    return Served(process, port, log)


def wait_healthy(served: Served) -> None:
    """Wait until the process's GET /healthz answers 200 (failing if it exits first)."""
    wait_for(lambda: _healthy(served), timeout=60)


def _healthy(served: Served) -> bool:
    assert served.process.poll() is None, f"serve exited early:\n{served.log.read_text()}"
    return served.health() == 200


def wait_for(condition: Callable[[], bool], timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
