"""The shell prints what falls due, and the Secretariat's ``network-bot outbox`` commands."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.app import App
from bot.cli import main
from bot.shell import Shell
from handlers import registry
from handlers.core import Context, Reply
from handlers.meetings.meeting_plan import NUDGE
from handlers.meetings.meetings import SCHEDULED
from handlers.notify import queue
from handlers.polls.polls import OPENED, TALLY
from handlers.records.action_reminders import KIND as ACTION_REMINDER
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.audience import Audience
from storage.db import transaction
from storage.models import Outbox, OutboxStatus, Person, Poll
from tests.conftest import APP_YAML, Clock


@pytest.fixture
def shell_app(engine: Engine, config: AppConfig, clock: Clock,
              monkeypatch: pytest.MonkeyPatch) -> App:
    def announce(ctx: Context, args: str) -> Reply:
        ilo = ctx.session.exec(select(Person.id).where(Person.name == "ILO Focal Point")).one()
        poll = Poll(kind="wg.create", question="Create a WG?", closes_at=ctx.now)
        ctx.session.add(poll)
        ctx.session.flush()
        queue(ctx, SCHEDULED, Reply(text="*Meeting #1* on Friday"))
        queue(ctx, ACTION_REMINDER, Reply(text="Your action #2 is due"),
              audience=Audience.of_people([ilo]))
        queue(ctx, OPENED, Reply(text="Poll #1 is open"), poll_id=poll.id)
        queue(ctx, TALLY, Reply(text="Poll #1: 1 vote"), poll_id=poll.id)
        queue(ctx, NUDGE, Reply(text="Plan the next meetings"),
              due_at=ctx.now + timedelta(days=1))
        return Reply(text="queued")

    spec = registry.CommandSpec("announce", "test", "announce", "announce", announce)
    monkeypatch.setitem(registry.REGISTRY, "announce", spec)
    return App(config=config, engine=engine, runner=Runner(engine, config, clock))


def test_the_shell_prints_what_falls_due_after_each_command(shell_app: App, clock: Clock) -> None:
    out = io.StringIO()
    Shell(shell_app, io.StringIO("announce\n"), out, interactive=False).run()
    assert out.getvalue() == (
        "> announce\nqueued\n"
        "-- to the network channels --\n*Meeting #1* on Friday\n"
        "-- to ILO Focal Point --\nYour action #2 is due\n"
        "-- to the network channels --\nPoll #1 is open\n"
        "-- to the network channels (updated in place) --\nPoll #1: 1 vote\n"
    )
    clock.advance(days=2)
    out = io.StringIO()
    Shell(shell_app, io.StringIO(""), out, interactive=False).run()
    assert out.getvalue() == (
        "-- to the network channels --\n"
        "(Sent late: this was due Tue 4 Mar 2031, 09:00 (Asia/Vientiane).)\n"
        "Plan the next meetings\n"
    )


def _cli(engine: Engine, *args: str) -> list[str]:
    url = engine.url.render_as_string(hide_password=False)
    return ["--config", str(APP_YAML), "--database-url", url, "outbox", *args]


def test_outbox_lists_failed_rows_and_retry_puts_one_back(
        engine: Engine, config: AppConfig, capsys: pytest.CaptureFixture[str]) -> None:
    with transaction(engine) as session:
        for kind, status, error in [("meeting.reminder", OutboxStatus.FAILED, "HTTP 503"),
                                    ("poll.opened", OutboxStatus.PENDING, None),
                                    ("minutes.posted", OutboxStatus.SENT, None)]:
            session.add(Outbox(kind=kind, due_at=Clock().now, status=status, attempts=6 if
                               error else 0, last_error=error))
    assert main(_cli(engine)) == 0
    # open_app also queues the twice-yearly plan check and the weekly digest (pending, due in
    # the real future, in either order).
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == "Outbox: 1 failed, 3 pending, 1 sent."
    assert lines[1] == "id kind due (Asia/Vientiane) status attempts last error"
    assert sorted(line.split()[1] for line in lines[2:4]) == ["digest.weekly",
                                                              "meetings.plan_check"]
    assert lines[4:6] == ["#1 meeting.reminder 2031-03-03 09:00 failed 6 HTTP 503",
                          "#2 poll.opened 2031-03-03 09:00 pending 0"]
    assert lines[6] == "Retry a failed row with: network-bot outbox retry ID"
    assert main(_cli(engine, "--failed")) == 0
    assert "#2" not in capsys.readouterr().out
    assert main(_cli(engine, "retry", "2")) == 1
    assert capsys.readouterr().err == (
        "Outbox row #2 is pending, not failed; only failed or waiting rows can be retried. "
        "See them with: network-bot outbox\n")
    assert main(_cli(engine, "retry", "99")) == 1
    assert "There is no outbox row #99." in capsys.readouterr().err
    assert main(_cli(engine, "retry")) == 2
    assert "Example: network-bot outbox retry 12" in capsys.readouterr().err
    assert main(_cli(engine, "retry", "1")) == 0
    assert capsys.readouterr().out == ("Outbox row #1 (meeting.reminder) is pending again and "
                                       "will be sent at the next delivery run.\n")
    with Session(engine) as session:
        row = session.get(Outbox, 1)
        assert row is not None and (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    assert main(_cli(engine, "--failed")) == 0
    assert capsys.readouterr().out == "Outbox: 4 pending, 1 sent.\nNo failed rows.\n"
