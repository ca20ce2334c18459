"""Slack end to end: signed HTTP requests into the real aiohttp server and bolt AsyncApp,
answered against a fake Slack Web API on loopback that records every call."""

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.app import App
from bot.render_slack import FORM_CALLBACK, ZWSP, FormOrigin
from bot.server import SLACK_ADAPTER, create_web_app
from bot.slack_settings import SlackSettings
from handlers import registry
from handlers.core import Attachment, Choice, Context, Form, FormField, Reply
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.db import make_engine
from storage.models import AgendaItem, Minutes, Person, ProcessedCommand
from tests.conftest import Clock, register_form
from tests.fake_slack import FakeSlack, manifest_scopes
from tests.slack_world import (
    CHANNEL,
    IOM,
    SECRET,
    TOKEN,
    SlackWorld,
    button_value,
    button_values,
)

Scenario = Callable[[SlackWorld], Awaitable[None]]


@pytest.fixture
def play(engine: Engine, config: AppConfig) -> Callable[..., None]:
    def run(scenario: Scenario, ack_budget: float = 2.0, emails: dict[str, str] | None = None
            ) -> None:
        app = App(config=config, engine=engine, runner=Runner(engine, config, Clock()))

        async def main() -> None:
            async with SlackWorld(app, FakeSlack(emails), ack_budget) as world:
                await scenario(world)

        asyncio.run(main())

    return run


def _items(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(AgendaItem.text).order_by(AgendaItem.id)).all())


