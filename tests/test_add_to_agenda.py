"""Issue 21's "Add to agenda" from a message: the agenda-item form (``agenda new``, form
``agenda-new``), Slack's message shortcut and Teams' message action.

The form is rebuilt on submit as the ``agenda add`` line, so its rules are agenda add's. Slack:
signed ``message_action`` payloads shaped as Slack's reference shows them
(docs.slack.dev/reference/interaction-payloads/shortcuts-interaction-payload) into the real
bolt app, answered by the fake Web API (tests/fake_slack.py), the modal checked with
slack_sdk's View model (``view_problems``). Teams: ``composeExtension/fetchTask`` and
``submitAction`` invokes, shaped as Microsoft documents them (learn.microsoft.com/
microsoftteams/platform/messaging-extensions/how-to/action-commands/respond-to-task-module-
submit), through botbuilder's CloudAdapter with real tokens (tests/test_teams_http.py), the
dialog's card checked against the Adaptive Cards 1.5 schema (``card_problems``).

"Now" is Mon 3 Mar 2031, 09:00 in Vientiane; an agenda closes 3 days before its meeting.
"""

import asyncio
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.app import App
from bot.cli import main
from bot.shell import Shell
from bot.slack_scopes import bot_scopes
from bot.teams_text import html_to_text
from handlers.core import Reply, Where
from handlers.forms import command_for
from handlers.people import shell_speaker
from handlers.runner import NOT_ON_ROSTER, Runner
from settings.schema import AppConfig
from storage.models import AgendaItem, AgendaItemObjective
from tests.conftest import APP_YAML, BotHarness, Clock, shown, typed
from tests.fake_slack import FakeSlack
from tests.node_tools import NodeTools
from tests.slack_reference import FEATURE_SCOPES, view_problems
from tests.slack_world import CHANNEL, IOM, SlackWorld
from tests.teams_reference import card_problems
from tests.test_teams_http import Teams, app, keys, play  # noqa: F401  (the fixtures)
from tests.test_teams_setup import _manifest_of_the_package, _schema_failures

MIDYEAR = 'meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"'
LATER = 'meeting schedule adhoc 28 Mar 2031 10:00 "Follow-up"'
ILO = "U-PLACEHOLDER-ILO"
VISITOR = "U-NOT-ON-THE-ROSTER"
MESSAGE_TS = "1700000123.000200"
PERMALINK = f"https://workspace.slack.com/archives/{CHANNEL}/p1700000123000200"
# A message as Slack sends it: mrkdwn, a mention by id, a labelled link, escaped characters.
SLACK_TEXT = ("Can we discuss the labour migration assessment with <@U-PLACEHOLDER-WHO> "
              "&amp; partners? Draft: <https://example.org/draft|the draft> &lt;v2&gt;")
SLACK_PLAIN = ("Can we discuss the labour migration assessment with @Person U-PLACEHOLDER-WHO "
               "& partners? Draft: the draft <v2>")


def _items(engine: Engine) -> list[tuple[str, int | None, list[int]]]:
    """Every agenda item: its text, meeting and objectives (as stored)."""
    with Session(engine) as session:
        items = session.exec(select(AgendaItem).order_by(AgendaItem.id)).all()  # type: ignore[arg-type]
        return [(item.text, item.meeting_id, sorted(session.exec(
            select(AgendaItemObjective.objective_number)
            .where(AgendaItemObjective.item_id == item.id)).all())) for item in items]


def _fields(reply: Reply) -> dict[str, Any]:
    assert reply.form is not None and reply.form.id == "agenda-new", shown(reply)
    return {field.name: field for field in reply.form.fields}


def _submit(bot: BotHarness, values: dict[str, str], as_: str = "ILO") -> Reply:
    with bot.session() as session:
        speaker = shell_speaker(session, as_)
    return bot.runner.submit(speaker, Where("shell", "test"), "agenda-new", {}, values)


