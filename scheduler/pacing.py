"""Pacing sends so each channel stays within its platform's rate (Slack ~1/s per channel)."""

import asyncio
import time


class Pacer:
    """Hands out send slots at least ``interval`` seconds apart per key.

    A slot is reserved before sleeping, so concurrent senders to one channel queue up in turn
    instead of all waking at once.
    """

    def __init__(self) -> None:
        self._next: dict[tuple[str, str], float] = {}

    async def wait(self, platform: str, key: str, interval: float) -> None:
        if interval <= 0:
            return
        now = time.monotonic()
        slot = max(now, self._next.get((platform, key), now))
        self._next[(platform, key)] = slot + interval
        if slot > now:
            await asyncio.sleep(slot - now)
