"""The outbox service on a real clock: wakes at due times, sweeps, and catches up on start."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from scheduler.service import OutboxService
from settings.schema import AppConfig
from storage.db import transaction
from storage.models import Outbox
from tests.notifiers import RecordingNotifier


def add(engine: Engine, due_in: float, text: str) -> datetime:
    due = datetime.now(UTC) + timedelta(seconds=due_in)
    with transaction(engine) as session:
        session.add(Outbox(kind="test.note", due_at=due, payload={"text": text}))
    return due


async def until(condition: Callable[[], bool], timeout: float = 5) -> float:
    """Wait for ``condition``; returns the monotonic time it became true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)
    return time.monotonic()


def scenario(engine: Engine, config: AppConfig, notifier: RecordingNotifier,
             body: Callable[[OutboxService], Awaitable[None]], sweep: float = 30) -> None:
    async def main() -> None:
        service = OutboxService(engine, config, [notifier], sweep=timedelta(seconds=sweep))
        try:
            await body(service)
        finally:
            await service.stop()

    asyncio.run(main())


def test_the_service_wakes_at_each_due_time_not_at_the_sweep(
        engine: Engine, config: AppConfig) -> None:
    notifier = RecordingNotifier()

    async def body(service: OutboxService) -> None:
        await service.start()
        due = [add(engine, 0.5, "first"), add(engine, 1.0, "second")]
        service.poke()  # what an adapter does after a command queued something
        for n, when in enumerate(due, start=1):
            await until(lambda n=n: len(notifier.sent) >= n)  # type: ignore[misc]
            # on time, not at the 30 s sweep (the bound is loose for a busy machine)
            assert timedelta(0) <= datetime.now(UTC) - when < timedelta(seconds=3)

    scenario(engine, config, notifier, body)
    assert notifier.texts == ["first", "second"]


def test_the_sweep_finds_rows_written_elsewhere(engine: Engine, config: AppConfig) -> None:
    notifier = RecordingNotifier()

    async def body(service: OutboxService) -> None:
        await service.start()
        await asyncio.sleep(0.1)
        add(engine, 0, "from another replica")  # nobody pokes this service
        await until(lambda: bool(notifier.sent), timeout=3)

    scenario(engine, config, notifier, body, sweep=0.5)
    assert notifier.texts == ["from another replica"]


def test_down_across_a_due_time_it_delivers_on_start_and_not_after_stop(
        engine: Engine, config: AppConfig) -> None:
    add(engine, 0.2, "missed while down")
    time.sleep(0.4)
    notifier = RecordingNotifier()

    async def body(service: OutboxService) -> None:
        started = time.monotonic()
        await service.start()
        assert await until(lambda: bool(notifier.sent)) - started < 1
        await service.stop()
        add(engine, 0, "after stop")
        await asyncio.sleep(0.3)

    scenario(engine, config, notifier, body, sweep=0.1)
    assert notifier.texts == ["missed while down"]
