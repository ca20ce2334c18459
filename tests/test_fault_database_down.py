"""PostgreSQL stops under load and comes back: a real ``network-bot serve`` process with Slack
on, its database a private cluster (tests/private_postgres.py) that the test stops twice in the
middle of a load of concurrent ``agenda add`` commands, once like a crash (``immediate``) and
once cleanly (``fast``), and starts again without touching the bot.

What it proves: every request is answered (no 5xx, no cut connection), each answer is either a
success or the runner's "try again shortly"; /healthz says 503 while the database is away;
nothing is half written (every item a reply called added is stored with its objectives and its
idempotency key, no item was stored for a refused command, none without a reply; a command
whose connection was lost during COMMIT is answered "may or may not have been saved", never
"nothing was changed"); and the bot recovers by itself: commands succeed again, and the outbox
delivers, exactly once, both a notification that fell due during an outage and one queued
after it (so the outbox service and its APScheduler jobs survived the database errors).
"""

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from handlers.core import Reply, Where
from handlers.people import shell_speaker
from handlers.runner import DATABASE_DOWN, SAVE_IN_DOUBT
from storage.db import make_engine, transaction
from storage.models import Outbox, OutboxStatus
from tests.conftest import BotHarness
from tests.fake_slack import FakeSlack
from tests.private_postgres import PrivatePostgres
from tests.serve_process import ServeLauncher, wait_for
from tests.slack_load import (
    OBJECTIVES,
    SLACK_TIMEOUT,
    CommandLoad,
    assert_acknowledged_items_complete,
    stored_items,
)

FAST_OUTBOX = {"NETWORK_BOT_OUTBOX_SWEEP": "0.5", "NETWORK_BOT_OUTBOX_LEASE": "2"}
KIND = "announcement"
NETWORK_CHANNEL = "C-PLACEHOLDER-NETWORK"  # channels.slack in app.yaml
DUE_IN = timedelta(seconds=2)  # a notification queued before an outage falls due during it


def announce(engine: Engine, text: str, due_at: datetime) -> None:
    with transaction(engine) as session:
        session.add(Outbox(kind=KIND, due_at=due_at, payload=Reply(text=text).to_dict()))


def announcements(engine: Engine) -> list[OutboxStatus]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox.status).where(Outbox.kind == KIND)).all())


def posted(fake: FakeSlack) -> Counter[str]:
    return Counter(args["text"] for args in fake.accepted("chat.postMessage")
                   if args["channel"] == NETWORK_CHANNEL)


def test_the_bot_rides_out_a_database_outage_under_load(
        private_postgres: PrivatePostgres, slack: FakeSlack, served: ServeLauncher) -> None:
    cluster = private_postgres
    bot = served.start("xoxb-faults", cluster.url, FAST_OUTBOX)
    engine = make_engine(cluster.url)
    health_while_down: list[int | None] = []
    expected_posts: list[str] = []

    async def outage(load: CommandLoad, mode: str) -> None:
        due_at = datetime.now(UTC) + DUE_IN
        text = f"Announcement due during the {mode} outage."
        announce(engine, text, due_at)
        expected_posts.append(text)
        mark = len(load.answers)
        await asyncio.to_thread(cluster.stop, mode)
        await load.until(lambda: load.count(mark, refused=True) >= 10
                         and datetime.now(UTC) > due_at + timedelta(seconds=1))
        health_while_down.append(await asyncio.to_thread(bot.health))
        await asyncio.to_thread(cluster.start)
        mark = len(load.answers)
        await load.until(lambda: load.count(mark, added=True) >= 10)  # back by itself

    async def scenario() -> CommandLoad:
        async with CommandLoad(bot.url, slack, "outage") as load:
            await load.until(lambda: load.count(added=True) >= 10)
            await outage(load, "immediate")
            await outage(load, "fast")
        return load

    try:
        load = asyncio.run(scenario())
        wait_for(lambda: bot.health() == 200)
        text = "Announcement queued after the outages."
        announce(engine, text, datetime.now(UTC) + timedelta(seconds=1))
        expected_posts.append(text)
        wait_for(lambda: announcements(engine) == [OutboxStatus.SENT] * 3, timeout=60)
        wait_for(load.answered)
        stored = stored_items(engine, load.answers)
    finally:
        engine.dispose()

    answers = load.answers
    assert bot.process.poll() is None  # the same process throughout
    assert health_while_down == [503, 503]
    assert [a for a in answers if a.status != 200] == []  # no 5xx, no cut connection
    assert [a for a in answers if not (a.item_id or a.refused or a.in_doubt)] == []
    assert_acknowledged_items_complete(answers, stored)
    refused = {a.title for a in answers if a.refused}
    assert refused.isdisjoint(stored)  # "nothing was changed" was true
    in_doubt = {a.title for a in answers if a.in_doubt}  # connection lost during COMMIT
    assert set(stored) - in_doubt == {a.title for a in answers if a.item_id}  # no orphans
    assert {(item.objectives, item.processed) for item in stored.values()} <= {
        (frozenset(OBJECTIVES), True)}  # in doubt or not, every stored item is whole
    assert posted(slack) == Counter(expected_posts)  # each once, none lost
    slowest = max(a.seconds for a in answers)
    print(f"database outages: {len(answers)} requests, {len(answers) - len(refused)} added, "
          f"{len(refused)} refused with try-again, {len(in_doubt)} in doubt "
          f"({len(in_doubt & set(stored))} of them saved), 0 lost; slowest ack {slowest:.2f}s "
          f"({sum(1 for a in answers if a.seconds > SLACK_TIMEOUT)} over Slack's 3 s)")


def test_a_connection_lost_during_commit_is_not_called_nothing_changed(
        bot: BotHarness, engine: Engine) -> None:
    """Seen under ``pg_ctl stop -m immediate``: the server may have saved a command whose
    COMMIT never got its answer, so the reply must not say that nothing was changed."""

    def lose_the_connection(_: object) -> None:
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))

    event.listen(engine, "commit", lose_the_connection)
    try:
        reply = bot.say("agenda add Lost in the commit #3")
    finally:
        event.remove(engine, "commit", lose_the_connection)
    assert (reply.text, reply.ok) == (SAVE_IN_DOUBT, False)
    assert bot.say("agenda add Saved after all #3").ok  # the engine is fine afterwards


def test_a_database_outage_is_answered_try_again_and_logged_in_one_line(
        bot: BotHarness, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    def refuse(*_: object) -> None:
        raise engine.dialect.loaded_dbapi.OperationalError("connection refused\nDETAIL: more")

    with bot.session() as session:
        iom = shell_speaker(session, "IOM")
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        with caplog.at_level(logging.WARNING, logger="handlers.runner"):
            reply = bot.runner.run(iom, Where(platform="shell", channel="test"),
                                   "agenda add Not now #3")
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    assert (reply.text, reply.ok) == (DATABASE_DOWN, False)
    [record] = caplog.records
    assert record.getMessage() == ("database unavailable, answered 'try again shortly': "
                                   "connection refused")
    assert record.exc_info is None  # no traceback per refused command during an outage
