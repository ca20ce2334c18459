"""Delivering the outbox: claims, sends, retries, downtime policy, jobs and in-place updates."""

import asyncio
import logging
import threading
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, func, select

from handlers.core import Reply, Scope
from handlers.jobs import job
from handlers.meetings.meetings import REMINDER
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.polls.polls import OPENED, TALLY
from scheduler.claim import claim_due, next_due
from scheduler.dispatch import Dispatcher, Policy
from scheduler.notifier import Delivery, DeliveryFailed, PostedRef, RetryLater
from scheduler.pacing import Pacer
from settings.schema import AppConfig
from storage.audience import Audience
from storage.db import transaction
from storage.models import Meeting, Outbox, OutboxStatus, Person, Poll, PostedMessage
from tests.conftest import BotHarness, Clock, shown
from tests.notifiers import RecordingNotifier

LEASE = timedelta(minutes=1)


NOTE = declare(OutboxKind("test.note"))
ANNOUNCE = declare(OutboxKind("test.announce"))
BROKEN = declare(OutboxKind("test.broken"))


@job(ANNOUNCE)
def _announce(scope: Scope, row: Outbox) -> None:
    queue(scope, NOTE, Reply(text=f"announced by job #{row.id}"))


@job(BROKEN)
def _broken(scope: Scope, row: Outbox) -> None:
    queue(scope, NOTE, Reply(text="must not survive the rollback"))
    raise RuntimeError("the job broke")


def add(engine: Engine, config: AppConfig, when: datetime, text: str = "hello",
        kind: OutboxKind = NOTE, **keys: object) -> int:
    with transaction(engine) as session:
        row = queue(Scope(session, config, when), kind, Reply(text=text), due_at=when,
                    **keys)  # type: ignore[arg-type]
        return row.id  # type: ignore[return-value]


def get(engine: Engine, row_id: int) -> Outbox:
    with Session(engine) as session:
        row = session.get(Outbox, row_id)
        assert row is not None
        return row


def run(dispatcher: Dispatcher) -> int:
    return asyncio.run(dispatcher.run_due())


def make(engine: Engine, config: AppConfig, clock: Clock, *notifiers: RecordingNotifier,
         owner: str = "A", **policy: object) -> Dispatcher:
    return Dispatcher(engine, config, list(notifiers), clock, owner=owner,
                      policy=Policy(**policy))  # type: ignore[arg-type]