# -- the core: agenda new and the agenda-new form -------------------------------------------


def test_agenda_new_opens_the_form_with_the_text_the_link_the_objectives_and_the_meeting(
    bot: BotHarness,
) -> None:
    bot.say(MIDYEAR)
    bot.say(LATER)
    reply = bot.say("agenda new Labour migration assessment https://example.org/a", as_="ILO")
    fields = _fields(reply)
    assert list(fields) == ["text", "link", "objectives", "meeting"]
    assert (fields["text"].initial, fields["text"].multiline) == ("Labour migration assessment",
                                                                  True)
    assert fields["link"].initial == "https://example.org/a" and not fields["link"].required
    objectives = fields["objectives"]
    assert objectives.multiple and not objectives.required
    assert [value for value, _ in objectives.options] == [f"#obj{n}" for n in range(1, 24)]
    assert objectives.options[5] == ("#obj6", "6. Facilitate fair and ethical recruitment and "
                                              "safeguard conditions that ensure decent work")
    assert fields["meeting"].options == [("#1", "#1 14 Mar 2031: Mid-year review"),
                                         ("#2", "#2 28 Mar 2031: Follow-up")]
    assert fields["meeting"].initial == "#1"  # the next meeting open for items
    assert shown(reply).startswith("The item goes to meeting #1 unless you choose another; its "
                                   "agenda closes Tue 11 Mar 2031, 10:00 (Asia/Vientiane).")


def test_the_form_is_the_agenda_add_line_with_objective_tags(bot: BotHarness) -> None:
    values = {"text": "Labour migration assessment", "link": "https://example.org/a",
              "objectives": "#obj6,#obj18", "meeting": "#2"}
    assert command_for("agenda-new", {}, values) == (
        "agenda add Labour migration assessment https://example.org/a #obj6 #obj18 for #2")
    bot.say(MIDYEAR)
    bot.say(LATER)
    added = _submit(bot, values)
    assert added.ok and added.text.startswith("Added agenda item #1 (obj 6, obj 18) to meeting "
                                              '#2 "Follow-up"')
    assert _items(bot.engine) == [
        ("Labour migration assessment https://example.org/a", 2, [6, 18])]


def test_without_an_open_meeting_the_form_says_so_and_the_item_waits_in_the_backlog(
    bot: BotHarness,
) -> None:
    reply = bot.say("agenda new Returnee reintegration", as_="UNICEF")
    assert _fields(reply)["meeting"].options == [
        ("backlog", "The backlog: the next network meeting scheduled")]
    assert shown(reply).startswith(
        "No network meeting is open for agenda items yet: the item waits in the backlog and "
        "joins the next meeting once one is scheduled (the Chair or the Secretariat: meeting "
        'schedule regular 14 Mar 2031 10:00 "Mid-year review" where IOM office).')
    added = _submit(bot, {"text": "Returnee reintegration", "link": "", "objectives": "",
                          "meeting": "backlog"}, as_="UNICEF")
    assert "to the backlog" in added.text
    assert _items(bot.engine) == [("Returnee reintegration", None, [])]


def test_a_message_longer_than_an_item_is_cut_to_fit_with_its_link_and_said_so(
    bot: BotHarness,
) -> None:
    link = "https://example.org/" + "x" * 79  # 99 characters
    reply = bot.say(f"agenda new {'word ' * 300}{link}")
    fields = _fields(reply)
    assert fields["link"].initial == link
    assert len(fields["text"].initial) == 1000 - 100 - 1  # "word" ends at 899, then a space
    assert "The text has 1,499 characters and an agenda item takes 1,000 with its link, so it " \
           "was cut to fit: check its end." in shown(reply)


