"""Pacing sends so each channel stays within its platform's rate (Slack ~1/s per channel)."""

import asyncio
import time
from collections.abc import Awaitable, Callable


class Pacer:
    """Hands out send slots at least ``interval`` seconds apart per key.

    A slot is reserved before sleeping, so concurrent senders to one channel queue up in turn
    instead of all waking at once. ``clock`` and ``sleep`` are the monotonic clock and the
    sleep to use (tests pass a virtual pair, so pacing is checked exactly, not by timing).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._next: dict[tuple[str, str], float] = {}

    async def wait(self, platform: str, key: str, interval: float) -> None:
        if interval <= 0:
            return
        now = self._clock()
        slot = max(now, self._next.get((platform, key), now))
        self._next[(platform, key)] = slot + interval
        if slot > now:
            await self._sleep(slot - now)
