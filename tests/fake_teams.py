"""A fake Bot Connector on loopback that records what the bot sends to Teams.

The real botbuilder connector client talks to it over HTTP: ``POST
/v3/conversations/{id}/activities[/{replyToId}]`` (new messages and replies) and ``PUT
/v3/conversations/{id}/activities/{activityId}`` (updates in place). ``GET
/v3/conversations/{id}/members/{userId}`` answers from ``members`` (the Teams roster). ``fail``
makes the next call answer with an error status.

Like Teams (see tests/teams_reference.py for the sources), it refuses a message larger than
Teams takes (HTTP 413, ``MessageSizeTooBig``) or carrying an Adaptive Card that the official
schema refuses (HTTP 400, ``BadArgument``). Each such refusal is also kept in ``refused``; a
fake that refused anything fails the test when it stops, unless the test took them
(``take_refused``).
"""

import itertools
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.teams_reference import MESSAGE_BYTES, activity_problems


@dataclass
class Sent:
    method: str  # "POST" or "PUT"
    conversation: str
    activity: dict[str, Any]
    activity_id: str | None = None  # replied to (POST) or updated (PUT)
    response_id: str = ""  # the id the connector gave the message
    authorization: str = ""  # the bot's own token, as its Authorization header
    size: int = 0  # bytes of the activity as posted

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a["content"] for a in self.activity.get("attachments") or []]


class FakeConnector:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.members: dict[str, dict[str, Any]] = {}  # Teams user id -> member, for the roster
        self.refused: list[tuple[str, list[str]]] = []  # (conversation, problems) Teams refuses
        self._failures: list[tuple[int, dict[str, str]]] = []
        self._numbers = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> "FakeConnector":
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}",
                            self._activity)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}",
                           self._activity)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        assert not self.refused, f"Teams would have refused: {self.refused}"

    def take_refused(self) -> list[tuple[str, list[str]]]:
        """The refusals so far (a test that expects them), forgotten from now on."""
        taken, self.refused = self.refused, []
        return taken

    async def __aenter__(self) -> "FakeConnector":  # for tests.fake_slack.InThread
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def fail(self, status: int, headers: dict[str, str] | None = None) -> None:
        self._failures.append((status, headers or {}))

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(member)

    async def _activity(self, request: web.Request) -> web.Response:
        if self._failures:
            status, headers = self._failures.pop(0)
            return web.json_response({"error": {"code": "Failed", "message": "no"}},
                                     status=status, headers=headers)
        conversation = request.match_info["conversation"]
        body = await request.read()
        if problems := activity_problems(body):
            self.refused.append((conversation, problems))
            too_big = len(body) > MESSAGE_BYTES
            error = {"code": "MessageSizeTooBig" if too_big else "BadArgument",
                     "message": "; ".join(problems)}
            return web.json_response({"error": error}, status=413 if too_big else 400)
        activity_id = request.match_info.get("activity")
        given = activity_id if request.method == "PUT" else f"sent-{next(self._numbers)}"
        self.sent.append(Sent(request.method, conversation, json.loads(body), activity_id,
                              given or "", request.headers.get("Authorization", ""), len(body)))
        return web.json_response({"id": given})
