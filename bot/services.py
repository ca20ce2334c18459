"""The background services that run beside ``serve``'s web server for as long as it runs.

Each has ``name``, ``async start()`` and ``async stop()``; the web app starts them in order on
startup and stops them in reverse order on cleanup (``bot.server``): outbox delivery, the purge
of old delivery keys, and, with Teams on, the check that tells a command's author when the
network's Teams channel cannot be posted to yet. The platforms' own connections (Slack's Socket
Mode, its token check) are services too, made by their adapters.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.app import App
from scheduler.dispatch import Policy
from scheduler.notifier import Notifier
from scheduler.service import OutboxService
from settings.durations import format_duration
from storage.db import first_line, transaction
from storage.delivery_keys import BATCH, purge_keys

log = logging.getLogger(__name__)


class Service(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def background_services(app: App, notifiers: list[Notifier], lease: timedelta,
                        sweep: timedelta) -> list[Service]:
    """The services started with the web server, besides the platforms' own: outbox delivery
    (``lease`` and ``sweep``: see the README's outbox section) and the key purge."""
    if not notifiers:
        return []
    service = OutboxService(app.engine, app.config, notifiers, clock=app.runner.clock,
                            sweep=sweep, policy=Policy(lease=lease))
    return [OutboxDelivery(service, app), KeyPurge(app)]


class OutboxDelivery:
    """Outbox delivery in the server's loop, woken on time and after commands that queue rows."""

    name = "outbox delivery"

    def __init__(self, service: OutboxService, app: App) -> None:
        self.service = service
        self.app = app
        self._wake: Callable[[], None] | None = None

    async def start(self) -> None:
        await self.service.start()
        loop = asyncio.get_running_loop()

        def wake() -> None:
            loop.call_soon_threadsafe(self.service.poke)

        self._wake = wake
        self.app.runner.after_queueing.append(wake)

    async def stop(self) -> None:
        if self._wake is not None and self._wake in self.app.runner.after_queueing:
            self.app.runner.after_queueing.remove(self._wake)
        await self.service.stop()


class KeyPurge:
    """Deletes delivery keys older than ``commands.keys_kept``, at start and then hourly."""

    name = "delivery key purge"
    every = 3600.0  # seconds

    def __init__(self, app: App) -> None:
        self.app = app
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.ensure_future(self._keep_purging())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def purge(self) -> int:
        """Delete the keys no platform can redeliver any more; how many."""
        before = self.app.runner.clock() - self.app.config.commands.keys_kept
        purged = 0
        while True:
            with transaction(self.app.engine) as session:
                deleted = purge_keys(session, before)
            purged += deleted
            if deleted < BATCH:
                return purged

    async def _keep_purging(self) -> None:
        while True:
            try:
                if purged := await asyncio.to_thread(self.purge):
                    log.info("purged %d delivery keys older than %s", purged,
                             format_duration(self.app.config.commands.keys_kept))
            except SQLAlchemyError as problem:
                log.warning("could not purge delivery keys: %s", first_line(problem))
            await asyncio.sleep(self.every)


class NetworkCheck:
    """While the server runs, commands that post to the network say when a platform cannot
    reach the network's channel yet (``Runner.network_checks``)."""

    name = "network channel check"

    def __init__(self, app: App, platform: str, problem: Callable[[], str | None]) -> None:
        self.app = app

        def check() -> str | None:
            found = problem()
            return f"Not posted in {platform}: {found}." if found else None

        self.check = check

    async def start(self) -> None:
        self.app.runner.network_checks.append(self.check)

    async def stop(self) -> None:
        if self.check in self.app.runner.network_checks:
            self.app.runner.network_checks.remove(self.check)