@pytest.mark.parametrize(("values", "about", "problem"), [
    ({"objectives": "#obj6 for #2"}, "objectives", "Choose the objectives from the list."),
    ({"objectives": "#obj6,agenda withdraw #1"}, "objectives",
     "Choose the objectives from the list."),
    ({"meeting": "for #1"}, "meeting", "Choose the meeting from the list."),
    ({"link": "javascript:alert(1)"}, "link", "The link must be one web address"),
    ({"link": "https://a.org #obj1"}, "link", "The link must be one web address"),
    ({"text": "Follow-up to poll #3", "link": ""}, "text",
     "The text ends with '#3', which agenda add would read as an objective tag or a meeting"),
])
def test_a_forged_or_ambiguous_submission_is_refused_and_nothing_is_stored(
    bot: BotHarness, values: dict[str, str], about: str, problem: str,
) -> None:
    bot.say(MIDYEAR)
    reply = _submit(bot, {"text": "Labour migration", "link": "https://example.org/a",
                          "objectives": "#obj6", "meeting": "#1", **values})
    assert not reply.ok and reply.about == about and problem in reply.text
    assert _items(bot.engine) == []


def test_agenda_adds_refusals_are_the_forms(bot: BotHarness) -> None:
    """Objectives out of range, a meeting whose agenda closed: agenda add's own words."""
    bot.say(MIDYEAR)
    wrong = _submit(bot, {"text": "Labour migration", "link": "", "objectives": "#obj24",
                          "meeting": "#1"})
    assert "#obj24 is not a GCM objective" in wrong.text
    bot.clock.advance(days=9)  # Wed 12 Mar: the agenda of #1 closed on the 11th
    closed = _submit(bot, {"text": "Labour migration", "link": "", "objectives": "",
                           "meeting": "#1"})
    assert "The agenda of meeting #1 closed" in closed.text
    assert _items(bot.engine) == []


def test_a_partner_is_offered_their_working_groups_meetings_only(bot: BotHarness) -> None:
    bot.say('partners add "Lao Women\'s Union" to wg:protection')
    bot.say('people add @"Khampheng" partner:"Lao Women\'s Union"')
    refused = bot.say("agenda new Outreach", as_="Khampheng")  # no meeting of theirs yet
    assert not refused.ok and "meetings of your working groups (protection)" in refused.text
    bot.say('meeting schedule regular 18/03/2031 10:00 "Mid-year review"')
    bot.say('meeting schedule wg:protection 20/03/2031 10:00 "Protection WG"')
    fields = _fields(bot.say("agenda new Outreach", as_="Khampheng"))
    assert (fields["meeting"].options, fields["meeting"].initial) == (
        [("#2", "#2 20 Mar 2031: Protection WG")], "#2")
    added = _submit(bot, {"text": "Outreach", "link": "", "objectives": "", "meeting": "#2"},
                    as_="Khampheng")
    assert added.ok, added.text
    # A member sees both, the network's meeting first chosen.
    fields = _fields(bot.say("agenda new Outreach", as_="ILO"))
    assert [value for value, _ in fields["meeting"].options] == ["#1", "#2"]
    assert fields["meeting"].initial == "#1"


def test_a_visitor_cannot_open_the_form(bot: BotHarness) -> None:
    reply = bot.say("agenda new Something", as_="a guest")
    assert not reply.ok and reply.form is None and "not on the roster" in reply.text


def _shell(engine: Engine, config: AppConfig) -> io.StringIO:
    """What an interactive shell said to the lines ``typed`` gives it."""
    out = io.StringIO()
    Shell(App(config=config, engine=engine, runner=Runner(engine, config, Clock())),
          io.StringIO(), out, interactive=True).run()
    return out


def test_the_shell_asks_the_form_and_takes_objectives_by_their_numbers(
    engine: Engine, config: AppConfig, monkeypatch: pytest.MonkeyPatch,
) -> None:
    typed(monkeypatch, [MIDYEAR, "agenda new", "Labour migration assessment", "END", "",
                        "6 18", "1"])
    out = _shell(engine, config)
    assert "GCM objectives (optional) (numbers separated by spaces, or an empty line for " \
           "none):" in out.getvalue()
    assert "Added agenda item #1 (obj 6, obj 18) to meeting #1" in out.getvalue()
    assert _items(engine) == [("Labour migration assessment", 1, [6, 18])]


