"""PostgreSQL stops answering without going away: a real ``network-bot serve`` process with
Slack on reaches its database (a private cluster, tests/private_postgres.py) through a loopback
proxy (tests/stalling_proxy.py) that, in the middle of a load of concurrent ``agenda add``
commands, stalls twice for a few seconds: once answering nothing at all (open connections and
new ones alike), once letting new connections start and then answering no query. Neither
stall closes anything the bot waits on, so only the bot's own timeouts (app.yaml's
``database`` section, here its defaults) end its waits.

What it proves: every command is answered within Slack's 3 s, the answer itself and not only
the ack (no 5xx, no cut connection), either a success, the runner's "try again shortly", or,
for a command whose COMMIT went unanswered, "may or may not have been saved"; nothing is half
written; /healthz says 503 during each stall and answers within 3 s itself; and once the proxy
forwards again the bot recovers by itself.
"""

import asyncio
import math
import time

from storage.db import make_engine
from tests.fake_slack import FakeSlack, InThread
from tests.private_postgres import PrivatePostgres
from tests.serve_process import Served, ServeLauncher, wait_for
from tests.slack_load import (
    OBJECTIVES,
    SLACK_TIMEOUT,
    CommandLoad,
    assert_acknowledged_items_complete,
    stored_items,
)
from tests.stalling_proxy import Mode, StallingProxy

STALL = 6.0  # seconds each stall lasts: long enough for a connection attempt to time out


def timed_health(bot: Served) -> tuple[int | None, float]:
    started = time.monotonic()
    status = bot.health()
    return status, time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def test_commands_answer_in_time_while_postgresql_stalls(
        private_postgres: PrivatePostgres, slack: FakeSlack, served: ServeLauncher) -> None:
    engine = make_engine(private_postgres.url)  # the test's own way in, around the proxy
    health: dict[Mode, tuple[int | None, float]] = {}

    in_thread = InThread(StallingProxy(private_postgres.port))
    with in_thread as proxy:
        bot = served.start("xoxb-stall", proxy.url)

        def set_mode(mode: Mode) -> None:
            in_thread.call(proxy.set_mode(mode))

        async def stall(load: CommandLoad, mode: Mode) -> None:
            mark = len(load.answers)
            await asyncio.to_thread(set_mode, mode)
            until = time.monotonic() + STALL
            await load.until(lambda: time.monotonic() > until and load.count(mark, refused=True))
            health[mode] = await asyncio.to_thread(timed_health, bot)
            await asyncio.to_thread(set_mode, Mode.FORWARD)
            mark = len(load.answers)
            await load.until(lambda: load.count(mark, added=True) >= 10)  # back by itself

        async def scenario() -> CommandLoad:
            async with CommandLoad(bot.url, slack, "stall") as load:
                await load.until(lambda: load.count(added=True) >= 10)
                await stall(load, Mode.STALL_CONNECT)
                await stall(load, Mode.STALL_QUERIES)
            return load

        try:
            load = asyncio.run(scenario())
            wait_for(load.answered)
            wait_for(lambda: bot.health() == 200)
            stored = stored_items(engine, load.answers)
        finally:
            engine.dispose()

    answers = load.answers
    assert bot.process.poll() is None
    assert [a for a in answers if a.status != 200] == []  # no 5xx, no cut connection
    assert [a for a in answers if not (a.item_id or a.refused or a.in_doubt)] == []
    assert_acknowledged_items_complete(answers, stored)
    refused = {a.title for a in answers if a.refused}
    assert refused.isdisjoint(stored)  # "nothing was changed" was true
    in_doubt = {a.title for a in answers if a.in_doubt}
    assert set(stored) - in_doubt == {a.title for a in answers if a.item_id}  # no orphans
    assert {(item.objectives, item.processed) for item in stored.values()} <= {
        (frozenset(OBJECTIVES), True)}
    assert {mode: status for mode, (status, _) in health.items()} == {
        Mode.STALL_CONNECT: 503, Mode.STALL_QUERIES: 503}
    waits = [a.answer_seconds for a in answers]
    acks = [a.seconds for a in answers]
    print(f"database stalls: {len(answers)} requests, {len(answers) - len(refused)} added, "
          f"{len(refused)} refused with try-again, {len(in_doubt)} in doubt "
          f"({len(in_doubt & set(stored))} of them saved); answers max {max(waits):.2f} s, "
          f"p99 {percentile(waits, 0.99):.2f} s; acks max {max(acks):.2f} s; /healthz "
          + ", ".join(f"{mode.value} {status} in {took:.2f} s"
                      for mode, (status, took) in health.items()))
    assert max(waits) <= SLACK_TIMEOUT
    log = bot.log.read_text()
    assert "connection timeout expired" in log  # connecting to the hung server gave up
    assert "the database did not answer within 1.5 s" in log  # and so did waiting for answers
    assert max(took for _, took in health.values()) <= SLACK_TIMEOUT
