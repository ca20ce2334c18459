"""The dispatcher: claims due outbox rows and either runs them (jobs) or sends them.

For a message row it builds one Delivery per enabled notifier, skipping platforms already in
``row.delivered`` (so a retry after a partial failure sends only to the rest), records the
messages a platform returns for polls (so a poll's tally can be updated in place later), and
marks the row sent. A job row (``handlers.jobs``) runs in one transaction that also marks the
row sent, so a job's effects and its completion commit together.

Every write after the claim is conditional on still holding the lease (``claim.owned``): a
replica that was too slow and lost its lease to another does not overwrite the other's work.
Database work runs in worker threads so the event loop stays free for the chat adapters.
"""

import asyncio
import logging
import os
import random
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, select

from bot.config import AppConfig
from handlers.core import Reply, Scope
from handlers.jobs import load_jobs
from handlers.runner import Clock, utc_now
from handlers.timefmt import show_time
from scheduler.audience import platform_ids
from scheduler.claim import claim_due, owned
from scheduler.notifier import Delivery, DeliveryFailed, Notifier, PostedRef, RetryLater
from scheduler.pacing import Pacer
from storage.db import transaction
from storage.models import Meeting, Outbox, OutboxStatus, PostedMessage
from storage.outbox import NETWORK, audience_people

log = logging.getLogger(__name__)

MEETING_REMINDER = "meeting.reminder"
POLL_TALLY = "poll.tally"


