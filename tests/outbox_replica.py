"""One replica of the outbox service, as its own OS process, for the multi-replica tests.

``python -m tests.outbox_replica DATABASE_URL FAKE_URL OWNER LEASE_SECONDS``: delivers the
outbox through a notifier that posts to the fake chat API until SIGTERM; prints ``ready``
once its service runs.
"""

import asyncio
import signal
import sys
from datetime import timedelta
from pathlib import Path

import aiohttp

from bot.config import load_config
from scheduler.dispatch import Policy
from scheduler.notifier import Delivery, DeliveryFailed, PostedRef
from scheduler.service import OutboxService
from storage.db import make_engine

APP_YAML = Path(__file__).resolve().parent.parent / "app.yaml"


class HttpNotifier:
    platform = "slack"
    min_interval = 0.0

    def __init__(self, http: aiohttp.ClientSession, url: str, owner: str) -> None:
        self.http = http
        self.url = url
        self.owner = owner

    async def send(self, delivery: Delivery) -> list[PostedRef]:
        async with self.http.post(self.url, json={"id": delivery.outbox_id,
                                                  "owner": self.owner}) as response:
            if response.status >= 500:
                raise DeliveryFailed(f"HTTP {response.status}")
            data = await response.json()
        return [PostedRef(channel="C-NETWORK", message_ref=data["ts"])]


async def replica(database_url: str, fake_url: str, owner: str, lease: float) -> None:
    engine = make_engine(database_url)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with aiohttp.ClientSession() as http:
        service = OutboxService(
            engine, load_config(APP_YAML), [HttpNotifier(http, fake_url, owner)],
            owner=owner, sweep=timedelta(seconds=0.2),
            policy=Policy(lease=timedelta(seconds=lease)),
        )
        await service.start()
        print("ready", flush=True)
        await stop.wait()
        await service.stop()
    engine.dispose()


if __name__ == "__main__":
    url, fake, name, lease_seconds = sys.argv[1:5]
    asyncio.run(replica(url, fake, name, float(lease_seconds)))
