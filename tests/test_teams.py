"""Teams end to end: Bot Framework activities posted to ``/api/messages`` of the real server
(emulator settings: authentication off, loopback), answered through the real botbuilder
connector client against a fake Bot Connector on loopback that records what the bot sends
(tests/teams_world.py)."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.app import App
from bot.config import AppConfig
from bot.server import create_web_app
from bot.teams_settings import TeamsSettings
from handlers.runner import Runner
from storage.models import AgendaItem, ConversationRef
from tests.conftest import Clock
from tests.fake_slack import FakeSlack
from tests.fake_teams import FakeConnector
from tests.slack_world import SlackWorld
from tests.teams_world import BOT, CHANNEL, PERSONAL, TeamsClient, TeamsWorld, card_text, user
from tests.test_slack_server import _until

Scenario = Callable[[TeamsClient, FakeConnector], Awaitable[None]]


@pytest.fixture
def app(engine: Engine, config: AppConfig) -> App:
    return App(config=config, engine=engine, runner=Runner(engine, config, Clock()))


@pytest.fixture
def play(app: App) -> Callable[[Scenario], None]:
    def run(scenario: Scenario) -> None:
        async def main() -> None:
            async with TeamsWorld(app) as world:
                await scenario(world.teams, world.connector)

        asyncio.run(main())

    return run


def _items(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(AgendaItem.text).order_by(AgendaItem.id)).all())


def _references(engine: Engine) -> dict[str, dict[str, Any]]:
    with Session(engine) as session:
        return {row.conversation_id: row.reference for row in session.exec(
            select(ConversationRef).where(ConversationRef.platform == "teams")).all()}


def test_a_message_is_answered_with_an_adaptive_card_and_its_conversation_stored(
    play: Callable[[Scenario], None], engine: Engine,
) -> None:
    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        [answer] = await teams.say("whoami", id="incoming-1")
        assert answer.method == "POST" and answer.conversation == PERSONAL
        assert answer.activity_id == "incoming-1"  # a reply to the member's message
        [card] = answer.cards
        assert answer.activity["attachments"][0]["contentType"] == \
            "application/vnd.microsoft.card.adaptive"
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
        assert "You are IOM Focal Point" in json.dumps(card)
        assert all(block.get("wrap") for block in card["body"] if block["type"] == "TextBlock")

    play(scenario)
    reference = _references(engine)[PERSONAL]
    assert reference["user"]["aadObjectId"] == "PLACEHOLDER-AAD-IOM"
    assert reference["bot"]["id"] == BOT["id"]
    assert reference["serviceUrl"].startswith("http://127.0.0.1:")


def test_someone_not_on_the_roster_is_refused_politely(
    play: Callable[[Scenario], None], engine: Engine,
) -> None:
    stranger = {"id": "29:x", "name": "Stranger", "aadObjectId": "00000000-unknown"}

    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        sent = await teams.say("agenda add Remittances", sender=stranger)
        assert "You are not on the roster of UN Network on Migration in Lao PDR" in \
            card_text(sent)

    play(scenario)
    assert _items(engine) == []


def test_in_a_channel_the_bots_mention_is_stripped_and_others_become_neutral(
    play: Callable[[Scenario], None], engine: Engine,
) -> None:
    mention_bot = {"type": "mention", "text": "<at>Network</at>", "mentioned": BOT}
    mention_ilo = {"type": "mention", "text": "<at>ILO Focal Point</at>",
                   "mentioned": user("ILO")}

    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        # The mention names ILO's focal point by Azure AD object id, found on the roster.
        sent = await teams.say("<at>Network</at> people move <at>ILO Focal Point</at> ILO",
                               conversation=CHANNEL, conversation_type="channel",
                               entities=[mention_bot, mention_ilo])
        assert "ILO Focal Point is already with ILO." in card_text(sent)
        sent = await teams.say("<at>Network</at> agenda add Safe migration for *all* [x](y)",
                               conversation=CHANNEL, conversation_type="channel",
                               entities=[mention_bot])
        assert "\\\\[x\\\\](y)" in card_text(sent)  # markdown shown, not linked

    play(scenario)
    assert _items(engine) == ["Safe migration for *all* [x](y)"]
    assert CHANNEL in _references(engine)


def test_a_redelivered_activity_runs_once(
    play: Callable[[Scenario], None], engine: Engine,
) -> None:
    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        first = await teams.say("agenda add Remittances", id="same-activity")
        again = await teams.say("agenda add Remittances", id="same-activity")
        assert card_text(first) == card_text(again)

    play(scenario)
    assert _items(engine) == ["Remittances"]


def test_installing_the_app_stores_the_conversation(
    play: Callable[[Scenario], None], engine: Engine,
) -> None:
    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        update = teams.activity("conversationUpdate", conversation=CHANNEL,
                                conversation_type="channel", membersAdded=[BOT])
        assert await teams.post(update) == 201
        assert connector.sent == []

    play(scenario)
    assert _references(engine)[CHANNEL]["conversation"]["conversationType"] == "channel"



def test_card_buttons_and_forms_run_their_commands(
    play: Callable[[Scenario], None], engine: Engine,
) -> None:
    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        await teams.post(teams.activity("conversationUpdate", conversation=CHANNEL,
                                        conversation_type="channel", membersAdded=[BOT]))
        await teams.say('poll propose "Joint statement on safe migration"', sender=user("RCO"))
        # The outbox posts the poll to channels.teams through the stored reference.
        await _until(lambda: any(s.conversation == CHANNEL and s.activity_id is None
                                 for s in connector.sent))
        [posted] = [s for s in connector.sent if s.conversation == CHANNEL]
        [card] = posted.cards
        buttons = {action["title"]: action for action in card["actions"]}
        assert buttons["Agree"]["type"] == "Action.Submit"
        assert buttons["Agree"]["data"] == {"command": "vote #1 agree"}
        # The button, as Teams sends it: a message activity whose value is the data.
        clicked = await teams.say(None, sender=user("ILO"), value=buttons["Agree"]["data"])
        assert "Recorded: ILO agrees on poll #1" in card_text(clicked)
        # The tally updates the channel's poll card in place.
        await _until(lambda: any(s.method == "PUT" for s in connector.sent))
        [update] = [s for s in connector.sent if s.method == "PUT"]
        assert update.conversation == CHANNEL and update.activity_id == posted.response_id
        assert "ILO" in card_text([update])
        # Objecting asks for a reason with a form; its submit fills the template.
        form_reply = await teams.say("vote #1 object", sender=user("UNICEF"))
        [form_card] = json.loads(card_text(form_reply))
        inputs = [e for e in form_card["body"] if e["type"].startswith("Input.")]
        assert inputs and inputs[0]["type"] == "Input.Text" and inputs[0]["isMultiline"]
        [submit] = form_card["actions"]
        data = {**submit["data"], inputs[0]["id"]: "Too early to say"}
        submitted = await teams.say(None, sender=user("UNICEF"), value=data)
        assert "Recorded: UNICEF objects on poll #1" in card_text(submitted)
        shown = card_text(await teams.say("poll show #1"))
        assert "ILO" in shown and "Too early to say" in shown

    play(scenario)


def test_one_poll_one_tally_from_slack_and_teams(engine: Engine, app: App) -> None:
    async def main() -> None:
        connector = await FakeConnector().start()
        async with SlackWorld(app, FakeSlack(), 2.0, TeamsSettings.for_emulator()) as slack:
            teams = TeamsClient(slack.base, connector)
            await slack.command('poll propose "Joint statement on safe migration"',
                                user="U-PLACEHOLDER-RCO")
            await slack.command("vote #1 agree", user="U-PLACEHOLDER-ILO")
            voted = await teams.say("vote #1 agree", sender=user("UNICEF"))
            assert "Recorded: UNICEF agrees on poll #1" in card_text(voted)
            await slack.settle()
            shown = card_text(await teams.say("poll show #1"))
            assert "*Agree* (2)" in shown.replace("**", "*") and "ILO" in shown \
                and "UNICEF" in shown
            await _until(lambda: slack.fake.of("chat.update"))
        await connector.stop()

    asyncio.run(main())


def test_with_credentials_an_activity_without_a_token_is_refused(
    app: App, engine: Engine,
) -> None:
    settings = TeamsSettings(app_id="11111111-2222-3333-4444-555555555555",
                             app_password="secret", tenant_id="tenant-1")

    async def main() -> None:
        connector = await FakeConnector().start()
        runner = web.AppRunner(create_web_app(app, None, teams=settings))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            teams = TeamsClient(f"http://127.0.0.1:{runner.addresses[0][1]}", connector)
            assert await teams.post(teams.activity(text="agenda add Remittances")) == 401
        finally:
            await runner.cleanup()
            await connector.stop()
        assert connector.sent == []

    asyncio.run(main())
    assert _items(engine) == [] and _references(engine) == {}


def test_someone_unknown_by_object_id_is_matched_by_the_email_teams_has(
    play: Callable[[Scenario], None], engine: Engine,
) -> None:
    newcomer = {"id": "29:new-ilo", "name": "New ILO", "aadObjectId": "aad-not-in-app-yaml"}
    unknown = {"id": "29:nobody", "name": "Nobody", "aadObjectId": "aad-nobody"}

    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        connector.members["29:new-ilo"] = {"id": "29:new-ilo", "name": "New ILO",
                                           "email": "ILO.Focal@placeholder.invalid"}
        assert "You are ILO Focal Point" in card_text(await teams.say("whoami", sender=newcomer))
        refused = card_text(await teams.say("agenda add Remittances", sender=unknown))
        assert "You are not on the roster" in refused

    play(scenario)
    assert _items(engine) == []
