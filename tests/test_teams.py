"""Teams end to end: Bot Framework activities posted to ``/api/messages`` of the real server
(emulator settings: authentication off, loopback), answered through the real botbuilder
connector client against a fake Bot Connector on loopback that records what the bot sends
(tests/teams_world.py)."""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.app import App
from bot.teams_settings import TeamsSettings
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.models import AgendaItem, ConversationRef, Outbox, Vote
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
def play(app: App) -> Callable[..., None]:
    def run(scenario: Scenario, settings: TeamsSettings | None = None) -> None:
        async def main() -> None:
            async with TeamsWorld(app, settings) as world:
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


def test_in_a_channel_or_group_chat_only_messages_that_mention_the_bot_are_commands(
    play: Callable[[Scenario], None], engine: Engine,
) -> None:
    """Reference: Teams' documented rule that a bot in a channel or group chat is addressed by
    @mentioning it; other messages there are people talking to each other."""
    group = "19:PLACEHOLDER-group@thread.v2"
    mention_ilo = {"type": "mention", "text": "<at>ILO Focal Point</at>",
                   "mentioned": user("ILO")}

    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        assert await teams.say("agenda add Chatter", conversation=CHANNEL,
                               conversation_type="channel") == []
        assert await teams.say("<at>ILO Focal Point</at> agenda add More chatter",
                               conversation=group, conversation_type="groupChat",
                               entities=[mention_ilo]) == []
        assert "You are IOM Focal Point" in card_text(await teams.say("whoami"))

    play(scenario)
    assert _items(engine) == []
    assert {CHANNEL, group, PERSONAL} <= set(_references(engine))


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
        assert buttons["Agree"]["data"] == {"form": "vote", "params": {"poll": 1},
                                            "position": "agree"}
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


def test_a_card_submit_carries_no_code_and_a_forged_one_changes_nothing(
    play: Callable[[Scenario], None], engine: Engine,
) -> None:
    """Issue 15: the card's submit carried a template that the server ran str.format on.
    Now only a form id, record numbers and values come back; the server rebuilds the command.
    Buttons too (issue 19): a button's data is a form's submission, not a command line."""
    forged = [
        {"template": "agenda add {x.__class__.__mro__}", "fields": ["x"], "x": "y"},
        {"template": "help {x:>400000000}", "fields": ["x"], "x": "y"},
        {"template": "{0}", "fields": []},
        {"form": "agenda add {item}", "item": "x"},
        {"form": "objection", "params": {"poll": "1 #agreed"}, "reason": "x"},
        {"form": "objection", "params": {}, "reason": "x"},
        {"form": "objection", "params": {"poll": 1}, "reason": ["not", "text"]},
        {"form": "minutes", "params": {}, "meeting": "#1 #agreed injected", "body": "#info x"},
        # A button of the version whose buttons carried a command line, or a forged one.
        {"command": "agenda add Pressed as text"},
        {"command": "vote #1 agree"},
    ]

    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        await teams.say('poll propose "Joint statement on safe migration"', sender=user("RCO"))
        for value in forged:
            answer = card_text(await teams.say(None, sender=user("UNICEF"), value=value))
            assert "nothing was done" in answer or "is not a record number" in answer, value
        literal = {"form": "objection", "params": {"poll": 1}, "reason": "{x:>400000000}"}
        answer = card_text(await teams.say(None, sender=user("UNICEF"), value=literal))
        assert "Recorded: UNICEF objects on poll #1" in answer

    play(scenario)
    assert _items(engine) == []
    with Session(engine) as session:
        assert session.exec(select(Vote.reason)).all() == ["{x:>400000000}"]  # data, as typed
        assert len(session.exec(select(Vote)).all()) == 1  # the forged votes changed nothing


def _in_tenant(activity: dict[str, Any], tenant: str) -> dict[str, Any]:
    return {**activity, "channelData": {"tenant": {"id": tenant}},
            "conversation": {**activity["conversation"], "tenantId": tenant}}


def test_activities_of_another_tenant_are_refused_once_logged_and_store_nothing(
    play: Callable[..., None], engine: Engine, caplog: pytest.LogCaptureFixture,
) -> None:
    """The bot serves its tenants only (here a multi-tenant allow-list): someone of another
    organisation whose Teams e-mail equals a focal point's is not taken for that focal point."""
    settings = TeamsSettings(app_type="MultiTenant", allowed_tenants=frozenset({"tenant-1"}),
                             emulator=True)
    lookalike = {"id": "29:other-iom", "name": "IOM Focal Point", "aadObjectId": "aad-other"}

    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        connector.members["29:other-iom"] = {"id": "29:other-iom",
                                             "email": "IOM.Focal@placeholder.invalid"}
        for text in ("agenda add Not from us", "whoami", "poll close #1"):
            activity = _in_tenant(teams.activity(text=text, sender=lookalike,
                                                 conversation="a:other"), "tenant-2")
            assert await teams.post(activity) == 201
        added = _in_tenant(teams.activity("conversationUpdate", conversation="19:other",
                                          conversation_type="channel", membersAdded=[BOT]),
                           "tenant-2")
        assert await teams.post(added) == 201
        assert connector.sent == []
        assert "You are IOM Focal Point" in card_text(await teams.say("whoami"))

    with caplog.at_level(logging.WARNING):
        play(scenario, settings)
    assert _items(engine) == [] and list(_references(engine)) == [PERSONAL]
    refused = [r.getMessage() for r in caplog.records if "Refused Teams" in r.getMessage()]
    assert refused == ["Refused Teams activities from tenant tenant-2: the bot serves tenant-1"]