@dataclass(frozen=True)
class Policy:
    lease: timedelta = timedelta(minutes=5)  # longer than a batch takes to send, pacing included
    max_attempts: int = 6  # transient failures before a row is marked failed
    backoff_cap: float = 900.0  # seconds
    late_after: timedelta = timedelta(minutes=2)  # sent later than this: marked late
    batch: int = 50  # rows claimed at a time
    concurrency: int = 8  # rows sent at once (1 keeps the order, as the shell needs)

    def backoff(self, attempts: int) -> float:
        """Seconds before retry number ``attempts``: 2^n, capped, with +-25% jitter."""
        return min(self.backoff_cap, 2.0 ** attempts) * random.uniform(0.75, 1.25)


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        config: AppConfig,
        notifiers: Sequence[Notifier],
        clock: Clock = utc_now,
        *,
        owner: str | None = None,
        policy: Policy | None = None,
    ) -> None:
        if not notifiers:
            raise ValueError("the dispatcher needs at least one notifier to send through")
        self.engine = engine
        self.config = config
        self.notifiers = list(notifiers)
        self.clock = clock
        self.owner = owner or default_owner()
        self.policy = policy or Policy()
        self.jobs = load_jobs()
        self.pacer = Pacer()

    async def run_due(self) -> int:
        """Claim and handle batches until nothing is due; returns how many rows were handled."""
        handled = 0
        while count := await self.run_batch():
            handled += count
        return handled

    async def run_batch(self) -> int:
        rows = await asyncio.to_thread(claim_due, self.engine, self.owner, self.clock(),
                                       self.policy.lease, self.policy.batch)
        gate = asyncio.Semaphore(self.policy.concurrency)

        async def one(row: Outbox) -> None:
            async with gate:
                await self.handle(row)

        await asyncio.gather(*(one(row) for row in rows))
        return len(rows)

    async def handle(self, row: Outbox) -> None:
        """Run or send one claimed row; never raises (failures are recorded on the row)."""
        try:
            if row.kind in self.jobs:
                await asyncio.to_thread(self._run_job, row)
            else:
                await self._deliver(row)
        except RetryLater as wait:
            await asyncio.to_thread(self._postpone, row, wait.seconds, str(wait))
        except DeliveryFailed as failure:
            await asyncio.to_thread(self._fail, row, str(failure), failure.transient)
        except Exception as error:
            log.exception("outbox #%s (%s) failed", row.id, row.kind)
            await asyncio.to_thread(self._fail, row, f"{type(error).__name__}: {error}", True)

    # Jobs ------------------------------------------------------------------------------

    def _run_job(self, row: Outbox) -> None:
        now = self.clock()
        with transaction(self.engine) as session:
            if not _write(session, row, self.owner, status=OutboxStatus.SENT, sent_at=now,
                          lease_owner=None, lease_until=None, last_error=None):
                return
            self.jobs[row.kind](Scope(session, self.config, now), session.get(Outbox, row.id))

    # Messages --------------------------------------------------------------------------

    async def _deliver(self, row: Outbox) -> None:
        plan = await asyncio.to_thread(self._plan, row)
        if plan is None:
            return
        delivered = list(row.delivered)
        pending = [n for n in self.notifiers if n.platform not in delivered]
        for notifier in pending:
            delivery = plan.get(notifier.platform)
            refs: list[PostedRef] = []
            if delivery is not None:
                key = NETWORK if delivery.to_network else ",".join(delivery.people)
                await self.pacer.wait(notifier.platform, key, notifier.min_interval)
                refs = await notifier.send(delivery)
            delivered.append(notifier.platform)
            last = notifier is pending[-1]
            if not await asyncio.to_thread(self._record, row, notifier.platform, refs,
                                           delivered, last):
                return
        if not pending:
            await asyncio.to_thread(self._record, row, None, [], delivered, True)

    def _plan(self, row: Outbox) -> dict[str, Delivery | None] | None:
        """Each platform's Delivery (None: nobody to reach there), or None if dropped."""
        now = self.clock()
        late = now - row.due_at > self.policy.late_after
        with transaction(self.engine) as session:
            if row.kind == MEETING_REMINDER and row.meeting_id is not None:
                meeting = session.get(Meeting, row.meeting_id)
                if meeting is not None and meeting.starts_at <= now:
                    log.warning("outbox #%s: dropped the reminder of meeting #%s, which started "
                                "at %s, before it could be sent", row.id, meeting.id,
                                meeting.starts_at.isoformat())
                    _write(session, row, self.owner, status=OutboxStatus.DROPPED,
                           lease_owner=None, lease_until=None,
                           last_error=f"dropped: meeting #{meeting.id} had started")
                    return None
            if late:
                _write(session, row, self.owner, late=True)
            reply = Reply.from_dict(row.payload)
            if late:
                reply = self._marked_late(reply, row.due_at)
            people = audience_people(row.audience)
            plan: dict[str, Delivery | None] = {}
            for notifier in self.notifiers:
                ids = platform_ids(session, notifier.platform, people)
                to_network = row.audience == NETWORK
                if not to_network and not ids:
                    plan[notifier.platform] = None
                    continue
                plan[notifier.platform] = Delivery(
                    outbox_id=row.id,  # type: ignore[arg-type]
                    kind=row.kind, reply=reply, to_network=to_network,
                    people=ids, late=late,
                    update_refs=_posted(session, row.poll_id, notifier.platform)
                    if row.kind == POLL_TALLY else (),
                )
            return plan

    def _marked_late(self, reply: Reply, due_at: datetime) -> Reply:
        note = f"(Sent late: this was due {show_time(due_at, self.config.network.zone)}.)"
        return replace(reply, text=f"{note}\n{reply.text}" if reply.text else note)

    def _record(
        self, row: Outbox, platform: str | None, refs: list[PostedRef], delivered: list[str],
        last: bool,
    ) -> bool:
        """Note a platform as delivered (and the row as sent after the last one)."""
        now = self.clock()
        values: dict[str, Any] = {"delivered": delivered}
        if last:
            values.update(status=OutboxStatus.SENT, sent_at=now, lease_owner=None,
                          lease_until=None, last_error=None)
        with transaction(self.engine) as session:
            if not _write(session, row, self.owner, **values):
                log.warning("outbox #%s: lease lost while sending; another replica has it",
                            row.id)
                return False
            if row.poll_id is not None and platform is not None:
                known = set(_posted(session, row.poll_id, platform))
                session.add_all(PostedMessage(poll_id=row.poll_id, platform=platform,
                                              channel=ref.channel, message_ref=ref.message_ref,
                                              posted_at=now)
                                for ref in refs if ref not in known)
        return True

    # Failures --------------------------------------------------------------------------

    def _postpone(self, row: Outbox, seconds: float, detail: str) -> None:
        """The platform asked us to wait: try again then; this is not a failed attempt."""
        with transaction(self.engine) as session:
            _write(session, row, self.owner, status=OutboxStatus.PENDING,
                   due_at=self.clock() + timedelta(seconds=seconds), lease_owner=None,
                   lease_until=None, last_error=f"rate limited: {detail}")

    def _fail(self, row: Outbox, error: str, transient: bool) -> None:
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": error[:2000],
                                  "lease_owner": None, "lease_until": None}
        if transient and attempts < self.policy.max_attempts:
            delay = self.policy.backoff(attempts)
            values.update(status=OutboxStatus.PENDING,
                          due_at=self.clock() + timedelta(seconds=delay))
            log.warning("outbox #%s (%s) attempt %d failed, retrying in %.0fs: %s",
                        row.id, row.kind, attempts, delay, error)
        else:
            values["status"] = OutboxStatus.FAILED
            log.error("outbox #%s (%s) failed after %d attempt(s): %s",
                      row.id, row.kind, attempts, error)
        with transaction(self.engine) as session:
            _write(session, row, self.owner, **values)


def _write(session: Session, row: Outbox, owner: str, **values: Any) -> bool:
    """Update a claimed row if the claim is still ours; returns whether it was."""
    result = session.execute(update(Outbox).where(owned(row.id or 0, owner)).values(**values))
    return result.rowcount == 1  # type: ignore[attr-defined]


def _posted(session: Session, poll_id: int | None, platform: str) -> tuple[PostedRef, ...]:
    if poll_id is None:
        return ()
    return tuple(PostedRef(m.channel, m.message_ref) for m in session.exec(
        select(PostedMessage).where(PostedMessage.poll_id == poll_id,
                                    PostedMessage.platform == platform)
        .order_by(PostedMessage.id)).all())
