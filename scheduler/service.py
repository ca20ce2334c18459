"""The outbox service: wakes the dispatcher at the next due time, plus a periodic sweep.

APScheduler 3.x (``AsyncIOScheduler`` in the running event loop) only decides *when* to wake:
a one-shot ``date`` job at the earliest due time (re-armed after every run and by ``poke()``),
and an ``interval`` sweep that picks up rows other replicas wrote. The database is the only job
store: APScheduler keeps its two jobs in memory, and never uses its SQLAlchemyJobStore, which
must not be shared by several processes.

Usage in an asyncio program (e.g. ``network-bot serve``)::

    service = OutboxService(app.engine, app.config, [slack_notifier], clock=app.runner.clock)
    await service.start()   # delivers what is already due, then wakes on time
    ...
    service.poke()          # after a command queued something due now (same event loop)
    ...
    await service.stop()
"""

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from scheduler.claim import next_due
from scheduler.dispatch import Dispatcher, Policy
from scheduler.notifier import Notifier
from settings.clock import Clock, utc_now
from settings.schema import AppConfig
from storage.db import first_line

log = logging.getLogger(__name__)

WAKE = "outbox-wake"
SWEEP = "outbox-sweep"


class OutboxService:
    def __init__(
        self,
        engine: Engine,
        config: AppConfig,
        notifiers: Sequence[Notifier],
        clock: Clock = utc_now,
        *,
        sweep: timedelta = timedelta(seconds=30),
        policy: Policy | None = None,
        owner: str | None = None,
    ) -> None:
        self.engine = engine
        self.dispatcher = Dispatcher(engine, config, notifiers, clock, owner=owner, policy=policy)
        self.sweep = sweep
        self._scheduler: AsyncIOScheduler | None = None
        self._running: asyncio.Task[None] | None = None
        self._again = False
        self._stopping = False

    @property
    def owner(self) -> str:
        return self.dispatcher.owner

    async def start(self) -> None:
        """Start in the running loop and deliver whatever is already due."""
        self._stopping = False
        self._scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
        self._scheduler.add_job(self._wake, "interval", seconds=self.sweep.total_seconds(),
                                id=SWEEP, coalesce=True, max_instances=1)
        self._scheduler.start()
        self.poke()

    async def stop(self) -> None:
        """Stop waking; let the batch in hand finish (its rows stay leased otherwise)."""
        self._stopping = True
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._running is not None:
            await self._running

    def poke(self) -> None:
        """Deliver what is due now; call it (in the loop) after queueing something due."""
        if self._stopping:
            return
        if self._running is not None and not self._running.done():
            self._again = True
            return
        self._running = asyncio.get_running_loop().create_task(self._run())

    async def _wake(self) -> None:
        self.poke()

    async def _run(self) -> None:
        self._again = True
        while self._again and not self._stopping:
            self._again = False
            try:
                while not self._stopping and await self.dispatcher.run_batch():
                    pass
            except DBAPIError as down:
                log.warning("outbox delivery paused, the database is not answering (the next "
                            "sweep tries again): %s", first_line(down))
            except Exception:
                log.exception("outbox delivery failed; the next sweep tries again")
            if not self._again and not self._stopping:
                await self._arm()  # a poke meanwhile sets _again and we go round once more

    async def _arm(self) -> None:
        """Set the one-shot wake-up at the next due time (or lease expiry)."""
        try:
            when = await asyncio.to_thread(next_due, self.engine)
        except DBAPIError as down:
            log.warning("cannot read the next due time, the database is not answering (the "
                        "next sweep tries again): %s", first_line(down))
            return
        except Exception:
            log.exception("cannot read the next due time; the next sweep tries again")
            return
        if self._scheduler is None:
            return
        if when is None:
            if self._scheduler.get_job(WAKE) is not None:
                self._scheduler.remove_job(WAKE)
            return
        self._scheduler.add_job(self._wake, "date", run_date=max(when, utc_now()),
                                id=WAKE, replace_existing=True, misfire_grace_time=None)
