"""A real, in-memory Notifier for tests: records what it was asked to send."""

import time
from collections.abc import Callable

from scheduler.notifier import Delivery, PostedRef


class RecordingNotifier:
    """Records deliveries; raises the scripted failures first, one per send."""

    def __init__(self, platform: str = "slack", min_interval: float = 0.0,
                 failures: list[Exception] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.platform = platform
        self.clock = clock
        self.min_interval = min_interval
        self.failures = list(failures or [])
        self.sent: list[Delivery] = []
        self.times: list[float] = []

    async def send(self, delivery: Delivery) -> list[PostedRef]:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(delivery)
        self.times.append(self.clock())
        if delivery.update_refs:
            return list(delivery.update_refs)
        channel = f"{self.platform}-network" if delivery.to_network else "dm"
        return [PostedRef(channel=channel, message_ref=f"{self.platform}-{len(self.sent)}")]

    @property
    def texts(self) -> list[str]:
        return [d.reply.text for d in self.sent]
