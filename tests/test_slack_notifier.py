"""The outbox's Slack notifier against the fake Slack Web API."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.slack_notifier import SlackNotifier, make_client
from bot.slack_settings import SlackSettings
from handlers.core import Attachment, Choice, Reply
from scheduler.notifier import Delivery, DeliveryFailed, PostedRef, RetryLater
from settings.schema import AppConfig
from tests.conftest import BotHarness
from tests.db_state import outbox
from tests.fake_slack import FakeSlack
from tests.icalendar_rules import check_itip

NETWORK = "C-PLACEHOLDER-NETWORK"
POLL = Reply(title="Poll #3", text="Create a WG on <!channel> & data?", private=False,
             choices=[Choice(label, "vote", {"poll": 3}, {"position": label.lower()})
                      for label in ("Agree", "Object")])


def _with_slack(scenario: Callable[[FakeSlack, SlackNotifier], Awaitable[Any]],
                config: AppConfig) -> Any:
    async def main() -> Any:
        fake = await FakeSlack().start()
        client = make_client(SlackSettings(bot_token="xoxb-n", signing_secret="s",
                                           api_url=fake.api_url))
        try:
            return await scenario(fake, SlackNotifier(client, config))
        finally:
            await fake.stop()

    return asyncio.run(main())


def _delivery(reply: Reply = POLL, **kwargs: Any) -> Delivery:
    return Delivery(**{"outbox_id": 7, "kind": "poll.opened", "reply": reply,
                       "to_network": True, **kwargs})


def test_posts_to_the_network_channel_and_returns_refs(config: AppConfig) -> None:
    async def scenario(fake: FakeSlack, notifier: SlackNotifier) -> None:
        refs = await notifier.send(_delivery())
        [posted] = fake.of("chat.postMessage")
        assert posted["channel"] == NETWORK
        assert posted["text"] == "Poll #3"
        assert posted["blocks"][1]["text"]["text"] == \
            "Create a WG on &lt;!channel&gt; &amp; data?"
        assert [json.loads(b["value"]) for b in posted["blocks"][2]["elements"]] == [
            {"form": "vote", "params": {"poll": 3}, "values": {"position": position}}
            for position in ("agree", "object")]
        assert refs == [PostedRef(NETWORK, "1700000000.000001")]
        assert notifier.platform == "slack" and notifier.min_interval == 1.0

    _with_slack(scenario, config)


def test_people_get_a_direct_message(config: AppConfig) -> None:
    async def scenario(fake: FakeSlack, notifier: SlackNotifier) -> None:
        late = Reply(text="Minutes of meeting #2 are overdue.")
        refs = await notifier.send(_delivery(late, to_network=False, people=("U1", "U2"),
                                             late=True))
        assert fake.of("conversations.open") == [{"users": "U1"}, {"users": "U2"}]
        assert [p["channel"] for p in fake.of("chat.postMessage")] == ["DU1", "DU2"]
        # the dispatcher puts the one lateness note in the text; no footnote repeats it
        assert "Sent late" not in str(fake.of("chat.postMessage")[0]["blocks"])
        assert [ref.channel for ref in refs] == ["DU1", "DU2"]

    _with_slack(scenario, config)


def test_update_refs_edits_messages_in_place(config: AppConfig) -> None:
    async def scenario(fake: FakeSlack, notifier: SlackNotifier) -> None:
        tally = Reply(title="Poll #3", text="Agree: 4 · Object: 0")
        ref = PostedRef(NETWORK, "1700000000.000042")
        refs = await notifier.send(_delivery(tally, kind="poll.tally", update_refs=(ref,)))
        [updated] = fake.of("chat.update")
        assert (updated["channel"], updated["ts"]) == (NETWORK, "1700000000.000042")
        assert updated["blocks"][1]["text"]["text"] == "Agree: 4 · Object: 0"
        assert fake.of("chat.postMessage") == [] and refs == [ref]

    _with_slack(scenario, config)


def test_rate_limits_ask_to_retry_later(config: AppConfig) -> None:
    async def scenario(fake: FakeSlack, notifier: SlackNotifier) -> None:
        fake.fail("chat.postMessage", 429, "ratelimited", headers={"Retry-After": "7"})
        with pytest.raises(RetryLater) as raised:
            await notifier.send(_delivery())
        assert raised.value.seconds == 7.0
        assert len(await notifier.send(_delivery())) == 1

    _with_slack(scenario, config)


@pytest.mark.parametrize(("status", "error", "transient"), [
    (500, "internal_error", True), (503, "service_unavailable", True),
    (200, "channel_not_found", False), (200, "not_in_channel", False),
])
def test_failures_say_whether_a_retry_can_help(
    config: AppConfig, status: int, error: str, transient: bool
) -> None:
    async def scenario(fake: FakeSlack, notifier: SlackNotifier) -> None:
        fake.fail("chat.postMessage", status, error)
        with pytest.raises(DeliveryFailed) as raised:
            await notifier.send(_delivery())
        assert raised.value.transient is transient
        assert error in str(raised.value) or str(status) in str(raised.value)

    _with_slack(scenario, config)


def test_unreachable_slack_is_a_transient_failure(config: AppConfig) -> None:
    async def main() -> None:
        client = make_client(SlackSettings(bot_token="x", signing_secret="s",
                                           api_url="http://127.0.0.1:9/api/"))
        with pytest.raises(DeliveryFailed) as raised:
            await SlackNotifier(client, config).send(_delivery())
        assert raised.value.transient is True

    asyncio.run(main())


def test_a_retry_does_not_post_twice_to_targets_already_reached(config: AppConfig) -> None:
    async def scenario(fake: FakeSlack, notifier: SlackNotifier) -> None:
        delivery = _delivery(people=("U1",))
        fake.fail("conversations.open", 500, "internal_error")
        with pytest.raises(DeliveryFailed):
            await notifier.send(delivery)
        refs = await notifier.send(delivery)
        assert [p["channel"] for p in fake.of("chat.postMessage")] == [NETWORK, "DU1"]
        assert [ref.channel for ref in refs] == [NETWORK, "DU1"]
        await notifier.send(delivery)  # a completed delivery is forgotten: sent anew
        assert len(fake.of("chat.postMessage")) == 4

    _with_slack(scenario, config)


def test_files_are_uploaded_to_the_channel(config: AppConfig) -> None:
    async def scenario(fake: FakeSlack, notifier: SlackNotifier) -> None:
        invite = Reply(text="Meeting #1", files=[Attachment("meeting-1.ics", b"BEGIN:VCALENDAR",
                                                            title="Invitation")])
        await notifier.send(_delivery(invite, kind="meeting.scheduled"))
        assert fake.methods() == ["chat.postMessage", "files.getUploadURLExternal", "upload",
                                  "files.completeUploadExternal"]
        [done] = fake.of("files.completeUploadExternal")
        assert done["channel_id"] == NETWORK and "Invitation" in done["files"]

    _with_slack(scenario, config)


def test_a_missing_network_channel_is_a_permanent_failure(config: AppConfig) -> None:
    bare = config.model_copy(update={"channels": config.channels.model_copy(
        update={"slack": None})})

    async def scenario(fake: FakeSlack, notifier: SlackNotifier) -> None:
        notifier.config = bare
        with pytest.raises(DeliveryFailed, match=r"channels\.slack is not set") as raised:
            await notifier.send(_delivery())
        assert raised.value.transient is False and fake.calls == []

    _with_slack(scenario, config)


def test_a_cancelled_meetings_post_uploads_the_cancellation(bot: BotHarness) -> None:
    """The outbox row of a cancellation reaches the channel with its calendar file, which
    calendars read as the cancellation of the event they have (RFC 5546 CANCEL)."""
    assert bot.say('meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"').ok
    assert bot.say("meeting cancel #1 The Chair is travelling").ok
    [row] = outbox(bot, "meeting.cancelled")

    async def scenario(fake: FakeSlack, notifier: SlackNotifier) -> None:
        await notifier.send(_delivery(Reply.from_dict(row.payload), kind="meeting.cancelled"))
        assert fake.methods() == ["chat.postMessage", "files.getUploadURLExternal", "upload",
                                  "files.completeUploadExternal"]
        [asked] = fake.of("files.getUploadURLExternal")
        assert asked["filename"] == "meeting-1.ics"
        [uploaded] = fake.of("upload")
        method, event = check_itip(uploaded["content"])
        assert (method, event.one("STATUS"), event.one("SEQUENCE")) == \
            ("CANCEL", "CANCELLED", "1")

    _with_slack(scenario, bot.config)