def _texts(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


@pytest.fixture
def test_verbs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verbs with buttons, forms, files, long and slow replies (the real ones come later)."""

    def confirm(ctx: Context, args: str) -> Reply:
        if args == "ask":
            return Reply(text="Why?", form=Form("Reason", "confirm-reason",
                                                [FormField("answer", "Reason", multiline=True)]))
        if args == "item":
            return Reply(form=Form("Agenda item", "agenda-item", [FormField("item", "Item")]))
        if args in ("file", "my file"):
            return Reply(text="Here it is.", private=args == "my file",
                         files=[Attachment("invite.ics", b"BEGIN:VCALENDAR", "text/calendar")])
        if args == "long":
            return Reply(title="Minutes", text="\n".join(f"{n}. " + "x" * 90 for n in
                                                         range(1, 700)))
        if args == "slow":
            time.sleep(1.0)
            return Reply(text="slow but sure", private=False)
        if args:
            return Reply(text=f"confirmed: {args}")
        return Reply(text="Sure?", choices=[
            Choice("Yes", "confirm-answer", values={"answer": "yes"}, style="primary"),
            Choice("No", "confirm-answer", values={"answer": "no"})])

    spec = registry.CommandSpec("confirm", "test", "confirm", "confirm", confirm)
    monkeypatch.setitem(registry.REGISTRY, "confirm", spec)
    register_form(monkeypatch, "confirm-reason", "answer", "confirm")
    register_form(monkeypatch, "confirm-answer", "answer", "confirm")
    register_form(monkeypatch, "agenda-item", "item", "agenda add")


def test_whoami_answers_in_the_ack_privately(play: Callable[..., None]) -> None:
    async def scenario(slack: SlackWorld) -> None:
        status, body = await slack.command("whoami")
        assert status == 200
        assert body["response_type"] == "ephemeral"
        assert body["blocks"][0] == {"type": "header", "text": {
            "type": "plain_text", "text": "whoami", "emoji": True}}
        assert body["blocks"][1]["text"]["text"] == "You are IOM Focal Point."
        fields = [f["text"] for f in body["blocks"][2]["fields"]]
        assert "*Agency*\nIOM — International Organization for Migration" in fields
        assert "*Roles*\nSecretariat, member" in fields
        await slack.settle()
        assert slack.fake.of("response_url") == []
        # auth.test twice: serve's check of the token at start-up, and bolt's, once each
        assert [(call.method, call.token) for call in slack.fake.calls] == \
            [("auth.test", TOKEN)] * 2

    play(scenario)


def test_agenda_add_is_public_and_escaped(play: Callable[..., None], engine: Engine) -> None:
    """The command text as Slack sends it with should_escape on: the person typed
    `agenda add <!channel> review & x.io with @ILO for @here <b>`, picking ILO and @here from
    the list (Slack's "Formatting text for app surfaces" describes each form)."""
    async def scenario(slack: SlackWorld) -> None:
        status, body = await slack.command(
            "agenda add &lt;!channel&gt; review &amp; <http://x.io|x.io> with "
            "<@U-PLACEHOLDER-ILO|ILO Focal Point> for <!here> &lt;b&gt;")
        assert status == 200
        assert body["response_type"] == "in_channel"
        shown = _texts(body["blocks"]) + body["text"]
        assert "&lt;!channel&gt; review &amp; x.io with @ILO Focal Point for @here &lt;b&gt;" \
            in shown
        assert "<!channel>" not in shown and "<http" not in shown and "<@" not in shown
        status, body = await slack.command("help")
        assert body["response_type"] == "ephemeral"
        assert "*agenda add &lt;text&gt; [#obj1 ... #obj23] [for #N]* — Propose an item" in \
            _texts(body["blocks"])

    play(scenario)
    assert _items(engine) == ["<!channel> review & x.io with @ILO Focal Point for @here <b>"]


def test_a_person_typed_without_a_mention_is_refused_with_an_example(
    play: Callable[..., None], engine: Engine
) -> None:
    """With should_escape on, a person picked with @ arrives as <@U...|name>; a name typed
    without picking stays text and must not make a roster entry without a Slack id."""
    async def scenario(slack: SlackWorld) -> None:
        _, body = await slack.command("people add @jane.doe UNICEF")
        said = _texts(body["blocks"])
        assert "'jane.doe' is typed text, not a mention" in said
        assert "Example: people add &lt;@U0123ABC&gt; UNICEF" in said
        _, body = await slack.command("people add <@U0NEW> UNICEF")  # Slack sent no name
        assert "Person U0NEW is now on the roster (UNICEF)." in _texts(body["blocks"])
        _, body = await slack.command("whoami", user="U0NEW")
        assert body["blocks"][1]["text"]["text"] == "You are Person U0NEW."

    play(scenario)
    with Session(engine) as session:
        people = session.exec(select(Person.name).where(Person.name.like("%jane%"))).all()
    assert people == []


def test_bad_input_is_refused_and_changes_nothing(
    play: Callable[..., None], engine: Engine
) -> None:
    async def scenario(slack: SlackWorld) -> None:
        _, body = await slack.command("agenda add    ")
        assert body["response_type"] == "ephemeral"
        assert "The agenda item is empty." in _texts(body["blocks"])
        _, body = await slack.command("agendum")
        assert "I don't know 'agendum'. Did you mean agenda?" in _texts(body["blocks"])

    play(scenario)
    assert _items(engine) == []


def test_people_off_the_roster_are_refused_politely_and_looked_up_once(
    play: Callable[..., None], engine: Engine
) -> None:
    async def scenario(slack: SlackWorld) -> None:
        _, body = await slack.command("agenda add Sneaky", user="U-STRANGER")
        assert "You are not on the roster of UN Network on Migration in Lao PDR" in \
            _texts(body["blocks"])
        _, body = await slack.command("agenda", user="U-STRANGER")
        assert "not on the roster" in _texts(body["blocks"])
        assert slack.fake.of("users.info") == [{"user": "U-STRANGER"}]
        _, body = await slack.command("whoami")
        assert slack.fake.of("users.info") == [{"user": "U-STRANGER"}]  # roster ids need none

    play(scenario)
    assert _items(engine) == []


def test_a_database_outage_is_answered_politely(config: AppConfig, tmp_path: Any) -> None:
    broken = make_engine(f"sqlite:///{tmp_path}/missing/dir/network.db")
    app = App(config=config, engine=broken, runner=Runner(broken, config, Clock()))

    async def main() -> None:
        async with SlackWorld(app, FakeSlack(), 2.0) as slack:
            status, body = await slack.command("agenda add Anything", user="U-UNKNOWN")
            assert status == 200
            assert "The database is not answering right now" in _texts(body["blocks"])

    asyncio.run(main())


def test_people_are_matched_by_their_slack_email(play: Callable[..., None]) -> None:
    async def scenario(slack: SlackWorld) -> None:
        _, body = await slack.command("whoami", user="U-REAL-ILO")
        assert body["blocks"][1]["text"]["text"] == "You are ILO Focal Point."

    play(scenario, emails={"U-REAL-ILO": "ILO.Focal@placeholder.invalid"})


def test_bad_and_stale_signatures_are_refused_without_logging_bodies(
    play: Callable[..., None], engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario(slack: SlackWorld) -> None:
        body = slack.command_body("agenda add Forged item")
        assert (await slack.post(body, secret="wrong-secret"))[0] == 401
        assert (await slack.post(body, age=6 * 60))[0] == 401
        assert (await slack.post(body, headers={"X-Slack-Request-Timestamp": "soon"}))[0] == 401
        assert (await slack.post(slack.command_body("agenda add Genuine item"), age=4 * 60)
                )[0] == 200

    with caplog.at_level(logging.DEBUG):
        play(scenario)
    assert _items(engine) == ["Genuine item"]  # only the fresh, correctly signed one
    refusals = [r.getMessage() for r in caplog.records if "Refused a Slack request" in
                r.getMessage()]
    assert len(refusals) == 3
    assert "Forged" not in caplog.text and SECRET not in caplog.text and TOKEN not in caplog.text


def test_payloads_slack_would_not_send_are_refused_with_a_warning_and_change_nothing(
    play: Callable[..., None], engine: Engine, caplog: pytest.LogCaptureFixture,
    test_verbs: None,
) -> None:
    """Found by the fuzz tests: each of these used to answer 500 or log an error."""
    async def scenario(slack: SlackWorld) -> None:
        assert (await slack.post(urlencode({"payload": "{not json"})))[0] == 400
        assert (await slack.post(urlencode({"payload": "null"})))[0] == 400
        clicked = slack.click_payload(button_value("agenda-item", item="Clicked"))
        no_actions = {**clicked, "actions": None}
        assert (await slack.interact(no_actions))[0] == 400
        no_user = {k: v for k, v in slack.command_fields("agenda add Nobody").items()
                   if k != "user_id"}
        assert (await slack.post(urlencode(no_user)))[0] == 200
        endless = slack.click_payload(button_value("agenda-item", item="Clicked at no time"))
        endless["actions"][0]["action_ts"] = "inf"
        assert (await slack.interact(endless))[0] == 200
        no_response_url = slack.click_payload(button_value("agenda-item", item="Unseen answer"))
        del no_response_url["response_url"]
        assert (await slack.interact(no_response_url))[0] == 200
        bad_response_url = {**slack.click_payload(button_value("agenda-item", item="Unseen again"),
                                                  message_ts="1700000000.000002"),
                            "response_url": "1e400"}
        assert (await slack.interact(bad_response_url))[0] == 200
        for metadata in ("{}", "not json", '{"s": "agenda add {item}", "f": ["item"], "c": "C"}'):
            view = {"type": "modal", "callback_id": FORM_CALLBACK, "private_metadata": metadata}
            assert (await slack.submit(view, {"item": "Forged form"}))[0] == 200
        await slack.settle()

    with caplog.at_level(logging.WARNING):
        play(scenario)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert sum("Refused a Slack request" in r.getMessage() for r in caplog.records) == 3
    assert sum("Ignored a malformed Slack" in r.getMessage() for r in caplog.records) == 5
    assert any("Slack sent no response_url" in r.getMessage() for r in caplog.records)
    assert any("response_url that is not a URL" in r.getMessage() for r in caplog.records)
    assert sorted(_items(engine)) == ["Unseen again", "Unseen answer"]  # the clicks still ran


def test_a_redelivered_command_applies_once(play: Callable[..., None], engine: Engine) -> None:
    async def scenario(slack: SlackWorld) -> None:
        body = slack.command_body("agenda add Only once", trigger="same-trigger")
        _, first = await slack.post(body)
        _, again = await slack.post(body, headers={"X-Slack-Retry-Num": "1",
                                                   "X-Slack-Retry-Reason": "http_timeout"})
        assert first == again
        assert "Added agenda item #1" in _texts(first["blocks"])

    play(scenario)
    assert _items(engine) == ["Only once"]


def test_buttons_run_their_command_and_a_double_click_applies_once(
    play: Callable[..., None], engine: Engine, test_verbs: None
) -> None:
    async def scenario(slack: SlackWorld) -> None:
        _, body = await slack.command("confirm")
        actions = body["blocks"][-1]
        assert actions["type"] == "actions"
        assert [(b["action_id"], b["value"], b.get("style")) for b in actions["elements"]] == \
            [("network_choice_1", button_value("confirm-answer", answer="yes"), "primary"),
             ("network_choice_2", button_value("confirm-answer", answer="no"), None)]
        status, _ = await slack.click(actions["elements"][0]["value"])
        assert status == 200
        await slack.settle()
        [answer] = slack.fake.of("response_url")
        assert answer["text"] == "confirmed: yes"
        assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
        twice = button_value("agenda-item", item="Clicked twice")
        for _ in range(2):
            await slack.click(twice, message_ts="1700000000.000009")
        await slack.settle()
        await slack.click(twice, message_ts="1700000000.000010")
        await slack.settle()
        assert _items(engine) == ["Clicked twice"] * 2  # once per message, not per click
        await slack.click(twice, message_ts="1700000000.000010", later=60)
        await slack.settle()
        assert _items(engine) == ["Clicked twice"] * 3  # the same button pressed again later

    play(scenario)


def test_a_button_value_that_is_a_command_line_is_refused_and_changes_nothing(
    play: Callable[..., None], engine: Engine, test_verbs: None
) -> None:
    """A button's value is a form's submission (issue 19), never text the server runs: the
    command-line value of an older version's button, or a forged one, is refused politely."""
    async def scenario(slack: SlackWorld) -> None:
        for n, value in enumerate(["agenda add Pressed as text", "help",
                                   '{"form": "agenda-item", "values": {"item": ["x"]}}'],
                                  start=1):
            await slack.click(value, message_ts=f"1700000000.00002{n}")
        await slack.settle()
        answers = [answer["text"] for answer in slack.fake.of("response_url")]
        assert len(answers) == 3
        assert all("not one the bot can take" in answer and "nothing was done" in answer
                   for answer in answers), answers

    play(scenario)
    assert _items(engine) == []


def test_a_form_opens_a_modal_and_its_submission_runs_the_command(
    play: Callable[..., None], test_verbs: None
) -> None:
    async def scenario(slack: SlackWorld) -> None:
        status, body = await slack.command("confirm ask")
        assert status == 200 and body == ""
        await slack.settle()
        [opened] = slack.fake.of("views.open")
        assert opened["trigger_id"].startswith("trigger-")
        view = opened["view"]
        assert view["callback_id"] == "network_form" and view["title"]["text"] == "Reason"
        assert view["blocks"][0]["text"]["text"] == "Why?"
        assert view["blocks"][1]["block_id"] == "answer"
        assert view["blocks"][1]["element"]["multiline"] is True
        origin = FormOrigin.load(view["private_metadata"])
        assert (origin.form, origin.params, origin.channel) == ("confirm-reason", {}, CHANNEL)
        status, body = await slack.submit(view, {"answer": "the <!here> & more"})
        assert status == 200 and body == ""
        await slack.settle()
        [answer] = slack.fake.of("response_url")
        assert answer["text"] == "confirmed: the &lt;!here&gt; &amp; more"

    play(scenario)


def test_a_refused_submission_shows_the_error_on_the_field(
    play: Callable[..., None], engine: Engine, test_verbs: None
) -> None:
    async def scenario(slack: SlackWorld) -> None:
        await slack.command("confirm item")
        await slack.settle()
        [opened] = slack.fake.of("views.open")
        status, body = await slack.submit(opened["view"], {"item": "   "})
        assert status == 200
        assert body["response_action"] == "errors"
        assert body["errors"]["item"].startswith("The agenda item is empty.\nExample: agenda add")
        _, body = await slack.submit(opened["view"], {"item": "Fixed after the error"})
        assert body == ""
        await slack.settle()
        assert "Added agenda item #1" in slack.fake.of("response_url")[0]["text"]

    play(scenario)
    assert _items(engine) == ["Fixed after the error"]


def test_a_long_reply_is_one_message_with_the_whole_of_it_as_a_file(
    play: Callable[..., None], test_verbs: None
) -> None:
    """Never more follow-ups than a response_url takes (5, which the fake enforces)."""
    async def scenario(slack: SlackWorld) -> None:
        _, first = await slack.command("confirm long")
        await slack.settle()
        assert slack.fake.of("response_url") == []
        sections = [b["text"]["text"] for b in first["blocks"] if b["type"] == "section"]
        assert all(len(text) <= 3000 for text in sections) and len(first["blocks"]) <= 50
        shown = "\n".join(sections)
        whole = "\n".join(f"{n}. " + "x" * 90 for n in range(1, 700))
        assert whole.startswith(shown) and len(shown) < len(whole)
        assert "the whole of it is in minutes.txt" in _texts(first["blocks"])
        [upload] = slack.fake.of("upload")
        assert upload["content"].decode() == f"== Minutes ==\n{whole}\n"
        assert slack.fake.of("files.completeUploadExternal")[0]["channel_id"] == f"D{IOM}"

    play(scenario)


def test_a_slow_core_is_acked_first_and_answers_through_the_response_url(
    play: Callable[..., None], test_verbs: None
) -> None:
    async def scenario(slack: SlackWorld) -> None:
        _, body = await slack.command("confirm slow")
        assert slack.fake.of("response_url") == []  # the ack did not wait for the answer
        assert body["text"] == "Working on it…" and body["response_type"] == "ephemeral"
        await slack.settle()
        [answer] = slack.fake.of("response_url")
        assert answer["text"] == "slow but sure" and answer["response_type"] == "in_channel"

    play(scenario, ack_budget=0.05)


def test_files_are_uploaded_with_the_v2_api(
    play: Callable[..., None], test_verbs: None
) -> None:
    async def scenario(slack: SlackWorld) -> None:
        _, body = await slack.command("confirm file")
        assert "Attached: invite.ics" in _texts(body["blocks"])
        await slack.settle()
        assert [m for m in slack.fake.methods() if m != "auth.test"] == \
            ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
        assert slack.fake.of("upload")[0]["content"] == b"BEGIN:VCALENDAR"
        assert slack.fake.of("files.completeUploadExternal")[0]["channel_id"] == CHANNEL
        await slack.command("confirm my file")  # a private reply's files go to a DM
        await slack.settle()
        assert slack.fake.of("conversations.open") == [{"users": IOM}]
        assert slack.fake.of("files.completeUploadExternal")[1]["channel_id"] == f"D{IOM}"

    play(scenario)


def _get(web_app: web.Application, path: str) -> tuple[int, Any]:
    async def main() -> tuple[int, Any]:
        runner = web.AppRunner(web_app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            async with aiohttp.ClientSession() as http, \
                    http.get(f"http://127.0.0.1:{runner.addresses[0][1]}{path}") as response:
                return response.status, await response.json()
        finally:
            await runner.cleanup()

    return asyncio.run(main())


def test_healthz_reports_the_database_and_platforms(
    engine: Engine, config: AppConfig, tmp_path: Any
) -> None:
    broken = make_engine(f"sqlite:///{tmp_path}/missing/dir/network.db")
    down = App(config=config, engine=broken, runner=Runner(broken, config, Clock()))
    assert _get(create_web_app(down, None), "/healthz") == (503, {
        "status": "degraded", "database": "unreachable",
        "platforms": {"slack": "off", "teams": "off"}})


def test_start_up_and_healthz_say_which_scopes_the_token_lacks(
    engine: Engine, config: AppConfig, capsys: pytest.CaptureFixture[str], test_verbs: None
) -> None:
    """The token's scopes as Slack lists them in the x-oauth-scopes header of auth.test."""
    app = App(config=config, engine=engine, runner=Runner(engine, config, Clock()))
    installed = [scope for scope in manifest_scopes() if scope != "im:write"]

    async def main() -> None:
        async with SlackWorld(app, FakeSlack(scopes=installed), 2.0) as slack:
            await _until(lambda: slack.web_app[SLACK_ADAPTER].installation.workspace)
            async with slack.http.get(f"{slack.base}/healthz") as response:
                assert response.status == 200
                health = await response.json()
            assert health["platforms"] == {"slack": "http", "teams": "off"}
            assert health["slack"]["workspace"] == "T1"
            assert list(health["slack"]["missing_scopes"]) == ["im:write"]
            assert "direct messages" in health["slack"]["missing_scopes"]["im:write"]
            await slack.command("confirm my file")
            await slack.settle()
            assert slack.fake.take_refused() == [("conversations.open", "missing_scope")]
            [told] = slack.fake.of("response_url")  # the ack said "Attached: invite.ics"
            assert told["text"].startswith("invite.ics could not be sent (Slack refused the "
                                           f"call: missing_{ZWSP}scope)")

    asyncio.run(main())
    said = capsys.readouterr().out
    assert "Slack: installed in workspace Workspace (T1) as @network" in said
    assert "Slack: the token lacks the scope im:write, so this will not work: direct " \
        "messages" in said


def test_a_token_with_every_scope_is_said_to_be_complete(
    play: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    async def scenario(slack: SlackWorld) -> None:
        await _until(lambda: slack.web_app[SLACK_ADAPTER].installation.workspace)
        async with slack.http.get(f"{slack.base}/healthz") as response:
            assert (await response.json())["slack"] == {
                "workspace": "T1", "enterprise": None, "missing_scopes": {}}

    play(scenario)
    assert "Slack: the token has every scope the bot needs." in capsys.readouterr().out


async def _until(condition: Callable[[], object]) -> None:
    for _ in range(300):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out waiting")


def test_socket_mode_takes_commands_over_the_websocket(
    engine: Engine, config: AppConfig
) -> None:
    app = App(config=config, engine=engine, runner=Runner(engine, config, Clock()))

    async def main() -> None:
        fake = await FakeSlack().start()
        settings = SlackSettings(bot_token=TOKEN, signing_secret=SECRET, app_token="xapp-test",
                                 api_url=fake.api_url)
        runner = web.AppRunner(create_web_app(app, settings))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            await _until(lambda: fake.socket is not None)
            assert [c.token for c in fake.calls if c.method == "apps.connections.open"] == \
                ["xapp-test"]
            command = {"command": "/network", "text": "whoami", "user_id": IOM,
                       "channel_id": CHANNEL, "trigger_id": "socket-trigger", "team_id": "T1",
                       "response_url": fake.response_url("command")}
            assert fake.socket is not None
            await fake.socket.send_json({"envelope_id": "e1", "type": "slash_commands",
                                         "accepts_response_payload": True, "payload": command})
            await _until(lambda: fake.socket_replies)
            [reply] = fake.socket_replies
            assert reply["envelope_id"] == "e1"
            assert reply["payload"]["response_type"] == "ephemeral"
            assert reply["payload"]["blocks"][1]["text"]["text"] == "You are IOM Focal Point."
            async with aiohttp.ClientSession() as http:
                async with http.post(f"{base}/slack/events", data=b"x") as response:
                    assert response.status == 404  # no HTTP endpoint in Socket Mode
                async with http.get(f"{base}/healthz") as response:
                    assert (await response.json())["platforms"] == {"slack": "socket mode",
                                                                  "teams": "off"}
        finally:
            await runner.cleanup()
            await fake.stop()

    asyncio.run(main())


def test_serve_delivers_the_poll_and_updates_its_tally_in_place(
    play: Callable[..., None],
) -> None:
    """The outbox runs inside serve: the poll is posted, a vote updates the same message."""

    async def scenario(slack: SlackWorld) -> None:
        status, _ = await slack.command('poll propose "Joint statement on safe migration"',
                                        user="U-PLACEHOLDER-RCO")
        assert status == 200
        await _until(lambda: any("Joint statement" in json.dumps(call)
                                 for call in slack.fake.of("chat.postMessage")))
        [posted] = [c for c in slack.fake.of("chat.postMessage")
                    if "Joint statement" in json.dumps(c)]
        assert posted["channel"] == "C-PLACEHOLDER-NETWORK"
        agree = button_value("vote", {"poll": 1}, position="agree")
        assert agree in button_values(posted["blocks"])
        await slack.click(agree, user="U-PLACEHOLDER-ILO")
        await _until(lambda: slack.fake.of("chat.update"))
        [update] = slack.fake.of("chat.update")
        assert update["channel"] == "C-PLACEHOLDER-NETWORK"
        assert "ILO" in json.dumps(update["blocks"])

    play(scenario)


def test_requests_from_another_workspace_are_refused_once_logged_and_change_nothing(
    play: Callable[..., None], engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The installed workspace is the one auth.test names (the fake says T1)."""
    async def scenario(slack: SlackWorld) -> None:
        for _ in range(3):
            fields = {**slack.command_fields("agenda add From elsewhere"), "team_id": "T-OTHER"}
            status, body = await slack.post(urlencode(fields))
            assert status == 200 and body["response_type"] == "ephemeral"
            assert body["text"].startswith("This app is installed for another Slack workspace")
        elsewhere = slack.click_payload(button_value("agenda-item", item="Clicked elsewhere"))
        click = {**elsewhere, "team": {"id": "T-X"}}
        assert await slack.interact(click) == (200, "")
        grid = {**slack.command_fields("agenda add From the grid"),
                "enterprise_id": "E-OTHER", "team_id": "T1"}
        _, body = await slack.post(urlencode(grid))
        assert "another Slack workspace" in body["text"]
        _, body = await slack.command("agenda add At home")
        assert "Added agenda item #1" in _texts(body["blocks"])
        await slack.settle()

    with caplog.at_level(logging.WARNING):
        play(scenario)
    assert _items(engine) == ["At home"]
    refused = [r.getMessage() for r in caplog.records if "Refused Slack requests" in
               r.getMessage()]
    assert refused == [
        "Refused Slack requests from workspace T-OTHER (organisation None): the bot is "
        "installed in T1",
        "Refused Slack requests from workspace T-X (organisation None): the bot is "
        "installed in T1",
        "Refused Slack requests from workspace T1 (organisation E-OTHER): the bot is "
        "installed in T1"]


def test_slack_team_id_names_the_only_workspace_taken(engine: Engine, config: AppConfig) -> None:
    app = App(config=config, engine=engine, runner=Runner(engine, config, Clock()))

    async def main() -> None:
        async with SlackWorld(app, FakeSlack(), 2.0, team_id="T-CHOSEN") as slack:
            _, body = await slack.command("agenda add Not for this bot")
            assert "another Slack workspace" in body["text"]
            fields = {**slack.command_fields("agenda add Chosen"), "team_id": "T-CHOSEN"}
            _, body = await slack.post(urlencode(fields))
            assert "Added agenda item #1" in _texts(body["blocks"])

    asyncio.run(main())
    assert _items(engine) == ["Chosen"]


def test_slacks_ssl_check_is_answered_without_a_signature(play: Callable[..., None]) -> None:
    """Slack sends ssl_check=1 unsigned when a request URL is saved; bolt answers it 200."""
    async def scenario(slack: SlackWorld) -> None:
        async with slack.http.post(f"{slack.base}/slack/events",
                                   data={"ssl_check": "1", "token": "legacy"}) as response:
            assert response.status == 200
        status, _ = await slack.post(urlencode({"token": "legacy", "text": "x"}),
                                     headers={"X-Slack-Signature": "v0=bad"})
        assert status == 401

    play(scenario)


def test_the_minutes_form_shows_each_error_under_its_field_and_takes_long_minutes(
    engine: Engine, config: AppConfig
) -> None:
    clock = Clock()
    app = App(config=config, engine=engine, runner=Runner(engine, config, clock))
    first, second = "#agreed " + "a" * 2990, "#info " + "b" * 2990

    async def main() -> None:
        async with SlackWorld(app, FakeSlack(), 2.0) as slack:
            await slack.command('meeting schedule regular 10/03/2031 10:00 "Spring meeting"')
            clock.advance(days=8)
            await slack.command("minutes")
            await slack.settle()
            [opened] = slack.fake.of("views.open")
            view = opened["view"]
            inputs = [b for b in view["blocks"] if b["type"] == "input"]
            assert [b["element"].get("max_length") for b in inputs] == \
                [None] + [3000] * 6 + [20000 - 6 * 3000]
            _, body = await slack.submit(view, {"meeting": "#1", "body": "#attendees RCO XYZ"})
            assert list(body["errors"]) == ["body"]
            assert body["errors"]["body"].startswith("#attendees: unknown agency XYZ.")
            _, body = await slack.submit(view, {"meeting": "#99", "body": "#agreed Fine"})
            assert list(body["errors"]) == ["meeting"]
            assert body["errors"]["meeting"].startswith("There is no meeting #99.\nExample: ")
            _, body = await slack.submit(view, {"meeting": "#1", "body": first, "body~2": second})
            assert body == ""
            await slack.settle()
            answer = slack.fake.of("response_url")[-1]
            assert answer["text"] == "Minutes of meeting #1"
            assert "version 1" in _texts(answer["blocks"]).lower()

    asyncio.run(main())
    with Session(engine) as session:
        [minutes] = session.exec(select(Minutes)).all()
    assert minutes.body == first + "\n" + second


def test_delivery_keys_name_the_workspace_and_the_person(
    play: Callable[..., None], engine: Engine
) -> None:
    """The same trigger id from two people (or workspaces) is two commands."""
    async def scenario(slack: SlackWorld) -> None:
        for user in ("U-PLACEHOLDER-IOM", "U-PLACEHOLDER-ILO"):
            body = slack.command_body(f"agenda add From {user}", user=user, trigger="same")
            _, answer = await slack.post(body)
            assert "Added agenda item" in _texts(answer["blocks"])

    play(scenario)
    assert _items(engine) == ["From U-PLACEHOLDER-IOM", "From U-PLACEHOLDER-ILO"]
    with Session(engine) as session:
        keys = sorted(session.exec(select(ProcessedCommand.key)).all())
    assert keys == ["slack:command:T1:U-PLACEHOLDER-ILO:same",
                    "slack:command:T1:U-PLACEHOLDER-IOM:same"]
