"""How many commands one person may send in a minute (``commands.per_person_per_minute``).

A sliding window per person, kept in this process's memory: a person (or, off the roster, a
platform account) who sent the limit in the last 60 seconds is refused, told when to try
again, and nothing runs. People never come near the default; it stops a script or a stuck
client from filling the record (one focal point's script once stored 1,000 agenda items in 4
seconds). Each replica counts for itself, so with several behind a load balancer a person may
send up to that many times the limit. The outbox is never paced here: it is not a command.
"""

import math
import threading
from collections import deque
from datetime import datetime, timedelta

from handlers.core import UserError

WINDOW = timedelta(minutes=1)


class CommandPacing:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._sent: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()  # commands run in worker threads

    def admit(self, who: str, now: datetime, example: str) -> None:
        """Count a command of ``who``, or refuse it when they are over the limit."""
        with self._lock:
            self._forget_before(now - WINDOW)
            sent = self._sent.setdefault(who, deque())
            if len(sent) >= self.per_minute:
                wait = math.ceil((sent[0] + WINDOW - now).total_seconds())
                raise UserError(
                    f"You have sent {len(sent)} commands in the last minute, more than the bot "
                    f"takes from one person, so this one was not run. Please try again in "
                    f"{max(wait, 1)} second{'s' if wait != 1 else ''}.", example)
            sent.append(now)

    def _forget_before(self, cutoff: datetime) -> None:
        for who in list(self._sent):
            sent = self._sent[who]
            while sent and sent[0] <= cutoff:
                sent.popleft()
            if not sent:
                del self._sent[who]
