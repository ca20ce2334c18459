"""Real ``network-bot serve`` processes deliver one PostgreSQL outbox to a fake Slack Web API:
each row posted once by two or three replicas, none lost when one is killed with SIGKILL
mid-send, and rows that fell due while no replica ran are delivered on restart.

Each replica is a real ``serve`` process (tests/serve_process.py) with a 2 s lease and a
0.3 s sweep instead of 5 minutes and 30 s, and pacing off so a thousand posts to the one
network channel take seconds, not a thousand. Replicas are told apart by their bot token.
"""

import json
import os
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from handlers.core import Reply
from handlers.timefmt import show_time
from storage.db import transaction
from storage.models import Outbox, OutboxStatus
from tests.conftest import _empty_postgres
from tests.fake_slack import FakeSlack
from tests.serve_process import Served, ServeLauncher, wait_for

ROWS = 1000
KIND = "minutes.posted"
LEASE_SECONDS = "2"
NETWORK_CHANNEL = "C-PLACEHOLDER-NETWORK"  # channels.slack in app.yaml


@pytest.fixture
def pg(postgres_engine: Engine) -> Engine:
    _empty_postgres(postgres_engine)
    return postgres_engine


OUTBOX_ENV = {"NETWORK_BOT_OUTBOX_LEASE": LEASE_SECONDS, "NETWORK_BOT_OUTBOX_SWEEP": "0.3"}


def token(n: int) -> str:
    return f"xoxb-replica-{n}"


def start_replica(served: ServeLauncher, n: int) -> Served:
    return served.start(token(n), os.environ["TEST_DATABASE_URL"], OUTBOX_ENV)


def text(i: int) -> str:
    return f"Minutes of meeting {i} are posted."


def queue_rows(engine: Engine, numbers: range, due_at: datetime) -> None:
    with transaction(engine) as session:
        session.add_all(Outbox(kind=KIND, due_at=due_at, payload=Reply(text=text(i)).to_dict())
                        for i in numbers)


def sent(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Outbox).where(
            Outbox.kind == KIND, Outbox.status == OutboxStatus.SENT)).one()


def late_note(due_at: datetime) -> str:
    return f"(Sent late: this was due {show_time(due_at, ZoneInfo('Asia/Vientiane'))}.)"


def posts(fake: FakeSlack, token: str | None = None) -> Counter[str]:
    """How often each text was posted to the network channel (by one replica's token)."""
    return Counter(call.args["text"] for call in list(fake.calls)
                   if call.method == "chat.postMessage" and call.args["channel"] == NETWORK_CHANNEL
                   and (token is None or call.token == token))


@pytest.mark.parametrize("count", [2, 3])
def test_replicas_post_each_notification_exactly_once(
        pg: Engine, slack: FakeSlack, served: ServeLauncher, count: int) -> None:
    started = [start_replica(served, n) for n in range(count)]
    queue_rows(pg, range(ROWS), datetime.now(UTC) - timedelta(seconds=1))
    wait_for(lambda: sent(pg) == ROWS)
    assert [replica.stop() for replica in started] == [0] * count
    assert posts(slack) == Counter({text(i): 1 for i in range(ROWS)})
    shares = [sum(posts(slack, token(n)).values()) for n in range(count)]
    assert sum(1 for share in shares if share) >= 2, shares  # they shared the work


def test_a_replica_killed_mid_send_loses_nothing(
        pg: Engine, slack: FakeSlack, served: ServeLauncher) -> None:
    victim, *survivors = [start_replica(served, n) for n in range(3)]
    queue_rows(pg, range(ROWS), datetime.now(UTC) - timedelta(seconds=1))
    wait_for(lambda: sum(posts(slack, token(0)).values()) >= 30)
    slack.stall(token(0))  # its next posts go unanswered: caught mid-send
    wait_for(lambda: slack.held >= 1)
    assert victim.kill() == -signal.SIGKILL
    with Session(pg) as session:
        orphaned = {payload["text"] for payload in session.exec(select(Outbox.payload).where(
            Outbox.status == OutboxStatus.SENDING,
            Outbox.lease_owner.like(  # type: ignore[union-attr]
                f"%:{victim.process.pid}:%"))).all()}
    wait_for(lambda: sent(pg) == ROWS)
    assert [replica.stop() for replica in survivors] == [0, 0]

    assert orphaned  # rows it held when it died ...
    rescued = posts(slack, token(1)) + posts(slack, token(2))
    assert orphaned <= set(rescued)  # ... the others delivered
    everything = posts(slack)
    assert set(everything) == {text(i) for i in range(ROWS)}  # nothing lost
    # At-least-once after a crash: only what the dead replica had posted may appear twice.
    twice = {t for t, n in everything.items() if n > 1}
    assert twice <= set(posts(slack, token(0)))
    assert max(everything.values()) <= 2
    print(f"killed replica held {len(orphaned)} rows; {len(twice)} posted twice")


def test_rows_due_while_no_replica_runs_are_delivered_on_restart(
        pg: Engine, slack: FakeSlack, served: ServeLauncher) -> None:
    assert start_replica(served, 0).stop() == 0
    down_at = datetime.now(UTC)
    queue_rows(pg, range(1), down_at + timedelta(seconds=1))  # falls due while it is down
    queue_rows(pg, range(1, 2), down_at - timedelta(minutes=10))  # a long outage: late
    time.sleep(1.2)
    start_replica(served, 1)
    wait_for(lambda: sent(pg) == 2)
    assert posts(slack) == Counter({text(0): 1, late_note(down_at - timedelta(minutes=10)): 1})
    [late] = [call.args for call in slack.calls if call.method == "chat.postMessage"
              and call.args["text"].startswith("(Sent late")]
    assert text(1) in json.dumps(late["blocks"])  # the message itself follows the note
    with Session(pg) as session:
        assert session.exec(select(Outbox.late).where(Outbox.kind == KIND)
                            .order_by(Outbox.id)).all() == [False, True]
