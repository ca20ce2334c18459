"""``POST /api/messages`` with real credentials, through botbuilder's real CloudAdapter built as
bot/teams.py builds it, against a local stand-in for the Bot Framework's OpenID metadata and
signing keys (tests/bot_framework_keys.py). Replies go to the fake Bot Connector
(tests/fake_teams.py) that the activities' serviceUrl points at.

The stand-in is wired in through ``ChannelValidation.open_id_metadata_endpoint``, the metadata URL
that botbuilder's public-cloud validation reads, so the validation under test is the one
production runs. The bot's own token for its replies (from login.microsoftonline.com, over https)
is a fixed string.
"""

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.schema import Error, ErrorResponse
from botbuilder.schema.teams import (
    MessagingExtensionResponse,
    MessagingExtensionResult,
    TaskModuleMessageResponse,
    TaskModuleResponse,
)
from botframework.connector.auth import ChannelValidation, MicrosoftAppCredentials
from sqlalchemy import Engine

from bot.app import App
from bot.server import create_web_app
from bot.teams_http import KEYS_UNAVAILABLE, NO_VALID_TOKEN, reason
from bot.teams_invoke import NOT_HANDLED
from bot.teams_settings import TeamsSettings
from handlers.runner import Runner
from settings.schema import AppConfig
from tests.bot_framework_keys import KEY_ID, BotFrameworkKeys, rsa_key
from tests.conftest import Clock, free_port
from tests.db_state import snapshot
from tests.fake_slack import InThread
from tests.fake_teams import FakeConnector
from tests.test_teams import TeamsClient, _items, card_text

APP_ID = "11111111-2222-3333-4444-555555555555"
SETTINGS = TeamsSettings(app_id=APP_ID, app_password="secret", tenant_id="tenant-1")
OUTBOUND_TOKEN = "the-bots-own-token-for-its-replies"
REFUSED = re.compile(r"Teams: refused a request from 127\.0\.0\.1 with HTTP (\d+): (.*)")


@dataclass
class Teams:
    """The server with real credentials, the fake connector and the signing keys' stand-in."""

    client: TeamsClient
    connector: FakeConnector
    keys: BotFrameworkKeys

    def token(self, activity: dict[str, Any], **changes: Any) -> str:
        """A channel token for ``activity``, as the Bot Framework signs it."""
        return self.keys.sign(self.keys.claims(APP_ID, activity["serviceUrl"], **changes))

    async def post(self, body: bytes, authorization: str | None,
                   content_type: str = "application/json") -> tuple[int, str]:
        headers = {"Content-Type": content_type}
        if authorization is not None:
            headers["Authorization"] = authorization
        async with aiohttp.ClientSession() as http, http.post(
                f"{self.client.base}/api/messages", data=body, headers=headers) as response:
            return response.status, await response.text()

    async def send(self, activity: dict[str, Any], authorization: str | None) -> tuple[int, str]:
        return await self.post(json.dumps(activity).encode(), authorization)


Scenario = Callable[[Teams], Awaitable[None]]


@pytest.fixture
def app(engine: Engine, config: AppConfig) -> App:
    return App(config=config, engine=engine, runner=Runner(engine, config, Clock()))


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[BotFrameworkKeys]:
    with InThread(BotFrameworkKeys()) as stand_in:
        monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", stand_in.metadata_url)
        yield stand_in


@pytest.fixture
def play(app: App, keys: BotFrameworkKeys,
         monkeypatch: pytest.MonkeyPatch) -> Callable[[Scenario], None]:
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token",
                        lambda self, force_refresh=False: OUTBOUND_TOKEN)

    def run(scenario: Scenario) -> None:
        async def main() -> None:
            connector = await FakeConnector().start()
            runner = web.AppRunner(create_web_app(app, None, teams=SETTINGS))
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            try:
                base = f"http://127.0.0.1:{runner.addresses[0][1]}"
                await scenario(Teams(TeamsClient(base, connector), connector, keys))
            finally:
                await runner.cleanup()
                await connector.stop()

        asyncio.run(main())

    return run


def _pieces(token: str) -> list[str]:
    """The segments of an Authorization header's token (header, claims, signature), none of
    which may reach a log."""
    return [piece for piece in re.split(r"[\s.]+", token) if len(piece) >= 8]


