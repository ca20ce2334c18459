"""The outbox's Teams notifier against the fake Bot Connector, through stored references."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.app import App
from bot.config import ConfigError
from bot.teams import TeamsAdapter
from bot.teams_notifier import TeamsNotifier, remember
from bot.teams_settings import TeamsSettings
from handlers.core import Choice, Reply, bold
from handlers.runner import Runner
from scheduler.notifier import Delivery, DeliveryFailed, PostedRef, RetryLater
from settings.schema import AppConfig
from storage.models import Meeting
from tests.conftest import BotHarness, Clock
from tests.db_state import outbox
from tests.fake_teams import FakeConnector
from tests.teams_reference import card_problems

NETWORK = "19:PLACEHOLDER-network@thread.tacv2"
PERSONAL = "a:personal-ilo"
POLL = Reply(title="Poll #3", text=f"Create a WG on {bold('data')}? *all* [link](x)",
             private=False,
             choices=[Choice(label, "vote", {"poll": 3}, {"position": label.lower()})
                      for label in ("Agree", "Object")])


def _reference(url: str, conversation: str, kind: str, aad: str = "") -> dict[str, Any]:
    return {"activityId": "incoming-9", "user": {"id": "29:x", "aadObjectId": aad},
            "bot": {"id": "28:network-bot", "name": "Network"},
            "conversation": {"id": conversation, "conversationType": kind},
            "channelId": "msteams", "serviceUrl": url}


def _with_teams(scenario: Callable[[FakeConnector, TeamsNotifier], Awaitable[Any]],
                engine: Engine, config: AppConfig, remembered: bool = True) -> Any:
    async def main() -> Any:
        connector = await FakeConnector().start()
        if remembered:
            remember(engine, _reference(connector.url, NETWORK, "channel"), Clock().now)
            remember(engine, _reference(connector.url, PERSONAL, "personal",
                                        "PLACEHOLDER-AAD-ILO"), Clock().now)
        app = App(config=config, engine=engine, runner=Runner(engine, config, Clock()))
        try:
            return await scenario(connector,
                                  TeamsAdapter(app, TeamsSettings.for_emulator()).sender)
        finally:
            await connector.stop()

    return asyncio.run(main())


def _delivery(reply: Reply = POLL, **kwargs: Any) -> Delivery:
    return Delivery(**{"outbox_id": 7, "kind": "poll.opened", "reply": reply,
                       "to_network": True, **kwargs})


def test_posts_a_card_to_the_network_channel_and_returns_refs(
    engine: Engine, config: AppConfig,
) -> None:
    async def scenario(connector: FakeConnector, notifier: TeamsNotifier) -> None:
        refs = await notifier.send(_delivery())
        [posted] = connector.sent
        assert posted.method == "POST" and posted.conversation == NETWORK
        assert posted.activity_id is None  # a new message, not a reply to the stored one
        [card] = posted.cards
        assert card["body"][0]["text"] == "Poll #3"
        assert card["body"][1]["text"] == "Create a WG on **data**? \\*all\\* \\[link\\](x)"
        assert [a["data"] for a in card["actions"]] == [
            {"form": "vote", "params": {"poll": 3}, "position": position}
            for position in ("agree", "object")]
        assert refs == [PostedRef(NETWORK, "sent-1")]
        assert notifier.platform == "teams" and notifier.min_interval == pytest.approx(1 / 7)

    _with_teams(scenario, engine, config)


def test_people_are_reached_in_their_personal_chat(engine: Engine, config: AppConfig) -> None:
    async def scenario(connector: FakeConnector, notifier: TeamsNotifier) -> None:
        late = Reply(text="Minutes of meeting #2 are overdue.")
        refs = await notifier.send(_delivery(late, to_network=False,
                                             people=("PLACEHOLDER-AAD-ILO",), late=True))
        [posted] = connector.sent
        assert posted.conversation == PERSONAL and refs == [PostedRef(PERSONAL, "sent-1")]
        # the dispatcher puts the one lateness note in the text; no footnote repeats it
        assert "Sent late" not in str(posted.cards)
        with pytest.raises(DeliveryFailed, match="no personal chat") as failed:
            await notifier.send(_delivery(late, to_network=False, people=("unknown-aad",)))
        assert not failed.value.transient

    _with_teams(scenario, engine, config)


def test_a_tally_updates_the_card_in_place(engine: Engine, config: AppConfig) -> None:
    async def scenario(connector: FakeConnector, notifier: TeamsNotifier) -> None:
        tally = Reply(title="Poll #3", text="Agree (1): ILO")
        refs = await notifier.send(_delivery(tally, update_refs=(PostedRef(NETWORK, "m-1"),)))
        [update] = connector.sent
        assert (update.method, update.conversation, update.activity_id) == \
            ("PUT", NETWORK, "m-1")
        assert "Agree (1): ILO" in str(update.cards)
        assert refs == [PostedRef(NETWORK, "m-1")]

    _with_teams(scenario, engine, config)


@pytest.mark.parametrize("status", [412, 502, 504])
def test_busy_answers_are_transient_failures(
    status: int, engine: Engine, config: AppConfig,
) -> None:
    async def scenario(connector: FakeConnector, notifier: TeamsNotifier) -> None:
        connector.fail(status)
        with pytest.raises(DeliveryFailed, match=f"HTTP {status}") as failed:
            await notifier.send(_delivery())
        assert failed.value.transient
        assert await notifier.send(_delivery()) == [PostedRef(NETWORK, "sent-1")]

    _with_teams(scenario, engine, config)


def test_rate_limits_and_refusals(engine: Engine, config: AppConfig) -> None:
    async def scenario(connector: FakeConnector, notifier: TeamsNotifier) -> None:
        connector.fail(429, {"Retry-After": "12"})
        with pytest.raises(RetryLater) as later:
            await notifier.send(_delivery())
        assert later.value.seconds == 12
        connector.fail(403)
        with pytest.raises(DeliveryFailed, match="HTTP 403") as refused:
            await notifier.send(_delivery())
        assert not refused.value.transient
        assert connector.sent == []

    _with_teams(scenario, engine, config)


def test_a_channel_the_bot_was_never_added_to_waits_for_it(
    engine: Engine, config: AppConfig,
) -> None:
    async def scenario(connector: FakeConnector, notifier: TeamsNotifier) -> None:
        with pytest.raises(DeliveryFailed, match="has not been added") as failed:
            await notifier.send(_delivery())
        assert not failed.value.transient
        assert failed.value.waiting_for == f"teams:{NETWORK}"

    _with_teams(scenario, engine, config, remembered=False)


@pytest.mark.parametrize("public_url", ["https://bot.example.org/", ""])
def test_a_moved_meetings_card_links_the_updated_invitation(
    public_url: str, engine: Engine, config: AppConfig, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Teams takes no file from a bot in a channel: with NETWORK_BOT_PUBLIC_URL the card has a
    button that downloads the file from the bot (Action.OpenUrl, checked against the official
    Adaptive Cards schema); without it the card names the file."""
    monkeypatch.setenv("NETWORK_BOT_PUBLIC_URL", public_url)
    bot = BotHarness(engine, config, Clock())
    assert bot.say('meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"').ok
    assert bot.say("meeting move #1 21 Mar 2031 14:00").ok
    [row] = outbox(bot, "meeting.moved")
    with bot.session() as session:
        uid = session.exec(select(Meeting.uid)).one()

    async def scenario(connector: FakeConnector, notifier: TeamsNotifier) -> None:
        await notifier.send(_delivery(Reply.from_dict(row.payload), kind="meeting.moved"))
        [posted] = connector.sent
        [card] = posted.cards
        assert card_problems(card) == []
        links = [(a["type"], a["title"], a["url"]) for a in card.get("actions", [])
                 if a["type"] == "Action.OpenUrl"]  # beside the attendance buttons
        if public_url:
            assert links == [("Action.OpenUrl", "Download meeting-1.ics",
                              f"https://bot.example.org/calendar/{uid}.ics")]
        else:
            assert links == []
            assert "Files (meeting-1.ics) are sent to Slack and the shell only." in str(card)

    _with_teams(scenario, engine, config)


def test_a_public_url_that_is_no_web_address_is_refused() -> None:
    with pytest.raises(ConfigError) as refused:
        TeamsSettings.from_env({"MICROSOFT_APP_ID": "x", "NETWORK_BOT_PUBLIC_URL":
                                "bot.example.org"})
    assert str(refused.value) == ("NETWORK_BOT_PUBLIC_URL='bot.example.org' is not a web "
                                  "address; write it like NETWORK_BOT_PUBLIC_URL="
                                  "https://bot.example.org")
