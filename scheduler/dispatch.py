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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from handlers.core import Reply, Scope
from handlers.jobs import load_jobs
from handlers.outbox_kinds import PLAIN, OutboxKind, load_kinds
from handlers.timefmt import show_time
from scheduler.audience import platform_ids
from scheduler.claim import claim_due, owned
from scheduler.notifier import Delivery, DeliveryFailed, Notifier, PostedRef, RetryLater
from scheduler.pacing import Pacer
from settings.clock import Clock, utc_now
from settings.schema import AppConfig
from storage.audience import Audience
from storage.db import transaction
from storage.models import Outbox, OutboxStatus, PostedMessage

log = logging.getLogger(__name__)
_NETWORK_PACING = "network"  # the pacing key of posts to the network's channels

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
        self.kinds = load_kinds()
        self.pacer = Pacer()
        # Sends whose outcome could not be recorded (the database stopped answering): recorded
        # before anything is claimed again, so this replica never re-sends what it sent.
        self._unsettled: list[Outcome] = []

    async def run_due(self) -> int:
        """Claim and handle batches until nothing is due; returns how many rows were handled."""
        handled = 0
        while count := await self.run_batch():
            handled += count
        return handled

    async def run_batch(self) -> int:
        """Claim one batch of due rows and handle it; returns how many rows it had."""
        if self._unsettled:
            await asyncio.to_thread(self._settle, self._unsettled)
            self._unsettled = []
        rows = await asyncio.to_thread(claim_due, self.engine, self.owner, self.clock(),
                                       self.policy.lease, self.policy.batch)
        if rows:
            await self.dispatch(rows)
        return len(rows)

    async def dispatch(self, rows: list[Outbox]) -> None:
        """Run or send claimed rows; a row's failure is recorded on it, never raised.

        Rows of a kind sent ``last`` go after the others, one at a time and in order.
        """
        last = [row for row in rows if self._kind(row).last]
        await self._dispatch([row for row in rows if not self._kind(row).last],
                             self.policy.concurrency)
        await self._dispatch(last, 1)

    def _kind(self, row: Outbox) -> OutboxKind:
        return self.kinds.get(row.kind, PLAIN)

    async def _dispatch(self, rows: list[Outbox], concurrency: int) -> None:
        """A group costs two transactions however many messages it holds (one to plan them,
        one to settle every outcome) plus one per job."""
        if not rows:
            return
        messages = [row for row in rows if row.kind not in self.jobs]
        plans = await asyncio.to_thread(self._plan, messages) if messages else {}
        gate = asyncio.Semaphore(concurrency)

        async def one(row: Outbox) -> Outcome | None:
            async with gate:
                if row.kind in self.jobs:
                    await asyncio.to_thread(self._run_job, row)
                    return None
                plan = plans.get(_claimed_id(row))
                return None if plan is None else await self._send(row, plan)

        outcomes = [o for o in await asyncio.gather(*(one(row) for row in rows)) if o]
        if outcomes:
            try:
                await asyncio.to_thread(self._settle, outcomes)
            except DBAPIError:
                self._unsettled += outcomes
                raise

    # Jobs ------------------------------------------------------------------------------

    def _run_job(self, row: Outbox) -> None:
        now = self.clock()
        try:
            with transaction(self.engine) as session:
                if not _write(session, row, self.owner, status=OutboxStatus.SENT, sent_at=now,
                              lease_owner=None, lease_until=None, last_error=None):
                    return
                self.jobs[row.kind](Scope(session, self.config, now),
                                    session.get_one(Outbox, row.id))
        except Exception as error:
            log.exception("outbox #%s: job %s failed", row.id, row.kind)
            self._settle([Outcome(row, list(row.delivered), error=error)])

    # Messages --------------------------------------------------------------------------

    def _plan(self, rows: list[Outbox]) -> dict[int, dict[str, Delivery | None]]:
        """Each row's Delivery per platform (None: nobody to reach there); drops the rows
        their kind finds stale, which are then absent from the result."""
        now = self.clock()
        plans: dict[int, dict[str, Delivery | None]] = {}
        reach: dict[tuple[str, Audience], tuple[str, ...]] = {}
        with transaction(self.engine) as session:
            scope = Scope(session, self.config, now)
            for row in rows:
                kind = self._kind(row)
                if reason := kind.stale(scope, row):
                    log.warning("outbox #%s (%s): dropped before it could be sent: %s",
                                row.id, row.kind, reason)
                    _write(session, row, self.owner, status=OutboxStatus.DROPPED,
                           lease_owner=None, lease_until=None, last_error=f"dropped: {reason}")
                    continue
                late = now - row.due_at > self.policy.late_after
                reply = Reply.from_dict(row.payload)
                if late:
                    _write(session, row, self.owner, late=True)
                    reply = self._marked_late(kind.current(scope, row) or reply, row.due_at)
                plans[_claimed_id(row)] = {
                    n.platform: self._delivery(session, row, n.platform, reply, late, reach)
                    for n in self.notifiers
                }
        return plans

    def _delivery(
        self, session: Session, row: Outbox, platform: str, reply: Reply, late: bool,
        reach: dict[tuple[str, Audience], tuple[str, ...]],
    ) -> Delivery | None:
        audience = row.audience
        if (platform, audience) not in reach:
            reach[(platform, audience)] = () if audience.to_network else platform_ids(
                session, platform, audience.people)
        people = reach[(platform, audience)]
        if not audience.to_network and not people:
            return None
        return Delivery(
            outbox_id=_claimed_id(row),
            kind=row.kind, reply=reply, to_network=audience.to_network, people=people, late=late,
            update_refs=_posted(session, row.poll_id, platform) if self._kind(row).edits_posted
            else (),
        )

    def _marked_late(self, reply: Reply, due_at: datetime) -> Reply:
        note = f"(Sent late: this was due {show_time(due_at, self.config.network.zone)}.)"
        return replace(reply, text=f"{note}\n{reply.text}" if reply.text else note)

    async def _send(self, row: Outbox, plan: dict[str, Delivery | None]) -> "Outcome":
        """Send to each platform not yet delivered, stopping at the first failure."""
        outcome = Outcome(row, list(row.delivered))
        for notifier in self.notifiers:
            if notifier.platform in outcome.delivered:
                continue
            delivery = plan[notifier.platform]
            if delivery is not None:
                key = _NETWORK_PACING if delivery.to_network else ",".join(delivery.people)
                await self.pacer.wait(notifier.platform, key, notifier.min_interval)
                try:
                    refs = await notifier.send(delivery)
                except Exception as error:
                    if not isinstance(error, RetryLater | DeliveryFailed):
                        log.exception("outbox #%s: %s notifier failed", row.id,
                                      notifier.platform)
                    outcome.error = error
                    return outcome
                outcome.refs += [(notifier.platform, ref) for ref in refs]
            outcome.delivered.append(notifier.platform)
        return outcome

    # Outcomes --------------------------------------------------------------------------

    def _settle(self, outcomes: list["Outcome"]) -> None:
        """Record sends, retries and failures, and the poll messages posted, in one go."""
        now = self.clock()
        with transaction(self.engine) as session:
            for outcome in outcomes:
                row = outcome.row
                if not _write(session, row, self.owner, **self._settlement(outcome, now)):
                    log.warning("outbox #%s: lease lost while sending; another replica has it",
                                row.id)
                    continue
                if row.poll_id is None:
                    continue
                for platform, ref in outcome.refs:
                    if ref not in _posted(session, row.poll_id, platform):
                        session.add(PostedMessage(poll_id=row.poll_id, platform=platform,
                                                  channel=ref.channel,
                                                  message_ref=ref.message_ref, posted_at=now))
                        session.flush()

    def _settlement(self, outcome: "Outcome", now: datetime) -> dict[str, Any]:
        """The row's new values: sent; postponed for a 429 (not a failed attempt); retried
        with backoff after a transient failure; waiting for a conversation the bot is not in
        yet; failed after the last attempt or a permanent failure."""
        row, error = outcome.row, outcome.error
        values: dict[str, Any] = {"delivered": outcome.delivered, "lease_owner": None,
                                  "lease_until": None}
        if error is None:
            return values | {"status": OutboxStatus.SENT, "sent_at": now, "last_error": None}
        if isinstance(error, RetryLater):
            return values | {"status": OutboxStatus.PENDING, "last_error": f"rate limited: {error}",
                             "due_at": now + timedelta(seconds=error.seconds)}
        failure = error if isinstance(error, DeliveryFailed) else DeliveryFailed(
            f"{type(error).__name__}: {error}")
        attempts = row.attempts + 1
        values |= {"attempts": attempts, "last_error": str(failure)[:2000]}
        if failure.transient and attempts < self.policy.max_attempts:
            delay = self.policy.backoff(attempts)
            log.warning("outbox #%s (%s) attempt %d failed, retrying in %.0fs: %s",
                        row.id, row.kind, attempts, delay, failure)
            return values | {"status": OutboxStatus.PENDING,
                             "due_at": now + timedelta(seconds=delay)}
        if failure.waiting_for:
            log.warning("outbox #%s (%s) waits for %s: %s", row.id, row.kind,
                        failure.waiting_for, failure)
            return values | {"status": OutboxStatus.WAITING, "waiting_for": failure.waiting_for}
        log.error("outbox #%s (%s) failed after %d attempt(s): %s",
                  row.id, row.kind, attempts, failure)
        return values | {"status": OutboxStatus.FAILED}


@dataclass
class Outcome:
    """What became of one message row in a batch: the platforms that have it, the messages
    they posted, and the error that stopped it (None: sent everywhere)."""

    row: Outbox
    delivered: list[str]
    refs: list[tuple[str, PostedRef]] = field(default_factory=list)
    error: Exception | None = None


def _write(session: Session, row: Outbox, owner: str, **values: Any) -> bool:
    """Update a claimed row if the claim is still ours; returns whether it was."""
    result = session.exec(update(Outbox).where(owned(_claimed_id(row), owner)).values(**values))
    return result.rowcount == 1


def _claimed_id(row: Outbox) -> int:
    """A claimed row's id: rows read from the table always have one."""
    if row.id is None:
        raise ValueError("an outbox row that was never stored cannot be dispatched")
    return row.id


def _posted(session: Session, poll_id: int | None, platform: str) -> tuple[PostedRef, ...]:
    if poll_id is None:
        return ()
    return tuple(PostedRef(m.channel, m.message_ref) for m in session.exec(
        select(PostedMessage).where(PostedMessage.poll_id == poll_id,
                                    PostedMessage.platform == platform)
        .order_by(col(PostedMessage.id))).all())
