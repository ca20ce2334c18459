"""Every message and modal the bot sends over a broad half-year, checked as Slack checks them.

The reference is Slack's own: slack_sdk's Block Kit and View models (``validate_json`` and a
round trip through them) and the limits Slack documents (tests/slack_reference.py). Acks are
checked by ``SlackWorld``; everything sent through the Web API or a ``response_url`` by the
fake, which refuses what Slack refuses and fails the test when it stops. This test makes sure
the scenario reaches every kind of output: help, long agendas, polls with their tally updates
and outcomes, forms, files, refusals, and the outbox's posts (announcements, reminders, the
compiled agenda, minutes).
"""

import asyncio
import json
from collections import Counter

from sqlalchemy import Engine

from bot.app import App
from handlers.runner import Runner
from settings.schema import AppConfig
from tests.conftest import Clock
from tests.fake_slack import FakeSlack
from tests.half_year import MINUTES, PROPOSAL, READING, REFUSED, TIMELINE_HOURS, opening
from tests.slack_reference import message_problems, view_problems
from tests.slack_world import SlackWorld, button_value

IOM, RCO = "U-PLACEHOLDER-IOM", "U-PLACEHOLDER-RCO"
ILO, UNICEF = "U-PLACEHOLDER-ILO", "U-PLACEHOLDER-UNICEF"
def test_every_message_and_modal_of_a_half_year_is_valid_block_kit(
    engine: Engine, unpaced_config: AppConfig
) -> None:
    clock = Clock()
    app = App(config=unpaced_config, engine=engine,
              runner=Runner(engine, unpaced_config, clock))

    async def main() -> None:
        async with SlackWorld(app, FakeSlack(), 5.0, min_interval=0) as slack:
            async def say(line: str, user: str = IOM) -> dict:
                _, body = await slack.command(line, user=user)
                await slack.settle()
                return body if isinstance(body, dict) else {}

            async def click(value: str, user: str) -> None:
                await slack.click(value, user=user, message_ts=f"{clock.now.timestamp():.6f}")
                await slack.settle()

            async def submit_last_form(values: dict[str, str], user: str) -> None:
                view = slack.fake.of("views.open")[-1]["view"]
                await slack.submit(view, values, user=user)
                await slack.settle()

            for line in opening():
                await say(line)
            await say(PROPOSAL, user=RCO)
            await click(button_value("vote", {"poll": 1}, position="agree"), ILO)
            await click(button_value("vote", {"poll": 1}, position="object"), UNICEF)
            await submit_last_form({"reason": "Needs <review> & more time"}, UNICEF)
            await say("poll show #1")
            await say("poll history #1")
            await say("poll close #1", user=RCO)
            await say('poll wg create "Migration Data" Improve and share migration statistics',
                      user=RCO)
            for bad in REFUSED:
                await say(bad)
            await slack.deliver_due()
            for hours in TIMELINE_HOURS:
                clock.advance(hours=hours)
                await slack.deliver_due()
            clock.advance(hours=6)
            await say("minutes")
            await submit_last_form({"meeting": "#1", "body": MINUTES}, IOM)
            clock.advance(days=20)
            await slack.deliver_due()
            for line in READING:
                await say(line)
            await slack.deliver_due()

            fake = slack.fake
            made = Counter(call.method for call in fake.calls)
            assert made["chat.postMessage"] >= 8 and made["chat.update"] >= 2
            assert made["views.open"] == 2 and made["response_url"] >= 3
            assert made["files.completeUploadExternal"] >= 3  # ics, report, a long agenda
            posted = json.dumps(fake.of("chat.postMessage"), ensure_ascii=False)
            for kind in ("New regular meeting", "Poll #1", "starts in", "Agenda: Spring meeting",
                         "Minutes of meeting #1"):
                assert kind in posted, kind
            # The fake checked each call; check again here, so this test stands on its own.
            for method in ("chat.postMessage", "chat.update", "response_url"):
                for message in fake.of(method):
                    assert message_problems(message) == [], method
            for opened in fake.of("views.open"):
                assert view_problems(opened["view"]) == []

    asyncio.run(main())




def test_the_reference_checks_refuse_what_slack_refuses() -> None:
    """The checks above have teeth: each of these is a message or modal Slack refuses."""
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76},
              "action_id": "a", "value": "v"}
    wide_input = {"type": "input", "block_id": "b", "label": {"type": "plain_text", "text": "L"},
                  "element": {"type": "plain_text_input", "action_id": "a", "max_length": 3001}}
    bad = {
        "long section": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        "51 blocks": [section] * 51,
        "unknown key": [{**section, "txet": "typo"}],
        "long button": [{"type": "actions", "elements": [button]}],
        "unknown type": [{"type": "bogus"}],
    }
    for what, blocks in bad.items():
        assert message_problems({"text": "t", "blocks": blocks}), what
    assert message_problems({"text": "x" * 40001})
    assert message_problems({"text": "ok", "blocks": [section]}) == []
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Title"},
             "blocks": [wide_input]}
    assert view_problems(modal)
    assert view_problems({**modal, "title": {"type": "plain_text", "text": "t" * 25},
                          "blocks": [section]})
    assert view_problems({**modal, "blocks": [section]}) == []
