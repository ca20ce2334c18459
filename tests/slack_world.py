"""The bot's web server with Slack on, a fake Slack Web API, and a client that signs its
requests as Slack does: shared by the Slack, Teams and fuzz tests. Every message the bot
answers with in an ack is checked as Slack checks it (tests/slack_reference.py); the fake checks
everything else the bot sends."""

import hashlib
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.app import App
from bot.server import SERVICES, SLACK_ADAPTER, create_web_app
from bot.services import OutboxDelivery
from bot.slack_settings import DEFAULT_MIN_INTERVAL, SlackSettings
from bot.teams_settings import TeamsSettings
from handlers.core import Choice
from handlers.forms import encoded
from tests.fake_slack import FakeSlack
from tests.serve_process import CHANNEL, IOM, SIGNING_SECRET, command_fields, signed_headers
from tests.slack_reference import message_problems

SECRET = SIGNING_SECRET
TOKEN = "xoxb-test-token"



def button_value(form: str, params: dict[str, int] | None = None, **values: str) -> str:
    """The value of a button the bot renders to submit ``form`` (as Slack sends it back)."""
    return encoded(Choice("", form, params or {}, values))


def button_values(blocks: list[dict[str, Any]]) -> list[str]:
    """The values of the buttons in a message's blocks."""
    return [element["value"] for block in blocks if block.get("type") == "actions"
            for element in block["elements"] if element.get("type") == "button"]


class SlackWorld:
    """The bot's web server with Slack on, a fake Slack, and a signed-request client."""

    def __init__(self, app: App, fake: FakeSlack, ack_budget: float,
                 teams: TeamsSettings | None = None,
                 min_interval: float = DEFAULT_MIN_INTERVAL, team_id: str | None = None) -> None:
        self.app = app
        self.teams = teams
        self.team_id = team_id  # SLACK_TEAM_ID
        self.fake = fake
        self.ack_budget = ack_budget
        self.min_interval = min_interval  # seconds between the bot's posts to one channel
        self.base = ""
        self._triggers = 0

    async def __aenter__(self) -> "SlackWorld":
        await self.fake.start()
        settings = SlackSettings(bot_token=TOKEN, signing_secret=SECRET,
                                 api_url=self.fake.api_url, min_interval=self.min_interval,
                                 team_id=self.team_id)
        self.web_app = create_web_app(self.app, settings, self.ack_budget, teams=self.teams)
        self.runner = web.AppRunner(self.web_app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.http.close()
        await self.runner.cleanup()
        await self.fake.stop()

    async def settle(self) -> None:
        """Wait for the follow-ups sent after the ack (response_url, modals, uploads)."""
        await self.web_app[SLACK_ADAPTER].idle()

    async def deliver_due(self) -> int:
        """Deliver the outbox rows due by the app's clock now (a test clock moves by hand);
        how many were handled."""
        [delivery] = [service for service in self.web_app[SERVICES]
                      if isinstance(service, OutboxDelivery)]
        return await delivery.service.dispatcher.run_due()

    async def post(
        self, body: str, *, secret: str = SECRET, age: float = 0,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        async with self.http.post(f"{self.base}/slack/events", data=body.encode(), headers={
            **signed_headers(body, secret, age), **(headers or {}),
        }) as response:
            text = await response.text()
            answer = json.loads(text) if text.startswith("{") else text
        if isinstance(answer, dict) and ("blocks" in answer or "text" in answer):
            assert message_problems(answer) == [], answer  # as Slack checks an ack's message
        return response.status, answer

    def _next_trigger(self) -> int:
        self._triggers += 1
        return self._triggers

    def command_fields(self, text: str, user: str = IOM, trigger: str | None = None
                       ) -> dict[str, str]:
        """The form fields Slack sends for ``/network <text>``."""
        number = self._next_trigger()  # each command and click has its own response_url
        return command_fields(text, self.fake.response_url(f"command-{number}"),
                              trigger or f"trigger-{number}", user)

    def command_body(self, text: str, user: str = IOM, trigger: str | None = None) -> str:
        return urlencode(self.command_fields(text, user, trigger))

    async def command(self, text: str, user: str = IOM, **kwargs: Any) -> tuple[int, Any]:
        return await self.post(self.command_body(text, user), **kwargs)

    def click_payload(self, value: str, user: str = IOM,
                      message_ts: str = "1700000000.000001", action_id: str = "network_choice_1",
                      later: float = 0) -> dict[str, Any]:
        """The ``block_actions`` payload Slack sends when a button is pressed."""
        return {
            "type": "block_actions", "team": {"id": "T1"}, "trigger_id": "click-trigger",
            "user": {"id": user, "username": "someone"}, "channel": {"id": CHANNEL},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": CHANNEL},
            "response_url": self.fake.response_url(f"click-{self._next_trigger()}"),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                         "value": value, "action_ts": f"{time.time() + later:.6f}"}],
        }

    async def click(self, value: str, user: str = IOM, message_ts: str = "1700000000.000001",
                    action_id: str = "network_choice_1", later: float = 0) -> tuple[int, Any]:
        return await self.interact(self.click_payload(value, user, message_ts, action_id, later))

    async def interact(self, payload: object) -> tuple[int, Any]:
        """Post an interactivity payload (a click, a form) as Slack does."""
        return await self.post(urlencode({"payload": json.dumps(payload)}))

    @staticmethod
    def submit_payload(view: dict[str, Any], values: dict[str, str],
                       user: str = IOM) -> dict[str, Any]:
        """The ``view_submission`` payload Slack sends when a modal's form is submitted: each
        value under its input's block id and action id, a menu's as its selected option (a
        multi-select's, given joined with commas, as its selected options)."""
        elements = {block.get("block_id"): block["element"] for block in view.get("blocks", [])
                    if block.get("type") == "input"}
        state: dict[str, Any] = {}
        for block_id, value in values.items():
            element = elements.get(block_id, {"type": "plain_text_input", "action_id": block_id})
            answer: dict[str, Any] = {"type": element["type"]}
            if element["type"] == "static_select":
                answer["selected_option"] = {"text": {"type": "plain_text", "text": value},
                                             "value": value}
            elif element["type"] == "multi_static_select":  # values given joined with commas
                answer["selected_options"] = [
                    {"text": {"type": "plain_text", "text": one}, "value": one}
                    for one in value.split(",") if one]
            else:
                answer["value"] = value
            state[block_id] = {element["action_id"]: answer}
        return {
            "type": "view_submission", "team": {"id": "T1"}, "trigger_id": "view-trigger",
            "user": {"id": user, "username": "someone"},
            # one id per opened view, as Slack gives: the same view submitted twice keeps it
            "view": {**view, "id": "V-" + hashlib.sha256(json.dumps(view, sort_keys=True)
                                                         .encode()).hexdigest()[:12],
                     "state": {"values": state}},
        }

    async def submit(self, view: dict[str, Any], values: dict[str, str],
                     user: str = IOM) -> tuple[int, Any]:
        return await self.interact(self.submit_payload(view, values, user))
