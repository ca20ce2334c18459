"""Fuzzing Slack payload shapes: signed requests into the real aiohttp server and bolt app.

Slash commands with random text and missing or odd fields, button clicks and form
submissions with missing keys, odd values, unknown action ids and odd private_metadata,
unknown payload types and invalid JSON. The server never answers 5xx, nothing logs an error,
and the database changes only when the command core accepted a command.
"""

import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.app import App
from bot.render_slack import FORM_CALLBACK, FormOrigin
from handlers.core import Reply, Speaker, Where
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.models import Outbox, OutboxStatus
from tests.conftest import BotHarness, Clock
from tests.db_state import restore, snapshot
from tests.fake_slack import FakeSlack, InThread
from tests.slack_world import CHANNEL, IOM, SlackWorld, button_value
from tests.strategies import any_lines, printable

# Loggers of our code (bolt logs through bot.slack). Our server's unhandled exceptions are
# logged by aiohttp.server, but they also answer 500, which the test checks; the fake Slack's
# aiohttp.server logs (say, a 12 kB user id in a users.info call) are not ours.
OURS = ("bot", "handlers", "scheduler", "storage", "slack_bolt")
USERS = (IOM, "U-PLACEHOLDER-RCO", "U-PLACEHOLDER-WHO", "U-STRANGER")
ODD = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.booleans(),
                st.just([]), st.just({}), st.just([{}]), printable(), st.just("💥" * 3000),
                st.sampled_from(["inf", "-inf", "nan", "1e400", "0", "-1"]))


class RecordingRunner(Runner):
    """The real runner, remembering whether each reply it gave was an acceptance."""

    def __init__(self, engine: Engine, config: AppConfig, clock: Clock) -> None:
        super().__init__(engine, config, clock)
        self.accepted = False

    def run(self, speaker: Speaker, where: Where, line: str, key: str | None = None) -> Reply:
        reply = super().run(speaker, where, line, key)
        self.accepted = self.accepted or reply.ok
        return reply


class Live:
    """A SlackWorld served from its own thread for a whole test: each example is a request."""

    def __init__(self, server: InThread[SlackWorld], world: SlackWorld,
                 runner: RecordingRunner) -> None:
        self.server = server
        self.world = world
        self.runner = runner

    def send(self, body: str) -> int:
        status, _ = self.server.call(self.world.post(body))
        self.server.call(self.world.settle())
        return status


@pytest.fixture
def live(busy_bot: BotHarness, config: AppConfig) -> Iterator[Live]:
    runner = RecordingRunner(busy_bot.engine, config, busy_bot.clock)
    app = App(config=config, engine=busy_bot.engine, runner=runner)
    server = InThread(SlackWorld(app, FakeSlack(), ack_budget=10.0, min_interval=0))
    with server as world:
        live = Live(server, world, runner)
        _wait_for_quiet_outbox(live)  # busy_bot's minutes and notices go out first
        yield live


def _wait_for_quiet_outbox(live: Live) -> None:
    """Outbox delivery runs beside the server: wait until nothing is due and unsent, so that
    a snapshot is not changed by a delivery still under way."""
    engine, now = live.runner.engine, live.runner.clock()

    def busy() -> bool:
        with Session(engine) as session:
            return session.exec(select(Outbox.id).where(
                col(Outbox.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                Outbox.due_at <= now)).first() is not None

    for _ in range(3000):
        if not busy():
            return
        time.sleep(0.01)
    raise AssertionError("the outbox did not go quiet within 30 s")


# -- payload shapes ------------------------------------------------------------------------

@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with, here and there, keys dropped, values swapped for odd ones, or nested
    values mutated in turn; most of it is kept so that the request gets somewhere."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            fate = draw(st.sampled_from(["keep"] * 6 + ["drop", "odd", "mutate"]))
            if fate != "drop":
                out[key] = draw(ODD) if fate == "odd" else (
                    draw(mutated(item)) if fate == "mutate" else item)
        return out
    if isinstance(value, list):
        return [draw(mutated(item)) for item in value]
    return value


def _form(fields: dict[str, Any]) -> str:
    return urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()})


@st.composite
def slash_commands(draw: st.DrawFn, world: SlackWorld) -> str:
    fields = world.command_fields(draw(any_lines()), draw(st.sampled_from(USERS)))
    return _form(draw(mutated(fields)))


# Button values as the bot renders them, and one in the old form (a command line).
PRESSED = [button_value("vote", {"poll": 1}, position="agree"),
           button_value("action-done", {"item": 2}), "vote #1 agree"]


@st.composite
def clicks(draw: st.DrawFn, world: SlackWorld) -> str:
    payload = world.click_payload(
        draw(st.one_of(any_lines(), st.sampled_from(PRESSED))),
        draw(st.sampled_from(USERS)),
        action_id=draw(st.sampled_from(["network_choice_1", "network_choice_77",
                                        "network_choice_x", "other_action", ""])))
    return _payload(draw(mutated(payload)))


ORIGINS = st.one_of(
    st.builds(lambda form, params: FormOrigin(form, params, CHANNEL).dump(),
              st.sampled_from(["objection", "minutes", "agenda add {item}", "{item}", "{0}",
                               "", "poll"]),
              st.sampled_from([{"poll": 1}, {}, {"poll": "x"}, {"poll": -1}, {"other": 2},
                               {"poll": "1"}, {"poll": None}])),
    printable(), st.just("{}"), st.just("[]"), st.just('{"f": 1, "p": 2, "c": null}'),
    st.just('{"s": "agenda add {item}", "f": ["item"], "c": "C"}'))


@st.composite
def submissions(draw: st.DrawFn, world: SlackWorld) -> str:
    view = {"type": "modal", "callback_id": FORM_CALLBACK, "private_metadata": draw(ORIGINS)}
    values = {name: draw(any_lines()) for name in ("item", "reason", "meeting", "body")}
    payload = world.submit_payload(view, values, draw(st.sampled_from(USERS)))
    return _payload(draw(mutated(payload)))


def _payload(payload: Any) -> str:
    return urlencode({"payload": json.dumps(payload)})


def oddities() -> st.SearchStrategy[str]:
    """Unknown payload types, payloads that are not JSON or not objects, and no payload."""
    return st.one_of(
        st.sampled_from(["message_action", "shortcut", "view_closed", "block_suggestion",
                         "interactive_message", "", "?"]).map(
            lambda kind: _payload({"type": kind, "user": {"id": IOM}})),
        printable().map(lambda text: urlencode({"payload": text})),
        st.sampled_from(["null", "[]", "1", '"x"', "{", '{"type": null}']).map(
            lambda text: urlencode({"payload": text})),
        printable(),
    )


def requests(world: SlackWorld) -> st.SearchStrategy[str]:
    return st.one_of(slash_commands(world), clicks(world), submissions(world), oddities())


# -- the property --------------------------------------------------------------------------

# The live server is built once per test and database; each example restores the snapshot.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_slack_request_is_answered_without_error_and_refusals_change_nothing(
    live: Live, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    body = data.draw(requests(live.world))
    before = snapshot(live.runner.engine)
    live.runner.accepted = False
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        status = live.send(body)
        _wait_for_quiet_outbox(live)
    changed = snapshot(live.runner.engine) != before
    if changed:
        restore(live.runner.engine, before)
    event(f"HTTP {status}, {'accepted' if live.runner.accepted else 'not accepted'}")
    assert status < 500
    assert [r.getMessage() for r in caplog.records
            if r.levelno >= logging.ERROR and r.name.startswith(OURS)] == []
    assert live.runner.accepted or not changed, "a request nobody accepted changed the database"