def test_only_due_rows_are_claimed_and_two_claimers_never_share_one(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    ids = [add(engine, config, clock.now, f"n{i}") for i in range(12)]
    later = add(engine, config, clock.now + timedelta(hours=1))
    first = claim_due(engine, "A", clock.now, LEASE, limit=5)
    second = claim_due(engine, "B", clock.now, LEASE, limit=50)
    assert [r.id for r in first] == ids[:5]
    assert [r.id for r in second] == ids[5:]
    assert {r.lease_owner for r in second} == {"B"}
    assert all(r.status == OutboxStatus.SENDING for r in first + second)
    assert claim_due(engine, "C", clock.now, LEASE) == []
    assert get(engine, later).status == OutboxStatus.PENDING
    assert next_due(engine) == clock.now + LEASE  # the leases expire before the later row


def test_concurrent_claimers_take_each_row_exactly_once(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    with transaction(engine) as session:
        session.add_all(Outbox(kind="test.note", due_at=clock.now, payload={"text": str(i)})
                        for i in range(120))
    taken: dict[str, list[int]] = {}

    def claimer(name: str) -> None:
        mine = taken.setdefault(name, [])
        while rows := claim_due(engine, name, clock.now, LEASE, limit=7):
            mine.extend(r.id for r in rows)  # type: ignore[misc]

    threads = [threading.Thread(target=claimer, args=(f"c{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [i for ids in taken.values() for i in ids]
    assert len(everything) == 120
    assert len(set(everything)) == 120


def test_an_expired_lease_is_claimed_again_and_the_slow_owner_cannot_overwrite(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    row_id = add(engine, config, clock.now, "who sends me?")
    (stale,) = claim_due(engine, "dead", clock.now, LEASE)
    survivor = RecordingNotifier()
    assert run(make(engine, config, clock, survivor, owner="B")) == 0  # lease still held
    clock.advance(minutes=2)
    assert run(make(engine, config, clock, survivor, owner="B")) == 1
    assert survivor.texts == ["who sends me?"]
    assert get(engine, row_id).status == OutboxStatus.SENT
    slow = RecordingNotifier()
    asyncio.run(make(engine, config, clock, slow, owner="dead").dispatch([stale]))
    row = get(engine, row_id)
    assert (row.status, row.delivered, row.attempts) == (OutboxStatus.SENT, ["slack"], 0)


class DatabaseSwitch:
    """Makes every statement on ``engine`` fail as if the database had stopped, while off."""

    def __init__(self, engine: Engine) -> None:
        self.up = True
        self.error = engine.dialect.loaded_dbapi.OperationalError
        event.listen(engine, "before_cursor_execute", self._check)

    def _check(self, *_: object) -> None:
        if not self.up:
            raise self.error("the database stopped answering")


class StopsTheDatabase(RecordingNotifier):
    """Sends, then the database stops answering (before the send can be recorded)."""

    def __init__(self, switch: DatabaseSwitch) -> None:
        super().__init__()
        self.switch = switch

    async def send(self, delivery: Delivery) -> list[PostedRef]:
        refs = await super().send(delivery)
        self.switch.up = False
        return refs


def test_a_send_the_database_could_not_record_is_recorded_later_not_sent_again(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    row_id = add(engine, config, clock.now, "only once")
    switch = DatabaseSwitch(engine)
    notifier = StopsTheDatabase(switch)
    dispatcher = make(engine, config, clock, notifier)
    with pytest.raises(DBAPIError):
        run(dispatcher)
    switch.up = True
    clock.advance(minutes=2)  # the lease has expired: the row is claimable again
    run(dispatcher)
    assert notifier.texts == ["only once"]
    row = get(engine, row_id)
    assert (row.status, row.delivered, row.attempts) == (OutboxStatus.SENT, ["slack"], 0)


def test_a_429_waits_for_retry_after_without_counting_a_failure(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    row_id = add(engine, config, clock.now)
    notifier = RecordingNotifier(failures=[RetryLater(30)])
    dispatcher = make(engine, config, clock, notifier)
    run(dispatcher)
    row = get(engine, row_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    assert row.due_at == clock.now + timedelta(seconds=30)
    assert row.last_error == "rate limited: retry after 30s"
    clock.advance(seconds=29)
    assert run(dispatcher) == 0
    clock.advance(seconds=1)
    run(dispatcher)
    assert get(engine, row_id).status == OutboxStatus.SENT
    assert notifier.texts == ["hello"]


def test_server_errors_back_off_exponentially_then_fail_and_retry_resets(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    from scheduler.admin import retry

    row_id = add(engine, config, clock.now)
    notifier = RecordingNotifier(failures=[DeliveryFailed("HTTP 503") for _ in range(4)])
    dispatcher = make(engine, config, clock, notifier, max_attempts=4)
    delays = []
    for attempt in range(1, 4):
        run(dispatcher)
        row = get(engine, row_id)
        assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, attempt,
                                                             "HTTP 503")
        delays.append((row.due_at - clock.now).total_seconds())
        clock.now = row.due_at
    assert [2 ** n * 0.75 <= d <= 2 ** n * 1.25 for n, d in enumerate(delays, 1)] == [True] * 3
    run(dispatcher)
    row = get(engine, row_id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.FAILED, 4, "HTTP 503")
    assert row.lease_owner is None
    clock.advance(days=1)
    assert run(dispatcher) == 0  # failed rows stay failed
    with transaction(engine) as session:
        retry(session, row_id, clock.now)
    run(dispatcher)
    row = get(engine, row_id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 0, None)
    assert notifier.texts == ["hello"]


def test_a_permanent_failure_fails_at_once(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    row_id = add(engine, config, clock.now)
    run(make(engine, config, clock, RecordingNotifier(
        failures=[DeliveryFailed("channel_not_found", transient=False)])))
    row = get(engine, row_id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.FAILED, 1,
                                                         "channel_not_found")


def test_a_retry_after_a_partial_failure_sends_only_to_the_platforms_left(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    with Session(engine) as session:
        people = {p.name: p.id for p in session.exec(select(Person)).all()}
    row_id = add(engine, config, clock.now, "for two of you", audience=Audience.of_people(
        [people["ILO Focal Point"], people["IOM Focal Point"]]))
    slack = RecordingNotifier("slack")
    teams = RecordingNotifier("teams", failures=[DeliveryFailed("HTTP 502")])
    dispatcher = make(engine, config, clock, slack, teams)
    run(dispatcher)
    row = get(engine, row_id)
    assert (row.status, row.delivered, row.attempts) == (OutboxStatus.PENDING, ["slack"], 1)
    clock.now = row.due_at
    run(dispatcher)
    assert get(engine, row_id).status == OutboxStatus.SENT
    assert len(slack.sent) == 1 and len(teams.sent) == 1
    assert slack.sent[0].people == ("U-PLACEHOLDER-IOM", "U-PLACEHOLDER-ILO")
    assert teams.sent[0].people == ("PLACEHOLDER-AAD-IOM", "PLACEHOLDER-AAD-ILO")
    assert not slack.sent[0].to_network


def test_a_reminder_for_a_meeting_not_yet_started_goes_out_marked_late(
        engine: Engine, config: AppConfig, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    with transaction(engine) as session:
        ahead = Meeting(kind="regular", title="Ahead", starts_at=clock.now + timedelta(hours=2),
                        ends_at=clock.now + timedelta(hours=4),
                        agenda_closes_at=clock.now + timedelta(hours=1), uid="ahead@test")
        begun = Meeting(kind="regular", title="Begun", starts_at=clock.now - timedelta(minutes=5),
                        ends_at=clock.now + timedelta(hours=1),
                        agenda_closes_at=clock.now - timedelta(hours=1), uid="begun@test")
        session.add_all([ahead, begun])
        session.flush()
        ahead_id, begun_id = ahead.id, begun.id
    down_since = clock.now - timedelta(hours=3)
    late = add(engine, config, down_since, "Meeting Ahead in 1 hour", kind=REMINDER,
               meeting_id=ahead_id)
    dropped = add(engine, config, down_since, "Meeting Begun in 1 hour",
                  kind=REMINDER, meeting_id=begun_id)
    poll_due = add(engine, config, down_since, "overdue job", kind=ANNOUNCE)
    notifier = RecordingNotifier()
    with caplog.at_level(logging.WARNING, logger="scheduler.dispatch"):
        run(make(engine, config, clock, notifier))
    assert [shown(text) for text in notifier.texts] == [
        "(Sent late: this was due Mon 3 Mar 2031, 06:00 (Asia/Vientiane).)\n"
        f"*Reminder: Ahead* (meeting #{ahead_id}) starts in 2 hours.\n"  # not "in 1 hour"
        "When: Mon 3 Mar 2031, 11:00–13:00 (Asia/Vientiane)\n"
        f"See the agenda with: agenda list #{ahead_id}\n"
        "Not answered yet whether your agency attends? Use the buttons, or: meeting attend "
        f"#{ahead_id} yes <names>",
        f"announced by job #{poll_due}",
    ]
    assert notifier.sent[0].late and not notifier.sent[1].late
    assert (get(engine, late).status, get(engine, late).late) == (OutboxStatus.SENT, True)
    row = get(engine, dropped)
    assert (row.status, row.last_error) == (OutboxStatus.DROPPED,
                                            f"dropped: meeting #{begun_id} had started")
    assert f"dropped before it could be sent: meeting #{begun_id} had started" in caplog.text


def test_a_late_reminder_says_how_long_is_really_left(bot: BotHarness) -> None:
    """The 7-day reminder of a meeting on Fri 14 Mar 10:00 was due Fri 7 Mar 10:00; the bot
    was down until Mon 10 Mar 10:00, four days before the meeting."""
    assert bot.say('meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"').ok
    bot.clock.now = datetime(2031, 3, 10, 3, 0, tzinfo=UTC)  # Mon 10 Mar, 10:00 in Vientiane
    notifier = RecordingNotifier()

    def reminders() -> list[str]:
        return [shown(t) for t in notifier.texts if "Reminder" in t]

    run(make(bot.engine, bot.config, bot.clock, notifier))
    [text] = reminders()
    assert text.startswith("(Sent late: this was due Fri 7 Mar 2031, 10:00 (Asia/Vientiane).)\n"
                           "*Reminder: Mid-year review* (meeting #1) starts in 4 days.\n"
                           "When: Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)")
    bot.clock.now = datetime(2031, 3, 13, 3, 0, 30, tzinfo=UTC)  # on time, 30 s after
    run(make(bot.engine, bot.config, bot.clock, notifier))
    assert reminders()[-1].startswith(
        "*Reminder: Mid-year review* (meeting #1) starts in 1 day.\n")
    bot.clock.now = datetime(2031, 3, 14, 2, 47, 10, tzinfo=UTC)  # 47 minutes late
    run(make(bot.engine, bot.config, bot.clock, notifier))
    assert "(meeting #1) starts in 12 minutes.\n" in reminders()[-1]


def test_a_job_runs_once_and_a_failing_job_changes_nothing(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    good = add(engine, config, clock.now, kind=ANNOUNCE)
    bad = add(engine, config, clock.now, kind=BROKEN)
    notifier = RecordingNotifier()
    dispatcher = make(engine, config, clock, notifier)
    run(dispatcher)
    assert notifier.texts == [f"announced by job #{good}"]
    assert get(engine, good).status == OutboxStatus.SENT
    row = get(engine, bad)
    assert (row.status, row.attempts, row.last_error) == (
        OutboxStatus.PENDING, 1, "RuntimeError: the job broke")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Outbox)).one() == 3
    clock.advance(days=1)
    run(dispatcher)
    assert notifier.texts == [f"announced by job #{good}"]


def test_poll_messages_are_recorded_and_the_tally_updates_them_in_place(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    with transaction(engine) as session:
        poll = Poll(kind="wg.create", question="Create a WG?", closes_at=clock.now
                    + timedelta(days=7))
        session.add(poll)
        session.flush()
        poll_id = poll.id
    slack, teams = RecordingNotifier("slack"), RecordingNotifier("teams")
    dispatcher = make(engine, config, clock, slack, teams)
    add(engine, config, clock.now, "Poll #1 opened", kind=OPENED, poll_id=poll_id)
    run(dispatcher)
    with Session(engine) as session:
        posted = [(m.platform, m.channel, m.message_ref) for m in session.exec(
            select(PostedMessage).where(PostedMessage.poll_id == poll_id)
            .order_by(PostedMessage.id)).all()]
    assert posted == [("slack", "slack-network", "slack-1"), ("teams", "teams-network", "teams-1")]
    for votes in (1, 2):
        add(engine, config, clock.now, f"{votes} votes", kind=TALLY, poll_id=poll_id)
        run(dispatcher)
    assert [(d.kind, [r.message_ref for r in d.update_refs]) for d in slack.sent] == [
        ("poll.opened", []), ("poll.tally", ["slack-1"]), ("poll.tally", ["slack-1"])]
    assert [d.update_refs[0].message_ref for d in teams.sent[1:]] == ["teams-1", "teams-1"]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(PostedMessage)).one() == 2


class StandingTime:
    """Pacing checked exactly, not by timing: the clock stands at 0 and a sleep only notes,
    for the task that sleeps, the moment it would wake (so concurrent tasks keep their own)."""

    def __init__(self) -> None:
        self.woken_at: ContextVar[float] = ContextVar("woken_at", default=0.0)

    def clock(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        self.woken_at.set(seconds)
        await asyncio.sleep(0)


def test_sends_to_one_channel_are_paced_by_the_notifier(
        engine: Engine, config: AppConfig, clock: Clock) -> None:
    with Session(engine) as session:
        ilo = session.exec(select(Person.id).where(Person.name == "ILO Focal Point")).one()
    for i in range(3):
        add(engine, config, clock.now, f"paced {i}")
    add(engine, config, clock.now, "to ILO", audience=Audience.of_people([ilo]))
    time = StandingTime()
    notifier = RecordingNotifier(min_interval=0.15, clock=time.woken_at.get)
    dispatcher = make(engine, config, clock, notifier)
    dispatcher.pacer = Pacer(clock=time.clock, sleep=time.sleep)
    run(dispatcher)
    at = {text: round(when, 6) for text, when in zip(notifier.texts, notifier.times,
                                                     strict=True)}
    assert [at["paced 0"], at["paced 1"], at["paced 2"]] == [0.0, 0.15, 0.3]
    assert at["to ILO"] == 0.0  # another conversation is not held up