# -- Slack: the message shortcut ------------------------------------------------------------


def shortcut_payload(world: SlackWorld, user: str = ILO, text: str = SLACK_TEXT,
                     trigger: str = "shortcut-trigger") -> dict[str, Any]:
    """The ``message_action`` payload Slack sends for a message shortcut (its reference's
    fields: type, callback_id, trigger_id, response_url, message_ts, message, channel, user,
    team)."""
    return {
        "type": "message_action", "token": "deprecated", "action_ts": "1700000200.000001",
        "team": {"id": "T1", "domain": "workspace"},
        "user": {"id": user, "name": "focal.point", "username": "focal.point",
                 "team_id": "T1"},
        "channel": {"id": CHANNEL, "name": "migration-network"},
        "is_enterprise_install": False, "enterprise": None,
        "callback_id": "add_to_agenda", "trigger_id": trigger,
        "response_url": world.fake.response_url("shortcut"), "message_ts": MESSAGE_TS,
        "message": {"type": "message", "user": IOM, "ts": MESSAGE_TS, "text": text,
                    "team": "T1"},
    }


@pytest.fixture
def slack(app: App) -> Callable[..., None]:  # noqa: F811
    def run(scenario: Callable[[SlackWorld], Any]) -> None:
        async def main() -> None:
            async with SlackWorld(app, FakeSlack(), 2.0) as world:
                await scenario(world)

        asyncio.run(main())

    return run


def _modal_inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block["element"] for block in view["blocks"]
            if block["type"] == "input"}


def test_the_slack_shortcut_opens_the_modal_with_the_message_and_its_permalink_and_adds_it(
    slack: Callable[..., None], engine: Engine,
) -> None:
    async def scenario(world: SlackWorld) -> None:
        await world.command(MIDYEAR)
        await world.settle()
        status, answer = await world.interact(shortcut_payload(world))
        assert (status, answer) == (200, "")  # acknowledged at once, with nothing to show
        await world.settle()
        assert world.fake.of("chat.getPermalink") == [
            {"channel": CHANNEL, "message_ts": MESSAGE_TS}]
        [opened] = world.fake.of("views.open")
        assert opened["trigger_id"] == "shortcut-trigger"
        view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
        assert view_problems(view) == []
        inputs = _modal_inputs(view)
        assert list(inputs) == ["text", "link", "objectives", "meeting"]
        assert inputs["text"]["initial_value"] == SLACK_PLAIN
        assert inputs["link"]["initial_value"] == PERMALINK
        assert inputs["objectives"]["type"] == "multi_static_select"
        assert len(inputs["objectives"]["options"]) == 23
        assert inputs["meeting"]["initial_option"]["value"] == "#1"
        # Submitted with two objectives ticked: agenda add stores the tags.
        status, answer = await world.submit(view, {
            "text": SLACK_PLAIN, "link": PERMALINK, "objectives": "#obj6,#obj18",
            "meeting": "#1"}, user=ILO)
        assert status == 200 and answer == ""
        await world.settle()
        [told] = [call for call in world.fake.of("response_url") if call["name"] == "shortcut"]
        assert told["response_type"] == "in_channel"  # in the channel of the message
        assert told["text"].startswith("Added agenda item #1 (obj 6, obj 18) to meeting #1")

    slack(scenario)
    assert _items(engine) == [(f"{SLACK_PLAIN} {PERMALINK}", 1, [6, 18])]


def test_a_visitor_gets_the_cores_refusal_and_no_modal(
    slack: Callable[..., None], engine: Engine,
) -> None:
    async def scenario(world: SlackWorld) -> None:
        status, _ = await world.interact(shortcut_payload(world, user=VISITOR))
        assert status == 200
        await world.settle()
        assert world.fake.of("views.open") == []
        [told] = world.fake.of("response_url")
        assert told["response_type"] == "ephemeral"
        assert told["text"].startswith(NOT_ON_ROSTER.split("{")[0])

    slack(scenario)
    assert _items(engine) == []


