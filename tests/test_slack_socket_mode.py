"""Socket Mode end to end: a real ``network-bot serve`` process against a loopback WebSocket
server that speaks Slack's Socket Mode protocol (docs.slack.dev/apis/events-api/using-socket-
mode): ``apps.connections.open`` with the app-level token gives the URL, Slack says ``hello``,
sends ``slash_commands``, ``interactive`` and ``events_api`` envelopes that the bot acks by
``envelope_id`` (the reply as the ack's payload), and sends ``disconnect``
(``refresh_requested``) when the bot must move to a new connection."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Clock
from tests.fake_slack import FakeSlack, InThread
from tests.serve_process import CHANNEL, IOM, Served, ServeLauncher, wait_for
from tests.slack_world import button_value

APP_TOKEN = "xapp-socket-test"
BOT_TOKEN = "xoxb-socket-test"


@pytest.fixture
def slack_thread() -> Iterator[InThread[FakeSlack]]:
    thread = InThread(FakeSlack())
    with thread:
        yield thread


class SocketSlack:
    """Slack's side of the WebSocket, driven from the test."""

    def __init__(self, thread: InThread[FakeSlack], fake: FakeSlack) -> None:
        self.thread = thread
        self.fake = fake
        self._envelopes = 0

    def send(self, kind: str, payload: dict[str, Any]) -> str:
        self._envelopes += 1
        envelope = f"envelope-{self._envelopes}"
        socket = self.fake.socket
        assert socket is not None
        self.thread.call(socket.send_json({"envelope_id": envelope, "type": kind,
                                           "accepts_response_payload": True,
                                           "payload": payload}))
        return envelope

    def ack(self, envelope: str) -> dict[str, Any]:
        wait_for(lambda: any(r.get("envelope_id") == envelope for r in self.fake.socket_replies),
                 timeout=30)
        return next(r for r in self.fake.socket_replies if r.get("envelope_id") == envelope)

    def command(self, text: str, trigger: str, user: str = IOM) -> dict[str, Any]:
        """A slash command envelope; the ack's payload (the reply)."""
        envelope = self.send("slash_commands", {
            "token": "legacy", "team_id": "T1", "channel_id": CHANNEL, "user_id": user,
            "user_name": "someone", "command": "/network", "text": text,
            "response_url": self.fake.response_url("socket"), "trigger_id": trigger})
        return self.ack(envelope).get("payload", {})


def _texts(payload: dict[str, Any]) -> str:
    return json.dumps(payload.get("blocks", []), ensure_ascii=False)


def _post(served: Served, path: str) -> int:
    request = urllib.request.Request(f"{served.url}{path}", data=b"x", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refusal:
        return int(refusal.code)


def test_serve_takes_commands_and_clicks_over_socket_mode_and_moves_when_asked(
    slack_thread: InThread[FakeSlack], tmp_path: Path, sqlite_template: Path,
) -> None:
    fake = slack_thread.served
    launcher = ServeLauncher(fake, tmp_path)
    database = tmp_path / "network.db"
    database.write_bytes(sqlite_template.read_bytes())
    try:
        served = launcher.start(BOT_TOKEN, f"sqlite:///{database}",
                                env={"SLACK_APP_TOKEN": APP_TOKEN})
        wait_for(lambda: fake.socket is not None, timeout=30)
        assert [c.token for c in fake.calls if c.method == "apps.connections.open"] == \
            [APP_TOKEN]
        slack = SocketSlack(slack_thread, fake)

        reply = slack.command("whoami", "t-1")
        assert reply["response_type"] == "ephemeral"
        assert reply["blocks"][1]["text"]["text"] == "You are IOM Focal Point."
        reply = slack.command("agenda add Remittance costs #10", "t-2")
        assert reply["response_type"] == "in_channel"
        assert "Added agenda item #1" in _texts(reply)
        reply = slack.command('poll propose "Joint statement on safe migration"', "t-2b")
        assert "Opened poll #1" in _texts(reply), _texts(reply)

        click = slack.send("interactive", {
            "type": "block_actions", "team": {"id": "T1"}, "trigger_id": "click-1",
            "user": {"id": IOM, "username": "someone"}, "channel": {"id": CHANNEL},
            "container": {"type": "message", "message_ts": "1700000000.000001",
                          "channel_id": CHANNEL},
            "response_url": fake.response_url("click"),
            "actions": [{"type": "button", "action_id": "network_choice_1", "block_id": "b",
                         "value": button_value("vote", {"poll": 1}, position="agree"),
                         "action_ts": f"{Clock().now.timestamp():.6f}"}]})
        assert "payload" not in slack.ack(click)  # a click is acked empty, answered later
        wait_for(lambda: fake.of("response_url"), timeout=30)
        assert "Recorded: IOM agrees on poll #1" in fake.of("response_url")[0]["text"]

        home = slack.send("events_api", {  # the Home tab opened: an Events API envelope
            "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": "Ev-home", "event_time": 1700000000,
            "event": {"type": "app_home_opened", "user": IOM, "channel": "DHOME", "tab": "home",
                      "event_ts": "1700000000.000100"}})
        assert "payload" not in slack.ack(home)
        wait_for(lambda: fake.accepted("views.publish"), timeout=30)
        [published] = fake.accepted("views.publish")
        assert published["user_id"] == IOM and "On IOM's desk" in str(published["view"])

        slack_thread.call(fake.disconnect("refresh_requested"))
        wait_for(lambda: fake.sockets_opened == 2, timeout=30)
        assert [c.token for c in fake.calls if c.method == "apps.connections.open"] == \
            [APP_TOKEN] * 2
        assert "Remittance costs" in _texts(slack.command("agenda", "t-3"))
        assert "IOM" in _texts(slack.command("poll show #1", "t-4"))

        assert _post(served, "/slack/events") == 404  # no HTTP endpoint in Socket Mode
        with urllib.request.urlopen(f"{served.url}/healthz", timeout=5) as answer:
            assert json.load(answer)["platforms"] == {"slack": "socket mode", "teams": "off"}
        assert served.stop() == 0
        said = served.log.read_text()
        assert "Slack: on, Socket Mode (SLACK_APP_TOKEN is set; no public URL needed)" in said
        assert "Slack: the token has every scope the bot needs." in said
        assert "Traceback" not in said and "no running event loop" not in said
    finally:
        launcher.kill_all()