def test_the_tenant_is_kept_on_references_and_sent_with_every_proactive_post(
    play: Callable[..., None], engine: Engine,
) -> None:
    """Teams sends conversation.tenantId, which botbuilder's schema (tenantID) drops; the
    reference keeps it and a proactive post carries conversation.tenantId and
    channelData.tenant.id, as Microsoft's proactive-messaging docs ask."""
    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        added = teams.activity("conversationUpdate", conversation=CHANNEL,
                               conversation_type="channel", membersAdded=[BOT])
        added["conversation"].pop("tenantId")  # only channelData says it here
        await teams.post(added)
        assert _references(engine)[CHANNEL]["conversation"]["tenantId"] == "tenant-1"
        await teams.say('poll propose "Joint statement on safe migration"', sender=user("RCO"))
        await _until(lambda: any(s.conversation == CHANNEL for s in connector.sent))
        [posted] = [s for s in connector.sent if s.conversation == CHANNEL]
        activity = posted.activity
        assert posted.method == "POST" and posted.activity_id is None  # a new post, no thread
        assert activity["conversation"] == {"id": CHANNEL, "conversationType": "channel",
                                            "tenantId": "tenant-1"}
        assert activity["channelData"] == {"tenant": {"id": "tenant-1"}}
        assert activity["type"] == "message" and activity["from"] == BOT
        assert [a["contentType"] for a in activity["attachments"]] == \
            ["application/vnd.microsoft.card.adaptive"]
        assert "replyToId" not in activity and activity["summary"] == "Poll #1"

    play(scenario)


def test_a_channel_keeps_one_reference_however_many_threads(
    play: Callable[..., None], engine: Engine,
) -> None:
    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        for thread in range(15):
            await teams.say("<at>Network</at> whoami", conversation=f"{CHANNEL};messageid={thread}",
                            conversation_type="channel",
                            entities=[{"type": "mention", "text": "<at>Network</at>",
                                       "mentioned": BOT}])

    play(scenario)
    assert list(_references(engine)) == [CHANNEL]
    assert _references(engine)[CHANNEL]["conversation"]["id"] == CHANNEL


def test_one_activity_id_in_two_conversations_is_two_commands(
    play: Callable[..., None], engine: Engine,
) -> None:
    """Activity ids are unique only within a conversation: WHO's command in one chat must not
    be answered with ILO's stored reply from another."""
    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        ilo = await teams.say("agenda add Skills recognition", id="1", sender=user("ILO"),
                              conversation="a:personal-ilo")
        who = await teams.say("agenda add Health of migrants", id="1", sender=user("WHO"),
                              conversation="a:personal-who")
        assert "Skills recognition" in card_text(ilo) and "Health of migrants" in card_text(who)
        again = await teams.say("agenda add Skills recognition", id="1", sender=user("ILO"),
                                conversation="a:personal-ilo")
        assert card_text(again) == card_text(ilo)  # a redelivery: answered once, stored once

    play(scenario)
    assert _items(engine) == ["Skills recognition", "Health of migrants"]


def test_posts_wait_for_a_channel_the_bot_is_not_in_and_go_out_when_it_is_added(
    play: Callable[..., None], engine: Engine,
) -> None:
    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        proposed = card_text(await teams.say('poll propose "Joint statement on safe migration"',
                                             sender=user("RCO")))
        assert "Not posted in Teams: the bot has not been added to the network's Teams " \
            f"channel ({CHANNEL}) yet" in proposed
        await _until(lambda: _statuses(engine) == ["waiting"])
        assert not any(s.conversation == CHANNEL for s in connector.sent)
        await teams.post(teams.activity("conversationUpdate", conversation=CHANNEL,
                                        conversation_type="channel", membersAdded=[BOT]))
        await _until(lambda: any(s.conversation == CHANNEL for s in connector.sent))
        [posted] = [s for s in connector.sent if s.conversation == CHANNEL]
        assert "Joint statement on safe migration" in card_text([posted])
        await _until(lambda: _statuses(engine) == ["sent"])
        again = card_text(await teams.say('poll propose "Adopt the work plan"',
                                          sender=user("RCO")))
        assert "Not posted in Teams" not in again

    play(scenario)


def _statuses(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox.status).where(
            Outbox.kind == "poll.opened").order_by(Outbox.id)).all())


def test_a_submitted_form_card_is_closed_so_a_second_click_cannot_post_again(
    play: Callable[..., None],
) -> None:
    async def scenario(teams: TeamsClient, connector: FakeConnector) -> None:
        await teams.say('poll propose "Joint statement on safe migration"', sender=user("RCO"))
        [asked] = await teams.say("vote #1 object", sender=user("UNICEF"))
        [submit] = asked.cards[0]["actions"]
        data = {**submit["data"], "reason": "Too early to say"}
        done = await teams.say(None, sender=user("UNICEF"), value=data,
                               replyToId=asked.response_id)
        assert "Recorded: UNICEF objects on poll #1" in card_text(done)
        [closed] = [s for s in connector.sent if s.method == "PUT"
                    and s.activity_id == asked.response_id]
        assert "Sent. Recorded: UNICEF objects on poll #1" in card_text([closed])
        assert "actions" not in closed.cards[0]

    play(scenario)
