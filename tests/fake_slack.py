"""A fake Slack Web API on loopback that records every call and refuses what Slack refuses.

In the spirit of bolt-python's ``tests/mock_web_api_server`` and opsdroid's
``testing/external_api``: a real aiohttp server the real slack_sdk client talks to over HTTP,
answering like Slack does. It also serves the ``response_url`` webhooks, the file upload URLs
and Socket Mode's WebSocket, and can be told to fail the next calls of a method or of the
``response_url`` (``fail``) or to leave every call made with one token unanswered (``stall``).
Failed calls are recorded too, with ``ok`` False, so tests can count what Slack actually
accepted (``accepted``).

Like Slack (see tests/slack_reference.py for the sources), it grants the token only the bot
scopes it was given (by default those of the manifest ``network-bot manifest slack`` makes)
and answers ``missing_scope`` for a method that needs another, lists them in the
``x-oauth-scopes`` header, leaves ``profile.email`` out without users:read.email, refuses a
message or modal that slack_sdk's models or Slack's documented limits refuse, and takes a
``response_url`` at most 5 times. Each such refusal is also kept in ``refused``; a fake that
refused anything fails the test when it stops, unless the test took them (``take_refused``).

``InThread`` runs it (or any async context manager) on its own event loop in a thread, for
tests that drive other OS processes (``network-bot serve``) or many requests from synchronous
code.
"""

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiohttp import web

from bot.config import load_config
from bot.slack_manifest import slack_manifest
from tests.slack_reference import (
    APP_LEVEL_SCOPES,
    EMAIL_SCOPE,
    METHOD_SCOPES,
    RESPONSE_URL_USES,
    message_problems,
    view_problems,
)

Served = TypeVar("Served")
Result = TypeVar("Result")


@dataclass
class Call:
    method: str  # a Web API method ("chat.postMessage"), "response_url" or "upload"
    args: dict[str, Any]
    token: str | None = None
    ok: bool = True  # False: the fake answered it with a scripted failure
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def manifest_scopes() -> list[str]:
    """The bot scopes of the manifest the bot generates for the repository's app.yaml."""
    from tests.conftest import APP_YAML

    return list(slack_manifest(load_config(APP_YAML), None, socket_mode=True)
                ["oauth_config"]["scopes"]["bot"])


MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


