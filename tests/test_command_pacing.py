"""Commands per person per minute (commands.per_person_per_minute): a runaway client is
refused with when to try again, nothing runs, and the outbox and the shell are not paced."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from handlers.command_pacing import CommandPacing
from handlers.core import Speaker, UserError, Where
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.models import AgendaItem
from tests.conftest import BotHarness, Clock

ILO = Speaker(platform="slack", external_id="U-PLACEHOLDER-ILO", display_name="ilo")
WHO = Speaker(platform="slack", external_id="U-PLACEHOLDER-WHO", display_name="who")
SLACK = Where("slack", "C-TEST")


def _items(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AgendaItem)).one()


def test_a_person_over_the_limit_is_told_when_to_try_again_and_nothing_runs(
    engine: Engine, config: AppConfig
) -> None:
    clock = Clock()
    limited = config.model_copy(update={"commands": config.commands.model_copy(
        update={"per_person_per_minute": 3})})
    runner = Runner(engine, limited, clock)
    for n in range(3):
        assert runner.run(ILO, SLACK, f"agenda add Item {n}", f"k{n}").ok
        clock.advance(seconds=10)
    refused = runner.run(ILO, SLACK, "agenda add One too many", "k3")
    assert not refused.ok
    assert refused.text == ("You have sent 3 commands in the last minute, more than the bot "
                            "takes from one person, so this one was not run. Please try again "
                            "in 30 seconds.\nExample: agenda add Update on the labour migration "
                            "assessment #obj6 #obj18")
    assert _items(engine) == 3
    assert runner.run(WHO, SLACK, "agenda add Someone else's item", "k4").ok  # per person
    assert runner.run(ILO, SLACK, "agenda add Redelivered", "k0").ok  # a redelivery replays
    clock.advance(seconds=30)
    assert runner.run(ILO, SLACK, "agenda add After the wait", "k5").ok
    assert _items(engine) == 5


def test_the_shell_is_not_paced(engine: Engine, config: AppConfig) -> None:
    limited = config.model_copy(update={"commands": config.commands.model_copy(
        update={"per_person_per_minute": 1})})
    bot = BotHarness(engine, limited, Clock())  # speaks as the shell does
    assert all(bot.say(f"agenda add Shell item {n}").ok for n in range(5))


def test_the_window_slides_and_forgets_people() -> None:
    pacing = CommandPacing(per_minute=2)
    start = Clock().now
    pacing.admit("a", start, "help")
    pacing.admit("a", start + timedelta(seconds=59), "help")
    with pytest.raises(UserError, match=r"try again in 1 second\.$"):
        pacing.admit("a", start + timedelta(seconds=59.5), "help")
    pacing.admit("a", start + timedelta(seconds=60), "help")  # the first left the window
    pacing.admit("b", start + timedelta(seconds=200), "help")
    assert list(pacing._sent) == ["b"]
