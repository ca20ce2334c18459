"""``network-bot serve`` killed with SIGKILL in the middle of a load of ``agenda add`` commands,
on a SQLite file (WAL) and on PostgreSQL, then started again on the same database.

What it proves: every command that was answered "added" before the kill has its item stored
whole after the restart (its objectives and its idempotency key too), nothing is stored that
no command asked for, and the restarted bot answers a redelivered command (same trigger id)
with the stored reply instead of adding the item twice. Commands cut off by the kill may or
may not have committed; redelivering them leaves exactly one item each.
"""

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import make_engine
from tests.conftest import _empty_postgres
from tests.fake_slack import FakeSlack
from tests.serve_process import ServeLauncher
from tests.slack_load import CommandLoad, assert_acknowledged_items_complete, stored_items

ACKNOWLEDGED_BEFORE_KILL = 20


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'network.db'}"
    else:
        _empty_postgres(request.getfixturevalue("postgres_engine"))
        yield os.environ["TEST_DATABASE_URL"]


def test_every_acknowledged_item_survives_a_sigkill(
        database_url: str, slack: FakeSlack, served: ServeLauncher) -> None:
    bot = served.start("xoxb-killed", database_url)

    async def load_then_kill() -> CommandLoad:
        async with CommandLoad(bot.url, slack, "kill") as load:
            await load.until(lambda: load.count(added=True) >= ACKNOWLEDGED_BEFORE_KILL)
            load.hold()  # the commands in flight are cut off by the kill
            assert await asyncio.to_thread(bot.kill) == -signal.SIGKILL
        return load

    load = asyncio.run(load_then_kill())
    load.follow_ups()
    answers = load.answers
    acknowledged = [a for a in answers if a.item_id]
    cut_off = [a for a in answers if a.status is None or a.pending]  # by the kill
    refused = [a for a in answers if a.refused]  # e.g. SQLite busy for 5 s: try again
    assert len(acknowledged) + len(cut_off) + len(refused) == len(answers)

    restarted = served.start("xoxb-restarted", database_url)
    engine = make_engine(database_url)
    try:
        stored = stored_items(engine, answers)
        assert_acknowledged_items_complete(answers, stored)
        assert set(stored) <= {a.title for a in answers}  # nothing nobody asked for
        assert not any(a.title in stored for a in refused)
        committed_unanswered = sum(1 for a in cut_off if a.title in stored)

        async def redeliver() -> None:
            async with CommandLoad(restarted.url, slack, "replay", workers=0) as replay:
                first = acknowledged[0]
                again = await replay.answer(first.title, first.trigger)
                assert again.item_id == first.item_id  # the stored reply, not a second item
                for answer in cut_off + refused:
                    assert (await replay.answer(answer.title, answer.trigger)).item_id

        asyncio.run(redeliver())
        after = stored_items(engine, answers)
    finally:
        engine.dispose()
    assert after[acknowledged[0].title] == stored[acknowledged[0].title]
    assert set(after) == {a.title for a in answers}  # one item per command, none twice
    print(f"SIGKILL on {database_url.split(':')[0]}: {len(answers)} requests, "
          f"{len(acknowledged)} acknowledged (all stored, 0 lost), {len(cut_off)} cut off "
          f"({committed_unanswered} of them had committed), {len(refused)} refused")

