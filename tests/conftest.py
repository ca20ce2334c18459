"""Shared fixtures: real SQLite and real PostgreSQL, the repository's app.yaml, a test clock.

Every test that takes ``engine`` (directly or through ``bot``) runs on both databases.
PostgreSQL comes from TEST_DATABASE_URL; without it those cases skip, except under CI=true,
where a missing PostgreSQL is an error. Fixtures for real ``serve`` processes, a private
PostgreSQL cluster and Microsoft's Node.js tools come from the plugins below.
"""

import functools
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

from bot.config import load_config
from bot.render_text import render_text
from handlers.core import Reply, Where
from handlers.people import shell_speaker
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.db import make_engine, transaction, unlimited, upgrade
from storage.seed import sync_roster

pytest_plugins = ["tests.serve_process", "tests.private_postgres", "tests.node_tools"]

REPO = Path(__file__).resolve().parent.parent
APP_YAML = REPO / "app.yaml"
# Hypothesis: the default profile keeps the fuzz suite quick (and reproducible under CI=true);
# HYPOTHESIS_PROFILE=deep searches much longer. Deadlines are off: a loaded 2-core machine
# must not turn slow examples into failures.
settings.register_profile("default", max_examples=100, deadline=None,
                          derandomize=os.environ.get("CI") == "true", print_blob=True)
settings.register_profile("deep", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# A fixed "now" so that date understanding and deadlines are reproducible.
START = datetime(2031, 3, 3, 2, 0, tzinfo=UTC)  # Mon 3 Mar 2031, 09:00 in Vientiane


def shown(reply: Reply | str) -> str:
    """A reply's text as the shell shows it, the core's bold as ``*bold*`` (Reply.text marks
    it with private-use characters)."""
    return render_text(Reply(text=reply if isinstance(reply, str) else reply.text))


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def config() -> AppConfig:
    return load_config(APP_YAML)


UNPACED = 1_000_000  # commands a person may send a minute, for tests that send hundreds


@pytest.fixture(scope="session")
def unpaced_config(config: AppConfig) -> AppConfig:
    """The repository's settings without the per-person command limit in practice, for
    scenarios and load tests that send hundreds of commands as one person within a minute."""
    return config.model_copy(update={"commands": config.commands.model_copy(
        update={"per_person_per_minute": UNPACED})})


@functools.cache
def unpaced_app_yaml() -> Path:
    """app.yaml as a file with the same setting, for `serve` processes under load."""
    data = yaml.safe_load(APP_YAML.read_text(encoding="utf-8"))
    data.setdefault("commands", {})["per_person_per_minute"] = UNPACED
    path = Path(tempfile.mkdtemp(prefix="network-bot-unpaced-")) / "app.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must run")
        pytest.skip("TEST_DATABASE_URL not set")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def register_form(monkeypatch: pytest.MonkeyPatch, form_id: str, field: str, verb: str) -> None:
    """A form of one field for tests' own verbs, registered as a domain registers its forms:
    submitted, it runs ``<verb> <the field's value>``."""
    from handlers import forms

    monkeypatch.setitem(forms.FORMS, form_id, forms.FormSpec(
        form_id, (), (field,), (), lambda _, values: f"{verb} {values[field]}"))


def typed(monkeypatch: pytest.MonkeyPatch, lines: list[str]) -> None:
    """A terminal: ``input`` answers these lines, then end of input (Ctrl-D) as EOFError."""
    pending = iter(lines)

    def answer(prompt: str = "") -> str:
        try:
            return next(pending)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", answer)


def pressed(choice: Any) -> str:
    """The command a button runs, as the server rebuilds it from its form (a ``Choice``, or
    one stored in an outbox payload)."""
    from handlers.forms import command_for

    data = choice if isinstance(choice, dict) else vars(choice)
    return command_for(data["form"], data["params"], data["values"])


def free_port() -> int:
    """A loopback TCP port nobody listens on (for servers the tests start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _empty_postgres(engine: Engine) -> None:
    """Without the commands' statement timeout: on a loaded machine TRUNCATE of every table
    can take longer than a command may."""
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with unlimited(engine) as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        connection.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path, config: AppConfig) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path / "network.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = request.getfixturevalue("postgres_engine")
        _empty_postgres(engine)
    with transaction(engine) as session:
        sync_roster(session, config)
    yield engine
    if request.param == "sqlite":
        engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


class BotHarness:
    """Talk to the command core as anyone on the roster, like the shell does."""

    def __init__(self, engine: Engine, config: AppConfig, clock: Clock) -> None:
        self.engine = engine
        self.config = config
        self.clock = clock
        self.runner = Runner(engine, config, clock)

    def say(self, line: str, as_: str = "IOM", key: str | None = None) -> Reply:
        with Session(self.engine) as session:
            speaker = shell_speaker(session, as_)
        return self.runner.run(speaker, Where(platform="shell", channel="test"), line, key)

    def session(self) -> Session:
        return Session(self.engine)


@pytest.fixture
def bot(engine: Engine, config: AppConfig, clock: Clock) -> BotHarness:
    return BotHarness(engine, config, clock)


@pytest.fixture
def busy_bot(bot: BotHarness) -> BotHarness:
    """A network with some history, built through commands: meetings (one already held, with
    minutes), agenda items, open and closed polls with votes, a partner and action items."""
    lines = [
        ('meeting schedule regular 14 Mar 2031 10:00 "Mid-year review" where IOM office', "IOM"),
        ('meeting schedule adhoc 5 Mar 2031 14:00 "Flood response"', "IOM"),
        ('meeting schedule wg:labour-migration 20 Mar 2031 09:30 "WG review"', "ILO"),
        ("agenda add Update on the labour migration assessment #6 #18", "ILO"),
        ("agenda add Returnee reintegration for #1", "UNICEF"),
        ("agenda accept #1", "IOM"),
        ('poll propose "Adopt the 2031 annual work plan" until 14 Mar 2031 17:00', "IOM"),
        ('poll propose "Share the data dashboard" until 10 Mar 2031 17:00', "RCO"),
        ("vote #1 agree", "ILO"),
        ("vote #1 object Not before the review", "WHO"),
        ("vote #2 agree", "UNICEF"),
        ("poll close #2", "IOM"),
        ('partners add "Lao Women\'s Union" to wg:protection', "IOM"),
        ('people add @"Khampheng" partner:"Lao Women\'s Union"', "UNICEF"),
    ]
    for line, speaker in lines:
        reply = bot.say(line, as_=speaker)
        assert reply.ok, (line, reply.text)
    bot.clock.advance(days=3)  # the ad-hoc meeting of 5 March is now over
    minutes = ("minutes #2 #attendees RCO IOM ILO #topic Floods #agreed Send a joint team "
               "#action ILO circulate the draft due 30 Jun 2031 #action unicef map services")
    reply = bot.say(minutes)
    assert reply.ok, reply.text
    return bot