def _refusals(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    """(status, reason) of each log line at WARNING or above, all of which must be refusals."""
    loud = [record for record in caplog.records if record.levelno >= logging.WARNING]
    found = [REFUSED.fullmatch(record.getMessage()) for record in loud]
    assert all(found), [record.getMessage() for record in loud]
    return [(int(match[1]), match[2]) for match in found if match]


def test_a_token_signed_as_the_bot_framework_signs_is_accepted(
    play: Callable[[Scenario], None], engine: Engine, caplog: pytest.LogCaptureFixture,
) -> None:
    """Reference: botbuilder's CloudAdapter with a local stand-in for the Bot Framework's keys."""
    caplog.set_level(logging.DEBUG)
    tokens: list[str] = []

    async def scenario(teams: Teams) -> None:
        activity = teams.client.activity(text="agenda add Remittance costs")
        tokens.append(teams.token(activity))
        assert await teams.send(activity, f"Bearer {tokens[0]}") == (201, "")
        [answer] = teams.connector.sent
        assert "Remittance costs" in card_text([answer])
        assert answer.authorization == f"Bearer {OUTBOUND_TOKEN}"

    play(scenario)
    assert _items(engine) == ["Remittance costs"]
    assert _refusals(caplog) == []
    assert not any(piece in caplog.text for piece in _pieces(tokens[0]))


def _unsigned(teams: Teams, activity: dict[str, Any]) -> str:
    """alg none: a token that claims everything and carries no signature."""
    claims = teams.keys.claims(APP_ID, activity["serviceUrl"])
    return jwt.encode(claims, None, algorithm="none", headers={"kid": KEY_ID})


def _hmac(teams: Teams, activity: dict[str, Any]) -> str:
    """HS256 with a secret the forger chose, naming the real key."""
    claims = teams.keys.claims(APP_ID, activity["serviceUrl"])
    return jwt.encode(claims, "a-secret-the-forger-picked-for-hmac", algorithm="HS256",
                      headers={"kid": KEY_ID})


def _someone_elses_key(teams: Teams, activity: dict[str, Any]) -> str:
    """Signed with another RSA key, naming the stand-in's key id: a bad signature."""
    return teams.keys.sign(teams.keys.claims(APP_ID, activity["serviceUrl"]), key=rsa_key())


Forger = Callable[[Teams, dict[str, Any]], str | None]  # the Authorization header, or none

FORGED: dict[str, tuple[Forger, str]] = {
    "no Authorization header": (
        lambda teams, activity: None,
        "PermissionError: Required Authorization token was not supplied"),
    "not a JWT": (
        lambda teams, activity: "Bearer this-is-not-a-jwt-at-all",
        "DecodeError: Not enough segments"),
    "alg none": (
        lambda teams, activity: f"Bearer {_unsigned(teams, activity)}",
        "Exception: Token signing algorithm not in allowed list"),
    "HS256": (
        lambda teams, activity: f"Bearer {_hmac(teams, activity)}",
        "Exception: Token signing algorithm not in allowed list"),
    "unknown key id": (
        lambda teams, activity: "Bearer " + teams.keys.sign(
            teams.keys.claims(APP_ID, activity["serviceUrl"]), kid="a-key-nobody-published"),
        "IndexError: list index out of range"),
    "bad signature": (
        lambda teams, activity: f"Bearer {_someone_elses_key(teams, activity)}",
        "InvalidSignatureError: Signature verification failed"),
    "expired": (  # botbuilder allows five minutes of clock skew
        lambda teams, activity: "Bearer " + teams.token(
            activity, nbf=int(time.time()) - 7200, exp=int(time.time()) - 600),
        "ExpiredSignatureError: Signature has expired"),
    "another bot's audience": (
        lambda teams, activity: "Bearer " + teams.token(activity, aud="another-bots-app-id"),
        "PermissionError: Unauthorized. Invalid AppId passed on token: another-bots-app-id"),
    "another issuer": (
        lambda teams, activity: "Bearer " + teams.token(activity, iss="https://forger.example"),
        "PermissionError: Unauthorized. No valid identity."),
    "another serviceurl": (
        lambda teams, activity: "Bearer " + teams.token(
            activity, serviceurl="https://smba.forger.example/"),
        "PermissionError: Unauthorized. service_url claim do not match."),
    "Basic scheme": (
        lambda teams, activity: "Basic " + teams.token(activity),
        "PermissionError: Unauthorized. No valid identity."),
}


@pytest.mark.parametrize("forgery", FORGED)
def test_a_refused_token_answers_401_with_one_log_line_and_changes_nothing(
    forgery: str, play: Callable[[Scenario], None], engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reference: botbuilder's CloudAdapter with a local stand-in for the Bot Framework's keys."""
    forger, why = FORGED[forgery]
    caplog.set_level(logging.DEBUG)
    before = snapshot(engine)
    headers: list[str] = []

    async def scenario(teams: Teams) -> None:
        activity = teams.client.activity(text="agenda add Remittance costs")
        header = forger(teams, activity)
        headers.append(header or "")
        status, body = await teams.send(activity, header)
        assert (status, body) == (401, f"{NO_VALID_TOKEN}\n")
        assert teams.connector.sent == []

    play(scenario)
    assert _refusals(caplog) == [(401, why)]
    assert not any(piece in caplog.text for piece in _pieces(headers[0]))
    assert snapshot(engine) == before


def test_a_refusal_reason_never_repeats_the_token() -> None:
    """Reference: the README's promise that no log line shows the token, for an exception whose
    message quotes it (none of botbuilder's or PyJWT's do today)."""
    keys = BotFrameworkKeys()
    token = keys.sign(keys.claims(APP_ID, "https://smba.example/"))
    why = reason(ValueError(f"cannot use {token} (header {token.split('.')[0]})"),
                 f"Bearer {token}")
    assert why == "ValueError: cannot use <token>.<token>.<token> (header <token>)"


NOT_ACTIVITIES = {
    "text/plain": ("text/plain", b'{"type": "message", "text": "whoami"}',
                   "the body must be application/json"),
    "a form": ("application/x-www-form-urlencoded", b"type=message&text=whoami",
               "the body must be application/json"),
    "not JSON": ("application/json", b'{"type": "message", ', "the body is not JSON"),
    "not UTF-8": ("application/json", b'{"type": "\xff"}', "the body is not JSON"),
    "a list": ("application/json", b'[{"type": "message"}]',
               "the body is not an activity (a JSON object with a type)"),
    "a string": ("application/json", b'"message"',
                 "the body is not an activity (a JSON object with a type)"),
    "no type": ("application/json", b'{"text": "whoami"}',
                "the body is not an activity (a JSON object with a type)"),
    "a number as type": ("application/json", b'{"type": 5}',
                         "the body is not an activity (a JSON object with a type)"),
    "a sender that is a number": ("application/json", b'{"type": "message", "from": 5}',
                                  "the body is not an activity (a field has the wrong shape)"),
}


@pytest.mark.parametrize("body", NOT_ACTIVITIES)
def test_a_body_that_is_not_an_activity_answers_400(
    body: str, play: Callable[[Scenario], None], engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reference: the Bot Framework's activity schema (a JSON object with a ``type``)."""
    content_type, data, why = NOT_ACTIVITIES[body]
    before = snapshot(engine)

    async def scenario(teams: Teams) -> None:
        token = teams.token(teams.client.activity())
        assert await teams.post(data, f"Bearer {token}", content_type) == (400, f"{why}\n")
        assert teams.connector.sent == []

    play(scenario)
    assert _refusals(caplog) == [(400, why)]
    assert snapshot(engine) == before


def test_signing_keys_that_cannot_be_fetched_answer_503(
    play: Callable[[Scenario], None], engine: Engine, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reference: botbuilder's CloudAdapter, its metadata URL pointing where nothing listens."""
    nowhere = f"http://127.0.0.1:{free_port()}/v1/.well-known/openidconfiguration"
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", nowhere)

    async def scenario(teams: Teams) -> None:
        activity = teams.client.activity(text="agenda add Remittance costs")
        status, body = await teams.send(activity, f"Bearer {teams.token(activity)}")
        assert (status, body) == (503, f"{KEYS_UNAVAILABLE}\n")
        assert teams.connector.sent == []

    play(scenario)
    [(status, why)] = _refusals(caplog)
    assert status == 503 and why.startswith("cannot fetch the Bot Framework's signing keys: ")
    assert _items(engine) == []


DIALOG_MESSAGE = serializer_helper(
    TaskModuleResponse(task=TaskModuleMessageResponse(value=NOT_HANDLED)))
INVOKES: dict[str, tuple[dict[str, Any], int, Any]] = {
    # Microsoft's documented Universal Actions message (botbuilder's AdaptiveCardInvokeResponse
    # cannot hold it: it types value as an object)
    "adaptiveCard/action": (
        {"action": {"type": "Action.Execute", "verb": "vote", "data": {"poll": 1}}}, 200,
        {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
         "value": NOT_HANDLED}),
    "task/fetch": ({"data": {"msteams": {"type": "task/fetch"}}}, 200, DIALOG_MESSAGE),
    "task/submit": ({"data": {"reason": "Too early"}}, 200, DIALOG_MESSAGE),
    "composeExtension/query": (
        {"commandId": "search", "parameters": [{"name": "q", "value": "remittances"}]}, 200,
        serializer_helper(MessagingExtensionResponse(
            compose_extension=MessagingExtensionResult(type="message", text=NOT_HANDLED)))),
    "composeExtension/fetchTask": ({"commandId": "createAgendaItem"}, 200, DIALOG_MESSAGE),
    "config/fetch": ({}, 400, serializer_helper(
        ErrorResponse(error=Error(code="BadRequest", message=NOT_HANDLED)))),
}


@pytest.mark.parametrize("name", INVOKES)
def test_an_invoke_the_bot_does_not_handle_gets_a_documented_answer_with_a_message(
    name: str, play: Callable[[Scenario], None], engine: Engine,
) -> None:
    """Reference: Microsoft's documented invoke responses (Universal Actions; dialogs, message
    extensions and the Bot Framework's error body as botbuilder's schema models serialize them),
    through botbuilder's CloudAdapter with a local stand-in for the Bot Framework's keys."""
    value, expected_status, expected_body = INVOKES[name]

    async def scenario(teams: Teams) -> None:
        activity = teams.client.activity("invoke", name=name, value=value)
        status, body = await teams.send(activity, f"Bearer {teams.token(activity)}")
        assert (status, json.loads(body)) == (expected_status, expected_body)
        assert teams.connector.sent == []

    play(scenario)
    assert _items(engine) == []
