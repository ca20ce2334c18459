"""The bot's web server with Teams on (emulator settings: authentication off, loopback), a fake
Bot Connector that the real botbuilder connector client answers to (tests/fake_teams.py), and a
client that posts Bot Framework activities to ``/api/messages`` as Teams does: shared by the
Teams tests."""

import asyncio
import itertools
import json
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import App
from bot.server import SERVICES, create_web_app
from bot.services import OutboxDelivery
from bot.teams_settings import TeamsSettings
from tests.fake_teams import FakeConnector, Sent

BOT = {"id": "28:network-bot", "name": "Network"}
PERSONAL = "a:personal-iom"
CHANNEL = "19:PLACEHOLDER-network@thread.tacv2"  # channels.teams in app.yaml


def user(agency: str) -> dict[str, str]:
    return {"id": f"29:{agency.lower()}", "name": f"{agency} Focal Point",
            "aadObjectId": f"PLACEHOLDER-AAD-{agency}"}


class TeamsClient:
    """Posts activities as Teams would, with ``serviceUrl`` at the fake connector."""

    def __init__(self, base: str, connector: FakeConnector) -> None:
        self.base = base
        self.connector = connector
        self._ids = itertools.count(1)

    def activity(self, kind: str = "message", *, text: str | None = None,
                 sender: dict[str, str] | None = None, conversation: str = PERSONAL,
                 conversation_type: str = "personal", **extra: Any) -> dict[str, Any]:
        return {
            "type": kind, "id": extra.pop("id", f"activity-{next(self._ids)}"),
            "channelId": "msteams", "serviceUrl": self.connector.url,
            "timestamp": "2031-03-03T02:00:00.000Z",
            "from": sender or user("IOM"), "recipient": BOT,
            "channelData": {"tenant": {"id": "tenant-1"}},
            "conversation": {"id": conversation, "conversationType": conversation_type,
                             "tenantId": "tenant-1"},
            **({"text": text} if text is not None else {}), **extra,
        }

    async def post(self, activity: dict[str, Any]) -> int:
        async with aiohttp.ClientSession() as http, \
                http.post(f"{self.base}/api/messages", json=activity) as response:
            return response.status

    async def say(self, text: str | None, **kwargs: Any) -> list[Sent]:
        """The bot's answer to a message: what it sent in reply to it (not what the outbox
        posted meanwhile)."""
        activity = self.activity(text=text, **kwargs)
        before = len(self.connector.sent)
        assert await self.post(activity) == 201
        return [sent for sent in self.connector.sent[before:]
                if sent.activity_id == activity["id"]]


def card_text(sent: list[Sent]) -> str:
    return json.dumps([card for message in sent for card in message.cards], ensure_ascii=False)


class TeamsWorld:
    """The server with Teams on, the fake Bot Connector and a client, for ``async with``."""

    def __init__(self, app: App, settings: TeamsSettings | None = None) -> None:
        self.app = app
        self.settings = settings or TeamsSettings.for_emulator()
        self.connector = FakeConnector()

    async def __aenter__(self) -> "TeamsWorld":
        await self.connector.start()
        self.web_app = create_web_app(self.app, None, teams=self.settings)
        self.runner = web.AppRunner(self.web_app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.teams = TeamsClient(f"http://127.0.0.1:{self.runner.addresses[0][1]}",
                                 self.connector)
        return self

    async def __aexit__(self, *_: object) -> None:
        try:
            await self.runner.cleanup()
        finally:
            await self.connector.stop()

    async def deliver_due(self) -> int:
        """Deliver the outbox rows due by the app's clock now (a test clock moves by hand);
        how many were handled."""
        [delivery] = [service for service in self.web_app[SERVICES]
                      if isinstance(service, OutboxDelivery)]
        return await delivery.service.dispatcher.run_due()

    async def posted(self, title: str) -> Sent:
        """The first message posted to the network channel with a card titled ``title``,
        waiting for the outbox (its own loop may be delivering it) for up to 10 s."""
        for _ in range(1000):
            for sent in self.connector.sent:
                if sent.method == "POST" and sent.conversation == CHANNEL and \
                        sent.cards and sent.cards[0]["body"][0].get("text") == title:
                    return sent
            await asyncio.sleep(0.01)
        raise AssertionError(f"nothing titled {title!r} was posted to the network channel")