class FakeSlack:
    def __init__(self, emails: dict[str, str] | None = None,
                 scopes: list[str] | None = None, team_id: str = "T1") -> None:
        self.emails = emails or {}  # user id -> e-mail, for users.info
        self.scopes = frozenset(manifest_scopes() if scopes is None else scopes)
        self.team_id = team_id
        self.refused: list[tuple[str, str]] = []  # (method, error) that Slack would answer
        self.calls: list[Call] = []
        self._failures: dict[str, list[Failure]] = {}
        self._numbers = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.socket: web.WebSocketResponse | None = None  # the bot's Socket Mode connection
        self.sockets_opened = 0
        self.socket_replies: list[dict[str, Any]] = []
        self._responses: dict[str, int] = {}  # response_url name -> posts taken
        self.url = ""
        self.held = 0  # calls left unanswered by ``stall``
        self._stalled: set[str] = set()
        self._release = asyncio.Event()

    async def start(self) -> "FakeSlack":
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        assert not self.refused, f"Slack would have refused: {self.refused}"

    def take_refused(self) -> list[tuple[str, str]]:
        """The refusals so far (a test that expects them), forgotten from now on."""
        taken, self.refused = self.refused, []
        return taken

    def _refuse(self, method: str, error: str, status: int = 200,
                **details: Any) -> web.Response:
        self.refused.append((method, error))
        return web.json_response({"ok": False, "error": error, **details}, status=status,
                                 headers=self._scope_header())

    def _scope_header(self) -> dict[str, str]:
        return {"x-oauth-scopes": ",".join(sorted(self.scopes))}

    async def __aenter__(self) -> "FakeSlack":
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/respond/{name}"

    def fail(self, method: str, status: int, error: str = "failed",
             headers: dict[str, str] | None = None, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` (or posts to a "response_url") fail
        like Slack would."""
        self._failures.setdefault(method, []).extend(
            Failure(status, {"ok": False, "error": error}, headers or {}) for _ in range(times))

    def stall(self, token: str) -> None:
        """Leave every later call made with ``token`` unanswered (not recorded) until the
        fake stops, so its caller is caught mid-send."""
        self._stalled.add(token)

    def of(self, method: str) -> list[dict[str, Any]]:
        return [call.args for call in self.calls if call.method == method]

    def accepted(self, method: str) -> list[dict[str, Any]]:
        """The calls of ``method`` that the fake answered with success."""
        return [call.args for call in list(self.calls) if call.method == method and call.ok]

    def _failure(self, call: Call) -> web.Response | None:
        """Record ``call``; the scripted failure to answer it with, if any."""
        self.calls.append(call)
        if not self._failures.get(call.method):
            return None
        failure = self._failures[call.method].pop(0)
        call.ok = False
        return web.json_response(failure.body, status=failure.status, headers=failure.headers)

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or None
        if token in self._stalled:
            self.held += 1
            await self._release.wait()
            return web.json_response({"ok": False, "error": "service_unavailable"}, status=503)
        call = Call(method, args, token)
        failed = self._failure(call)
        if failed is not None:
            return failed
        refused = self._as_slack_would(method, args, token)
        if refused is not None:
            call.ok = False
            return refused
        return web.json_response(self._answer(method, args), headers=self._scope_header())

    def _as_slack_would(self, method: str, args: dict[str, Any],
                        token: str | None) -> web.Response | None:
        """Slack's refusal of a call, or None when Slack would carry it out."""
        if method in APP_LEVEL_SCOPES:
            if not (token or "").startswith("xapp-"):
                return self._refuse(method, "not_allowed_token_type")
            return None
        if method not in METHOD_SCOPES:
            return self._refuse(method, "unknown_method")
        needed = METHOD_SCOPES[method] - self.scopes
        if needed:
            return self._refuse(method, "missing_scope", needed=",".join(sorted(needed)),
                                provided=",".join(sorted(self.scopes)))
        if method in MESSAGE_METHODS and (problems := message_problems(args)):
            return self._refuse(method, "invalid_blocks", errors=problems)
        if method in ("views.open", "views.publish"):
            view = json.loads(args["view"]) if isinstance(args.get("view"), str) \
                else args.get("view", {})
            if problems := view_problems(view):
                return self._refuse(method, "invalid_arguments",
                                    response_metadata={"messages": problems})
        return None

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        number = next(self._numbers)
        ts = f"1700000000.{number:06d}"
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http", "ws") + "/socket"}
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": self.team_id,
                    "user": "network", "team": "Workspace", "url": self.url}
        if method in ("chat.postMessage", "chat.update"):
            return {"ok": True, "channel": args["channel"], "ts": args.get("ts", ts)}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{args['users']}"}}
        if method == "users.info":
            user = args["user"]
            profile: dict[str, Any] = {"real_name": f"Person {user}"}
            if EMAIL_SCOPE in self.scopes:
                profile["email"] = self.emails.get(user)
            return {"ok": True, "user": {"id": user, "name": user.lower(), "profile": profile}}
        if method in ("views.open", "views.publish"):
            return {"ok": True, "view": {"id": f"V{number}"}}
        if method == "chat.getPermalink":  # as Slack's reference shows one
            return {"ok": True, "channel": args["channel"], "permalink":
                    f"https://workspace.slack.com/archives/{args['channel']}/"
                    f"p{args['message_ts'].replace('.', '')}"}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "file_id": f"F{number}",
                    "upload_url": f"{self.url}/upload/F{number}"}
        if method == "files.completeUploadExternal":
            files = json.loads(args["files"]) if isinstance(args["files"], str) else args["files"]
            return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in files]}
        return {"ok": False, "error": "unknown_method"}

    async def _respond(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        message = await request.json()
        failed = self._failure(Call("response_url", {"name": name, **message}))
        if failed:
            return failed
        self._responses[name] = self._responses.get(name, 0) + 1
        if self._responses[name] > RESPONSE_URL_USES:
            self.refused.append(("response_url", "used_url"))
            return web.Response(status=404, text="used_url")
        if problems := message_problems(message):
            self.refused.append(("response_url", "invalid_blocks"))
            return web.Response(status=400, text=f"invalid_blocks: {problems}")
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then collect the bot's acknowledgements of envelopes
        (each checked as Slack checks a message)."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets_opened += 1
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "debug_info": {"host": "fake"},
                                "connection_info": {"app_id": "A1"}})
        self.socket = socket
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                reply = json.loads(message.data)
                self.socket_replies.append(reply)
                if "payload" in reply and (problems := message_problems(reply["payload"])):
                    self.refused.append(("socket ack", f"invalid_blocks: {problems}"))
        return socket

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the bot to move to a new connection, as Slack does every few hours."""
        assert self.socket is not None
        await self.socket.send_json({"type": "disconnect", "reason": reason,
                                     "debug_info": {"host": "fake"}})

    async def _upload(self, request: web.Request) -> web.Response:
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"],
                                          "content": await request.read()}))
        return web.Response(text="OK", content_type="text/plain")


class InThread(Generic[Served]):
    """An async context manager (a FakeSlack, a SlackWorld) entered on its own event loop in
    a daemon thread, for synchronous code: tests that drive other OS processes, or hypothesis
    examples that each send one request to a server started once."""

    def __init__(self, served: AbstractAsyncContextManager[Served]) -> None:
        self.served = served
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> Served:
        self._thread.start()
        return self.call(self.served.__aenter__())

    def __exit__(self, *_: object) -> None:
        self.call(self.served.__aexit__(None, None, None))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def call(self, coroutine: Coroutine[Any, Any, Result], timeout: float = 60) -> Result:
        """Run a coroutine on the thread's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)
