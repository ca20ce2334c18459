"""The fake Slack Web API answering 429 (with Retry-After) and 500: replies, notifications and
poll tallies still arrive, each exactly once.

The bot's real web server and outbox service run in process (``SlackWorld``) with the real
clock, so the retries wait real seconds (Retry-After: 1; the first backoff is about 2 s). What
counts is what Slack accepted: the fake records failed calls too, and ``accepted`` leaves them
out. The retry policy itself (backoff, attempts, Retry-After bookkeeping) is unit-tested in
tests/test_outbox_dispatch.py and the translation of Slack's answers in
tests/test_slack_notifier.py; this file checks the whole path end to end.
"""

import asyncio
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.app import App
from bot.server import SERVICES
from bot.services import OutboxDelivery
from bot.slack import WORKING
from handlers import registry
from handlers.core import Context, Reply
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.db import transaction
from storage.models import Outbox, OutboxStatus
from tests.fake_slack import FakeSlack
from tests.slack_world import button_value, button_values
from tests.test_slack_server import SlackWorld

NETWORK_CHANNEL = "C-PLACEHOLDER-NETWORK"  # channels.slack in app.yaml
KIND = "announcement"
RATE_LIMITED = {"Retry-After": "1"}
PATIENCE = 40.0  # seconds; a 500 is retried after about 2 s, a 429 after 1 s, paced 1 s apart

Scenario = Callable[[SlackWorld], Awaitable[None]]


@pytest.fixture
def live(engine: Engine, config: AppConfig) -> Callable[[Scenario, float], None]:
    """Run a scenario against the bot's server with the real clock."""

    def run(scenario: Scenario, ack_budget: float = 2.0) -> None:
        app = App(config=config, engine=engine, runner=Runner(engine, config))

        async def main() -> None:
            async with SlackWorld(app, FakeSlack(), ack_budget) as world:
                await scenario(world)

        asyncio.run(main())

    return run


async def until(condition: Callable[[], object]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def statuses(engine: Engine, *kinds: str) -> list[OutboxStatus]:
    """The statuses of the outbox rows of these kinds."""
    with Session(engine) as session:
        return list(session.exec(select(Outbox.status).where(
            Outbox.kind.in_(kinds)).order_by(Outbox.id)).all())  # type: ignore[attr-defined]


def test_notifications_answered_429_or_500_arrive_once(
        live: Callable[..., None], engine: Engine) -> None:
    texts = [f"Reminder {n}: the network meets on Thursday." for n in range(3)]

    async def scenario(slack: SlackWorld) -> None:
        slack.fake.fail("chat.postMessage", 429, "ratelimited", headers=RATE_LIMITED)
        slack.fake.fail("chat.postMessage", 500, "internal_error")
        with transaction(engine) as session:
            session.add_all(Outbox(kind=KIND, due_at=datetime.now(UTC),
                                   payload=Reply(text=text).to_dict()) for text in texts)
        [delivery] = [service for service in slack.web_app[SERVICES]
                      if isinstance(service, OutboxDelivery)]
        delivery.service.poke()
        await until(lambda: statuses(engine, KIND) == [OutboxStatus.SENT] * 3)
        posts = [call for call in slack.fake.calls if call.method == "chat.postMessage"]
        assert [call.ok for call in posts].count(False) == 2  # both failures were met
        assert Counter(args["text"] for args in slack.fake.accepted("chat.postMessage")
                       if args["channel"] == NETWORK_CHANNEL) == Counter(texts)

    live(scenario)
    with Session(engine) as session:
        assert sum(session.exec(select(Outbox.attempts)).all()) == 1  # a 429 is no attempt


def test_a_poll_and_its_tally_updates_arrive_once_through_429_and_500(
        live: Callable[..., None], engine: Engine) -> None:
    async def scenario(slack: SlackWorld) -> None:
        fake = slack.fake
        fake.fail("chat.postMessage", 429, "ratelimited", headers=RATE_LIMITED)
        status, _ = await slack.command('poll propose "Joint statement on safe migration"',
                                        user="U-PLACEHOLDER-RCO")
        assert status == 200
        await until(lambda: fake.accepted("chat.postMessage"))
        [poll] = fake.accepted("chat.postMessage")
        agree = button_value("vote", {"poll": 1}, position="agree")
        assert agree in button_values(poll["blocks"])
        for votes, (voter, failure) in enumerate((("ILO", 500), ("IOM", 429)), start=1):
            fake.fail("chat.update", failure, "internal_error" if failure == 500
                      else "ratelimited", headers=RATE_LIMITED)
            await slack.click(agree, user=f"U-PLACEHOLDER-{voter}")
            await until(lambda votes=votes: len(fake.accepted("chat.update")) == votes)
        await until(lambda: statuses(engine, "poll.opened", "poll.tally")
                    == [OutboxStatus.SENT] * 3)
        updates = fake.accepted("chat.update")
        assert len(updates) == 2  # one tally update per vote, none repeated
        assert len({(u["channel"], u["ts"]) for u in updates}) == 1  # the poll's message
        assert updates[0]["channel"] == poll["channel"]
        assert updates[0]["blocks"] != updates[1]["blocks"]  # the newer count came second
        assert len(fake.accepted("chat.postMessage")) == 1
        assert [call.ok for call in fake.calls if call.method == "chat.update"].count(False) == 2

    live(scenario)


@pytest.fixture
def held_verb(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """A ``hold`` command that answers only once the returned event is set, so its reply
    always misses the ack and travels through the response_url."""
    release = threading.Event()

    def hold(ctx: Context, args: str) -> Reply:
        assert release.wait(PATIENCE)
        return Reply(text=f"held and answered: {args}", private=False)

    monkeypatch.setitem(registry.REGISTRY, "hold", registry.CommandSpec(
        "hold", "test", "hold <text>", "hold it", hold))
    return release


@pytest.mark.parametrize("status", [500, 429])
def test_a_reply_through_the_response_url_arrives_once_after_an_error(
        live: Callable[..., None], held_verb: threading.Event, status: int) -> None:
    async def scenario(slack: SlackWorld) -> None:
        slack.fake.fail("response_url", status, "failed", headers=RATE_LIMITED)
        _, ack = await slack.command("hold on")
        assert ack["text"] == WORKING
        held_verb.set()
        await until(lambda: slack.fake.accepted("response_url"))
        await slack.settle()
        [failed, accepted] = [call for call in slack.fake.calls if call.method == "response_url"]
        assert (failed.ok, accepted.ok) == (False, True)
        assert accepted.args["text"] == "held and answered: on"
        assert accepted.args["response_type"] == "in_channel"

    live(scenario, ack_budget=0.05)