def test_an_item_over_the_limit_is_refused_in_the_modal_and_nothing_is_stored(
    slack: Callable[..., None], engine: Engine,
) -> None:
    async def scenario(world: SlackWorld) -> None:
        await world.command(MIDYEAR)
        await world.settle()
        await world.interact(shortcut_payload(world, text="A short message"))
        await world.settle()
        [opened] = world.fake.of("views.open")
        view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
        # Slack's box holds 1,000 characters; the link (61) comes on top: 950 + 1 + 61.
        status, answer = await world.submit(view, {
            "text": "x" * 950, "link": PERMALINK, "objectives": "", "meeting": "#1"}, user=ILO)
        assert status == 200 and answer["response_action"] == "errors"
        assert answer["errors"] == {"text": "The agenda item is 1,012 characters long; the "
                                            "limit is 1,000.\nExample: agenda add Update on "
                                            "the labour migration assessment #obj6 #obj18"}

    slack(scenario)
    assert _items(engine) == []


def test_without_a_permalink_the_modal_still_opens_without_a_link(
    slack: Callable[..., None],
) -> None:
    async def scenario(world: SlackWorld) -> None:
        world.fake.fail("chat.getPermalink", 200, "message_not_found")
        await world.interact(shortcut_payload(world, text="Budget review"))
        await world.settle()
        [opened] = world.fake.of("views.open")
        view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
        inputs = _modal_inputs(view)
        assert inputs["text"]["initial_value"] == "Budget review"
        assert "initial_value" not in inputs["link"]

    slack(scenario)


