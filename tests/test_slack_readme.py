"""The README's "Connect Slack" steps, followed literally where a test can follow them.

Its commands are read from the README itself and run as written, with the placeholders
(``xoxb-...``, ``...``, port 3000) filled in and ``SLACK_API_URL`` (which the README offers for
proxies and tests) pointing at the fake Slack: the manifests it makes, the scopes it says they
ask for, and the lines ``serve`` prints at start-up in HTTP and Socket Mode, against the
README's own text.
"""

import os
import re
import shlex
import shutil
import signal
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml

from bot.slack_scopes import bot_scopes
from tests.conftest import APP_YAML, REPO, free_port
from tests.fake_slack import FakeSlack
from tests.serve_process import NETWORK_BOT, SIGNING_SECRET, command_body, signed_headers, wait_for

SECTION = re.compile(r"^## Connect Slack\n(.*?)^## ", re.S | re.M)
BLOCK = re.compile(r"```(sh|text)\n(.*?)```", re.S)
FILLED = {"xoxb-...": "xoxb-readme", "SLACK_SIGNING_SECRET=...": f"SLACK_SIGNING_SECRET="
          f"{SIGNING_SECRET}", "xapp-...": "xapp-readme"}


def _section() -> str:
    found = SECTION.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert found, "README has no 'Connect Slack' section"
    return found.group(1)


def _blocks() -> list[tuple[str, str]]:
    """The section's code blocks: (sh|text, their lines without the indentation)."""
    return [(kind, "\n".join(line.strip() for line in body.splitlines()))
            for kind, body in BLOCK.findall(_section())]


def _commands(word: str) -> list[tuple[str, str | None]]:
    """Each README command containing ``word``, with the text block that follows it."""
    blocks = _blocks()
    found = []
    for index, (kind, body) in enumerate(blocks):
        if kind == "sh" and word in body:
            after = blocks[index + 1] if index + 1 < len(blocks) else ("", "")
            found.append((body, after[1] if after[0] == "text" else None))
    return found


def _argv(command: str, port: int) -> tuple[dict[str, str], list[str], str | None]:
    """Environment assignments, arguments and the ``>`` target of a README command line."""
    for placeholder, value in FILLED.items():
        command = command.replace(placeholder, value)
    command, _, target = command.partition(">")
    words = shlex.split(command.replace("3000", str(port)))
    env = dict(word.split("=", 1) for word in words if re.match(r"^[A-Z_]+=", word))
    argv = [word for word in words if not re.match(r"^[A-Z_]+=", word)]
    assert argv[0] == ".venv/bin/network-bot", argv
    return env, [str(NETWORK_BOT), *argv[1:]], target.strip() or None


@pytest.fixture
def operator_dir(tmp_path: Path) -> Path:
    """Where an operator runs the bot: a folder with app.yaml in it."""
    shutil.copy(APP_YAML, tmp_path / "app.yaml")
    return tmp_path


def test_the_readme_manifest_commands_make_the_manifests_it_describes(
    operator_dir: Path,
) -> None:
    commands = _commands("manifest slack")
    assert len(commands) == 2
    for command, _ in commands:
        _, argv, target = _argv(command, 3000)
        assert target == "slack-manifest.yaml"
        made = subprocess.run(argv, cwd=operator_dir, capture_output=True, text=True,
                              timeout=60, check=True)
        manifest = yaml.safe_load(made.stdout)
        assert manifest["settings"]["socket_mode_enabled"] is ("--socket-mode" in argv)
        assert manifest["features"]["slash_commands"][0]["should_escape"] is True
        assert manifest["oauth_config"]["scopes"]["bot"] == bot_scopes()
    said = " ".join(_section().split())
    named = re.search(r"asks for the bot scopes (.*?)\. Those", said)
    assert named, "the README no longer says which scopes the manifest asks for"
    assert re.findall(r"`([a-z:.]+)`", named.group(1)) == bot_scopes()
    table = {scope for row in re.findall(r"^\s*\| (`[^|]+`) \|", _section(), re.M)
             for scope in re.findall(r"`([a-z:.]+)`", row)}
    assert table == set(bot_scopes())


def _started_lines(process: subprocess.Popen[str], count: int) -> list[str]:
    assert process.stdout is not None
    return [process.stdout.readline().rstrip("\n") for _ in range(count)]


def _matches(expected: str, said: list[str], port: int) -> None:
    lines = expected.replace("3000", str(port)).splitlines()
    assert len(said) == len(lines), said
    for line, printed in zip(lines, said, strict=True):
        pattern = re.escape(line)
        pattern = re.sub(r"\\<[^>]*?\\>|<[^>]*>", ".+", pattern)  # <...> placeholders
        assert re.fullmatch(pattern, printed), (line, printed)


@pytest.mark.parametrize("mode", ["http", "socket mode"])
def test_serve_started_as_the_readme_says_prints_what_it_shows(
    operator_dir: Path, slack: FakeSlack, mode: str
) -> None:
    [(command, expected)] = [(c, e) for c, e in _commands("network-bot serve")
                             if ("SLACK_APP_TOKEN" in c) == (mode == "socket mode")]
    assert expected is not None, "the README shows no start-up output for this command"
    port = free_port()
    env, argv, _ = _argv(command, port)
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("SLACK_", "NETWORK_BOT_", "MICROSOFT_"))}
    environment.update(env, SLACK_API_URL=slack.api_url, PYTHONUNBUFFERED="1")
    if "--port" not in argv:
        argv += ["--port", str(port)]
        expected = expected.replace("3000", str(port))
    first, rest = expected.split("\n", 1)  # the line SLACK_API_URL adds, after the first
    expected = f"{first}\nSlack Web API: SLACK_API_URL overrides https://slack.com/api/\n{rest}"
    process = subprocess.Popen(argv, cwd=operator_dir, env=environment, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _matches(expected, _started_lines(process, len(expected.splitlines())), port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200
        if mode == "http":
            body = command_body("whoami", slack.response_url("readme"), "readme-1")
            request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events",
                                             data=body.encode(), headers=signed_headers(body))
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert "You are IOM Focal Point." in answer.read().decode()
        else:
            wait_for(lambda: slack.socket is not None, timeout=30)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert urlencode({"token": "xoxb-readme"}) not in err
