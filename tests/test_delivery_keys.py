"""Delivery keys are kept for commands.keys_kept and purged after (they only grew: 4,757 rows
after one test run), in batches, while serve runs."""

from datetime import timedelta

from sqlalchemy import Engine, insert
from sqlmodel import Session, func, select

from bot.app import App
from bot.services import KeyPurge
from handlers.core import Speaker, Where
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.delivery_keys import BATCH
from storage.models import ProcessedCommand
from tests.conftest import Clock


def _keys(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(ProcessedCommand)).one()


def test_keys_older_than_keys_kept_are_purged_in_batches_and_recent_ones_kept(
    engine: Engine, config: AppConfig
) -> None:
    clock = Clock()
    app = App(config=config, engine=engine, runner=Runner(engine, config, clock))
    kept = config.commands.keys_kept
    assert kept == timedelta(days=7)
    rows = [{"key": f"slack:command:T1:U:{n}", "reply": {"text": "ok"},
             "created_at": clock.now - kept - timedelta(minutes=1 + n % 3)}
            for n in range(BATCH + 7)]
    rows += [{"key": f"teams:t:c:{n}", "reply": {}, "created_at": clock.now - kept
              + timedelta(minutes=1)} for n in range(3)]
    with Session(engine) as session:
        session.execute(insert(ProcessedCommand), rows)
        session.commit()
    assert KeyPurge(app).purge() == BATCH + 7
    assert _keys(engine) == 3
    assert KeyPurge(app).purge() == 0


def test_a_redelivery_within_keys_kept_still_applies_once(
    engine: Engine, config: AppConfig
) -> None:
    clock = Clock()
    runner = Runner(engine, config, clock)
    app = App(config=config, engine=engine, runner=runner)
    speaker, where = Speaker("slack", "U-PLACEHOLDER-ILO"), Where("slack", "C")
    first = runner.run(speaker, where, "agenda add Skills recognition", "k")
    clock.advance(days=6)
    KeyPurge(app).purge()
    assert runner.run(speaker, where, "agenda add Skills recognition", "k") == first
    clock.advance(days=2)
    KeyPurge(app).purge()
    assert _keys(engine) == 0
