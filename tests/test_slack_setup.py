"""Setting Slack up: the app manifest, what ``serve`` says at start, and ``serve`` itself."""

import json
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.config import ConfigError
from bot.server import OutboxSettings, describe
from bot.slack_settings import SlackSettings
from tests.conftest import REPO, free_port


def _manifest(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["--config", str(REPO / "app.yaml"), "manifest", "slack", *args]) == 0
    return yaml.safe_load(capsys.readouterr().out)


def test_the_manifest_points_slack_at_the_events_url(capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _manifest(capsys, "--url", "https://bot.example.org/")
    assert manifest["display_information"]["name"] == "UN Network on Migration in Lao PDR"
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/network"
    assert command["url"] == "https://bot.example.org/slack/events"
    assert command["usage_hint"].startswith("help [verb] | ")
    assert " | agenda | " in command["usage_hint"] and " | whoami" in command["usage_hint"]
    assert manifest["oauth_config"]["scopes"]["bot"] == [
        "commands", "chat:write.public", "chat:write", "im:write", "files:write", "users:read",
        "users:read.email"]
    assert command["should_escape"] is True
    assert manifest["settings"]["interactivity"] == {
        "is_enabled": True, "request_url": "https://bot.example.org/slack/events"}
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_the_socket_mode_manifest_needs_no_url(capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _manifest(capsys, "--socket-mode")
    assert "url" not in manifest["features"]["slash_commands"][0]
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}
    assert manifest["settings"]["socket_mode_enabled"] is True


@pytest.mark.parametrize("args", [[], ["--url", "http://bot.example.org"]])
def test_the_manifest_asks_for_an_https_url(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["manifest", "slack", *args])
    assert exited.value.code == 2
    assert "manifest slack needs --url https://your-host" in capsys.readouterr().err


def test_startup_says_what_is_on_and_what_is_missing() -> None:
    assert describe(None, {"SLACK_BOT_TOKEN": "xoxb-secret"}) == [
        "Slack: off (missing SLACK_SIGNING_SECRET; see README, Connect Slack)",
        "Teams: off (missing MICROSOFT_APP_ID; see README, Connect Teams)",
        "No chat platform is on: only GET /healthz will answer.",
    ]
    env = {"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_SIGNING_SECRET": "shh",
           "SLACK_APP_TOKEN": "xapp-secret", "SLACK_API_URL": "http://proxy:8080/api"}
    settings = SlackSettings.from_env(env)
    assert settings is not None and settings.api_url == "http://proxy:8080/api/"
    lines = describe(settings, env)
    assert lines[0].startswith("Slack: on, Socket Mode")
    chosen = SlackSettings.from_env({**env, "SLACK_TEAM_ID": " T0123 "})
    assert chosen is not None and chosen.team_id == "T0123"
    assert "Slack: only requests of workspace T0123 are taken (SLACK_TEAM_ID)" in \
        describe(chosen, env)
    shown = "\n".join(lines) + repr(settings)
    assert not any(secret in shown for secret in ("xoxb-secret", "shh", "xapp-secret"))


def test_outbox_and_pacing_settings_come_from_the_environment() -> None:
    assert OutboxSettings.from_env({}) == OutboxSettings(
        lease=timedelta(minutes=5), sweep=timedelta(seconds=30))
    assert OutboxSettings.from_env({"NETWORK_BOT_OUTBOX_LEASE": "2",
                                    "NETWORK_BOT_OUTBOX_SWEEP": "0.5"}) == OutboxSettings(
        lease=timedelta(seconds=2), sweep=timedelta(seconds=0.5))
    slack = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "shh"}
    assert SlackSettings.from_env(slack).min_interval == 1.0  # type: ignore[union-attr]
    assert SlackSettings.from_env(
        {**slack, "SLACK_MIN_INTERVAL": "0"}).min_interval == 0.0  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match=r"SLACK_MIN_INTERVAL='-1' is not a number of seconds"):
        SlackSettings.from_env({**slack, "SLACK_MIN_INTERVAL": "-1"})


def test_serve_refuses_a_lease_that_is_not_seconds(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NETWORK_BOT_OUTBOX_LEASE", "5 minutes")
    database = f"sqlite:///{tmp_path / 'network.db'}"
    assert main(["--config", str(REPO / "app.yaml"), "--database-url", database, "serve"]) == 2
    assert capsys.readouterr().err == (
        "NETWORK_BOT_OUTBOX_LEASE='5 minutes' is not a number of seconds above zero; "
        "write it like NETWORK_BOT_OUTBOX_LEASE=300\n")


def test_serve_starts_the_web_server_and_stops_on_interrupt(tmp_path: Path) -> None:
    port = free_port()
    secrets = {"SLACK_BOT_TOKEN": "xoxb-not-printed", "SLACK_SIGNING_SECRET": "not-printed"}
    nobody = f"http://127.0.0.1:{free_port()}/api/"  # Slack cannot be reached
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"NETWORK_BOT_CONFIG": str(REPO / "app.yaml"), "PYTHONPATH": str(REPO),
             "PATH": "", "SLACK_API_URL": nobody, **secrets},
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first == "Slack: on, requests at POST /slack/events (set SLACK_APP_TOKEN for " \
                        "Socket Mode instead)\n"
        assert server.stdout.readline().startswith("Slack Web API: SLACK_API_URL overrides")
        assert server.stdout.readline().startswith("Teams: off (missing MICROSOFT_APP_ID")
        assert server.stdout.readline().startswith(f"Listening on http://127.0.0.1:{port}")
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as response:
                    health = json.load(response)
                break
            except OSError:
                time.sleep(0.05)
        assert health["platforms"] == {"slack": "http", "teams": "off"}
        assert (health["status"], health["database"]) == ("ok", "reachable")
        assert health["slack"]["workspace"] is None  # Slack away: the server serves anyway
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert not any(secret in out + err for secret in secrets.values())
    assert (tmp_path / "network.db").exists()


def test_the_shell_and_the_server_module_do_not_load_slack() -> None:
    probe = ("import sys, bot.cli, bot.shell, bot.server, bot.slack_manifest, bot.teams_manifest; "
             "print(sorted(m for m in sys.modules "
             "if m.startswith(('slack_bolt', 'slack_sdk', 'botbuilder'))))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=REPO, timeout=60, check=True)
    assert result.stdout == "[]\n"
