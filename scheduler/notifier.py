"""The contract between the outbox dispatcher and each platform's notifier.

The dispatcher claims a due outbox row, resolves its audience for each enabled platform and
hands the notifier a Delivery. The notifier renders the neutral Reply for its platform and
sends it. It returns references to what it posted (so poll messages can be updated in place
later), raises RetryLater when the platform asks to slow down (HTTP 429 Retry-After), and
raises DeliveryFailed for anything else; the dispatcher decides on backoff and final failure.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from handlers.core import Reply


@dataclass(frozen=True)
class PostedRef:
    """A message the platform accepted: its channel and id (Slack ``ts``, Teams activity id)."""

    channel: str
    message_ref: str


@dataclass(frozen=True)
class Delivery:
    outbox_id: int
    kind: str
    reply: Reply
    to_network: bool  # post to the platform's network channel(s) from app.yaml
    people: tuple[str, ...] = ()  # this platform's user ids to message directly
    # Messages to update in place instead of posting anew (a poll's live tally).
    update_refs: tuple[PostedRef, ...] = field(default_factory=tuple)
    late: bool = False  # sent after its due time because the bot was down


class RetryLater(Exception):
    """The platform asked us to wait (HTTP 429); ``seconds`` from Retry-After."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {seconds:.0f}s")
        self.seconds = seconds


class DeliveryFailed(Exception):
    """Sending failed; ``transient`` failures (5xx, network) are retried with backoff.
    ``waiting_for`` names a conversation the bot is not in yet (``teams:<conversation id>``):
    the row waits, and goes out once the bot has been added there."""

    def __init__(self, detail: str, transient: bool = True,
                 waiting_for: str | None = None) -> None:
        super().__init__(detail)
        self.transient = transient and waiting_for is None
        self.waiting_for = waiting_for


class Notifier(Protocol):
    """One platform's sender. ``min_interval`` is the least time in seconds between two sends
    to one channel or conversation (Slack about 1.0, Teams 1/7); the dispatcher paces to it."""

    platform: str
    min_interval: float

    async def send(self, delivery: Delivery) -> list[PostedRef]: ...


Send = Callable[[], Awaitable[list[PostedRef]]]


class ReachedTargets:
    """The targets each delivery already reached, for notifiers that send to several.

    A retry after a later target failed does not post twice to the ones before it; what a
    delivery reached is forgotten once it completes or fails for good.
    """

    def __init__(self) -> None:
        self._reached: dict[tuple[int, str], list[PostedRef]] = {}

    async def send_each(self, outbox_id: int, sends: list[tuple[str, Send]]) -> list[PostedRef]:
        refs: list[PostedRef] = []
        try:
            for target, send in sends:
                key = (outbox_id, target)
                if key not in self._reached:
                    self._reached[key] = await send()
                refs += self._reached[key]
        except DeliveryFailed as failure:
            if not failure.transient:
                self._forget(outbox_id)
            raise
        self._forget(outbox_id)
        return refs

    def _forget(self, outbox_id: int) -> None:
        for key in [key for key in self._reached if key[0] == outbox_id]:
            del self._reached[key]
