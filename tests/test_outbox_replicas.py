"""Several OS processes deliver one PostgreSQL outbox: each row once, and none lost to a crash."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from storage.db import transaction
from storage.models import Outbox, OutboxStatus
from tests.conftest import REPO, _empty_postgres
from tests.fake_chat import FakeChat

ROWS = 1000
LEASE_SECONDS = 2.0


@pytest.fixture
def pg(postgres_engine: Engine) -> Engine:
    _empty_postgres(postgres_engine)
    return postgres_engine


@pytest.fixture
def fake() -> Iterator[FakeChat]:
    with FakeChat() as chat:
        yield chat


def start_replicas(count: int, fake: FakeChat) -> list[subprocess.Popen[str]]:
    replicas = [subprocess.Popen(
        [sys.executable, "-m", "tests.outbox_replica", os.environ["TEST_DATABASE_URL"],
         fake.url, f"replica-{n}", str(LEASE_SECONDS)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    ) for n in range(count)]
    for process in replicas:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    return replicas


def stop(replicas: list[subprocess.Popen[str]]) -> None:
    for process in replicas:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in replicas:
        process.wait(timeout=20)


def queue_rows(engine: Engine) -> None:
    now = datetime.now(UTC) - timedelta(seconds=1)
    with transaction(engine) as session:
        session.add_all(Outbox(kind="test.note", due_at=now, payload={"text": f"note {i}"})
                        for i in range(ROWS))


def wait_for(condition: Callable[[], bool], timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def all_sent(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Outbox).where(
            Outbox.status == OutboxStatus.SENT)).one() == ROWS


@pytest.mark.parametrize("count", [2, 3])
def test_replicas_post_each_notification_exactly_once(
        pg: Engine, fake: FakeChat, count: int) -> None:
    replicas = start_replicas(count, fake)
    try:
        queue_rows(pg)
        wait_for(lambda: all_sent(pg))
    finally:
        stop(replicas)
    counts = fake.counts()
    assert len(counts) == ROWS
    assert set(counts.values()) == {1}
    assert sum(1 for n in range(count) if fake.by(f"replica-{n}")) >= 2  # they shared the work
    assert all(p.returncode == 0 for p in replicas)


def leased_by(engine: Engine, owner: str) -> set[int]:
    with Session(engine) as session:
        return set(session.exec(select(Outbox.id).where(
            Outbox.status == OutboxStatus.SENDING, Outbox.lease_owner == owner)).all())


def test_a_replica_killed_mid_run_loses_nothing(pg: Engine, fake: FakeChat) -> None:
    replicas = start_replicas(3, fake)
    try:
        queue_rows(pg)
        wait_for(lambda: len(fake.by("replica-0")) >= 30)
        fake.stall("replica-0")  # caught mid-send: its posts go unanswered
        wait_for(lambda: fake.held >= 1)
        replicas[0].send_signal(signal.SIGKILL)
        orphaned = leased_by(pg, "replica-0")
        wait_for(lambda: all_sent(pg))
    finally:
        stop(replicas)
    assert replicas[0].returncode == -signal.SIGKILL
    assert orphaned  # rows the dead replica held were delivered by the others after its lease
    assert orphaned <= fake.by("replica-1") | fake.by("replica-2")
    counts = fake.counts()
    assert len(counts) == ROWS
    # At-least-once after a crash: only rows the dead replica had posted may be posted twice.
    assert {i for i, n in counts.items() if n > 1} <= fake.by("replica-0")
    assert max(counts.values()) <= 2
