"""The one clock: what time it is, in UTC.

Everything that needs "now" takes a ``Clock`` (tests pass a fake one) whose default is
``utc_now``; the database's own timestamps (``storage.models``) and the scheduler's wake-up
times use ``utc_now`` too, so no module keeps a clock of its own.
"""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