def test_the_slack_manifest_declares_the_shortcut_and_its_scope(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--config", str(APP_YAML), "manifest", "slack", "--socket-mode"]) == 0
    manifest = yaml.safe_load(capsys.readouterr().out)
    assert manifest["features"]["shortcuts"] == [{
        "name": "Add to agenda", "type": "message", "callback_id": "add_to_agenda",
        "description": "Propose this message as an item for the next meeting's agenda"}]
    assert FEATURE_SCOPES["shortcuts"] in manifest["oauth_config"]["scopes"]["bot"]
    assert manifest["oauth_config"]["scopes"]["bot"] == bot_scopes()
    assert manifest["settings"]["interactivity"]["is_enabled"] is True  # shortcuts arrive there


# -- Teams: the message action --------------------------------------------------------------

TEAMS_HTML = ('<p>Can we discuss the <b>labour migration</b> assessment with '
              '<at id="0">WHO Focal Point</at> &amp; partners?</p>'
              '<p>Draft: <a href="https://example.org/draft">the draft</a>&nbsp;&lt;v2&gt;</p>')
TEAMS_PLAIN = ("Can we discuss the labour migration assessment with @WHO Focal Point & "
               "partners?\nDraft: the draft <v2>")
TEAMS_LINK = ("https://teams.microsoft.com/l/message/19:network@thread.tacv2/1700000123?"
              "groupId=g&parentMessageId=1700000123")


def test_html_becomes_the_text_people_saw() -> None:
    assert html_to_text(TEAMS_HTML) == TEAMS_PLAIN
    assert html_to_text("<div>one<br>two</div><ul><li>a</li><li>b</li></ul>"
                        "<script>alert(1)</script><img alt='🙂' src='x.png'>") == \
        "one\ntwo\n- a\n- b\n🙂"
    assert html_to_text("plain &amp; simple") == "plain & simple"


def _action(teams: Teams, name: str, value: dict[str, Any], agency: str = "ILO"
            ) -> dict[str, Any]:
    return teams.client.activity(
        "invoke", name=name, conversation="19:network@thread.tacv2;messageid=1700000123",
        conversation_type="channel",
        sender={"id": f"29:{agency.lower()}", "name": f"{agency} Focal Point",
                "aadObjectId": f"PLACEHOLDER-AAD-{agency}"},
        value={"commandId": "addToAgenda", "commandContext": "message",
               "context": {"theme": "default"}, **value})


MESSAGE_PAYLOAD = {"messagePayload": {
    "id": "1700000123", "messageType": "message", "linkToMessage": TEAMS_LINK,
    "body": {"contentType": "html", "content": TEAMS_HTML},
    "from": {"user": {"id": "PLACEHOLDER-AAD-IOM", "displayName": "IOM Focal Point"}}}}


async def _invoke(teams: Teams, activity: dict[str, Any]) -> dict[str, Any]:
    status, body = await teams.send(activity, f"Bearer {teams.token(activity)}")
    assert status == 200, body
    answer: dict[str, Any] = json.loads(body)
    return answer


def _schedule_midyear(engine: Engine, bot_app: App) -> None:
    """The Secretariat schedules the meeting the Teams dialogs add to."""
    with Session(engine) as session:
        iom = shell_speaker(session, "IOM")
    bot_app.runner.run(iom, Where("shell", "test"), MIDYEAR)


def _card_inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {element["id"]: element for element in card["body"]
            if element["type"].startswith("Input.")}


def test_the_teams_action_shows_the_form_as_a_dialog_and_its_submit_adds_the_item(
    play: Callable[..., None], engine: Engine, app: App,  # noqa: F811
) -> None:
    _schedule_midyear(engine, app)

    async def scenario(teams: Teams) -> None:
        fetched = await _invoke(teams, _action(teams, "composeExtension/fetchTask",
                                               MESSAGE_PAYLOAD))
        assert fetched["task"]["type"] == "continue"
        dialog = fetched["task"]["value"]
        assert dialog["title"] == "Add to agenda"
        assert dialog["card"]["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = dialog["card"]["content"]
        assert card_problems(card) == []
        inputs = _card_inputs(card)
        assert inputs["text"]["value"] == TEAMS_PLAIN
        assert inputs["link"]["value"] == TEAMS_LINK
        assert inputs["objectives"]["isMultiSelect"] is True
        assert inputs["meeting"]["value"] == "#1"
        [submit] = card["actions"]
        # Teams sends the inputs beside the Action.Submit's data, multi-select values joined.
        data = {**submit["data"], "text": TEAMS_PLAIN, "link": TEAMS_LINK,
                "objectives": "#obj6,#obj18", "meeting": "#1"}
        done = await _invoke(teams, _action(teams, "composeExtension/submitAction",
                                            {**MESSAGE_PAYLOAD, "data": data}))
        assert done["task"]["type"] == "message"
        assert done["task"]["value"].startswith("Added agenda item #1 (obj 6, obj 18) to "
                                                "meeting #1")
        # ... and the conversation is told, as of a command typed there.
        [posted] = [sent for sent in teams.connector.sent if sent.cards]
        assert "Added agenda item #1" in json.dumps(posted.cards)
        # A redelivery of the same submit (same activity id) adds nothing more.
        again = _action(teams, "composeExtension/submitAction",
                        {**MESSAGE_PAYLOAD, "data": data})
        again["id"] = "submit-1"
        first = await _invoke(teams, {**again})
        assert first["task"]["value"].startswith("Added agenda item #2")
        assert await _invoke(teams, again) == first

    play(scenario)
    assert _items(engine) == [(f"{TEAMS_PLAIN} {TEAMS_LINK}", 1, [6, 18])] * 2


def test_a_refused_teams_submit_shows_the_form_again_with_what_was_wrong(
    play: Callable[..., None], engine: Engine, app: App,  # noqa: F811
) -> None:
    _schedule_midyear(engine, app)

    async def scenario(teams: Teams) -> None:
        data = {"form": "agenda-new", "params": {}, "text": "x" * 990, "link": TEAMS_LINK,
                "objectives": "#obj6", "meeting": "#1"}
        again = await _invoke(teams, _action(teams, "composeExtension/submitAction",
                                             {**MESSAGE_PAYLOAD, "data": data}))
        assert again["task"]["type"] == "continue"
        card = again["task"]["value"]["card"]["content"]
        assert card_problems(card) == []
        # 990 characters, a space and the link's 109.
        assert "The agenda item is 1,100 characters long; the limit is 1,000." in \
            json.dumps(card)
        inputs = _card_inputs(card)
        assert (inputs["text"]["value"], inputs["objectives"]["value"]) == ("x" * 990, "#obj6")
        assert teams.connector.sent == []

    play(scenario)
    assert _items(engine) == []


def test_a_teams_visitor_gets_the_cores_refusal_in_the_dialog(
    play: Callable[..., None], engine: Engine,  # noqa: F811
) -> None:
    async def scenario(teams: Teams) -> None:
        activity = _action(teams, "composeExtension/fetchTask", MESSAGE_PAYLOAD)
        activity["from"] = {"id": "29:guest", "name": "A Guest", "aadObjectId": "AAD-GUEST"}
        answer = await _invoke(teams, activity)
        assert answer["task"]["type"] == "message"
        assert "You are not on the roster" in answer["task"]["value"]

    play(scenario)
    assert _items(engine) == []


def test_the_teams_manifest_declares_the_message_action_as_microsofts_schema_takes_it(
    tmp_path: Path, node_tools: NodeTools,
) -> None:
    """Reference: @microsoft/app-manifest's schema of the manifest's version and its validator
    (tests/test_teams_setup.py), which also refuses a broken action command."""
    manifest = _manifest_of_the_package(tmp_path)
    assert manifest["composeExtensions"] == [{
        "botId": manifest["id"],
        "commands": [{"id": "addToAgenda", "type": "action", "context": ["message"],
                      "fetchTask": True, "title": "Add to agenda",
                      "description": "Propose this message as an item for the next meeting's "
                                     "agenda"}]}]
    assert _schema_failures(node_tools, manifest, tmp_path / "manifest.json") == []
    [extension] = manifest["composeExtensions"]
    [action] = extension["commands"]
    for broken in ({**action, "context": ["everywhere"]}, {**action, "type": "act"},
                   {**action, "title": "A" * 33}):
        changed = {**manifest, "composeExtensions": [{**extension, "commands": [broken]}]}
        assert _schema_failures(node_tools, changed, tmp_path / "broken.json") != [], broken


def test_the_shell_keeps_what_the_form_filled_in_on_an_empty_answer(
    engine: Engine, config: AppConfig, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The text and link given to agenda new, and the next meeting, are the form's: END at
    once keeps the text, an empty line keeps the link and the meeting."""
    typed(monkeypatch, [MIDYEAR, "agenda new Returnees need screening https://example.org/a",
                        "END", "", "6", ""])
    out = _shell(engine, config)
    shown = out.getvalue()
    assert "Agenda item (end with a line holding only END) [an empty answer keeps: Returnees " \
           "need screening]:" in shown, shown
    assert "Link (optional) [an empty answer keeps: https://example.org/a; - leaves it " \
           "empty]:" in shown
    assert "Added agenda item #1 (obj 6) to meeting #1" in shown
    assert _items(engine) == [("Returnees need screening https://example.org/a", 1, [6])]


def test_a_dash_empties_an_optional_field_the_form_filled_in(
    engine: Engine, config: AppConfig, monkeypatch: pytest.MonkeyPatch,
) -> None:
    typed(monkeypatch, [MIDYEAR, "agenda new Returnees need screening https://example.org/a",
                        "END", "-", "", ""])
    out = _shell(engine, config)
    assert "Added agenda item #1 to meeting #1" in out.getvalue(), out.getvalue()
    assert _items(engine) == [("Returnees need screening", 1, [])]
