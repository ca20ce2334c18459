"""``home`` (issue 21): what is on a person's desk, typed in any chat and as Slack's Home tab.

The world is built through commands from the test clock's Monday 3 March 2031, 09:00 in
Vientiane, and read on Tuesday 18 March 2031, 12:00; every expectation is worked out by hand
from the commands below. The Slack part sends signed requests into the real bolt app (as
bolt-python's own tests do) against the fake Web API, which checks every published view with
slack_sdk's View model and Slack's 100-block limit (tests/slack_reference.py).
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot.app import App
from bot.render_slack import FormOrigin, render_message
from bot.render_teams import render_cards
from bot.render_text import render_text
from bot.slack_home import HOME_BLOCK_LIMIT, home_view
from bot.slack_manifest import slack_manifest
from bot.slack_scopes import METHODS
from handlers.core import Choice, Reply, Where
from handlers.forms import encoded
from handlers.people import shell_speaker
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.models import Outbox, OutboxStatus, Vote
from tests.conftest import BotHarness, Clock, shown
from tests.fake_slack import FakeSlack
from tests.slack_reference import METHOD_SCOPES, message_problems, view_problems
from tests.slack_world import IOM, SlackWorld, button_value, button_values
from tests.teams_reference import card_problems
from tests.test_query_counts import add_records

READ_AT = datetime(2031, 3, 18, 5, 0, tzinfo=UTC)  # Tue 18 Mar 2031, 12:00 in Vientiane
ZONE = "(Asia/Vientiane)"

WORLD = [  # at Mon 3 Mar 2031, 09:00
    ('meeting schedule adhoc 4 Mar 2031 10:00 "Check-in"', "IOM"),  # #1: never gets minutes
    ('meeting schedule adhoc 5 Mar 2031 14:00 "Flood response"', "IOM"),  # #2
    ('meeting schedule regular 24 Mar 2031 10:00 "Mid-year review"', "IOM"),  # #3
    ('meeting schedule wg:protection 25 Mar 2031 09:30 "Protection WG"', "IOM"),  # #4
    ('meeting schedule regular 2 Apr 2031 10:00 "Q2 planning"', "IOM"),  # #5
    ('meeting schedule regular 30 Apr 2031 10:00 "Q2 review"', "IOM"),  # #6
    ('meeting schedule regular 28 May 2031 10:00 "Q3 planning"', "IOM"),  # #7
    ("agenda add Labour migration update for #3", "ILO"),  # item #1
    ("agenda add Child protection referrals for #3", "UNICEF"),  # item #2
    ('partners add "Lao Women\'s Union" to wg:protection', "IOM"),
    ('people add @"Khampheng" partner:"Lao Women\'s Union"', "UNICEF"),
]
MINUTES = ("minutes #2 #attendees IOM ILO #agreed Send a joint team #action ILO circulate the "
           "draft due 30 Jun 2031 #action ILO book a room due 15 Mar 2031 #action UNICEF map "
           "services")  # at Thu 6 Mar; action items #1, #2 (ILO), #3 (UNICEF); decision #1
LATER = [  # at Tue 18 Mar 2031, 12:00
    ('poll propose "Adopt the work plan"', "IOM"),  # poll #1, closes 25 Mar 12:00
    ('poll propose "Share the dashboard"', "RCO"),  # poll #2
    ("vote #1 agree", "ILO"),
    ('meeting propose regular "Planning" 27 Mar 2031 10:00 | 28 Mar 2031 10:00 until '
     "25 Mar 2031", "IOM"),  # date poll #1; until a date: its end, 23:59
    ("meeting available #1 1 yes 2 no", "UNICEF"),
    ("meeting attend #3 yes Somchai", "ILO"),
]


def build(bot: BotHarness) -> None:
    for line, who in WORLD:
        assert bot.say(line, as_=who).ok, line
    bot.clock.advance(days=3)
    assert bot.say(MINUTES).ok
    bot.clock.now = READ_AT
    for line, who in LATER:
        assert bot.say(line, as_=who).ok, line


@pytest.fixture
def desk(bot: BotHarness) -> BotHarness:
    build(bot)
    return bot


def test_a_member_sees_its_meetings_polls_date_polls_actions_and_decisions(
        desk: BotHarness) -> None:
    """ILO: the network's meetings and labour-migration's, not protection's #4, three of the
    four (#3 with its item and its answer); poll #2 only (it voted on #1); the date poll it has
    not answered; its two open items, #2 overdue since 15 Mar, soonest due first."""
    reply = desk.say("home", as_="ILO")
    assert reply.ok and reply.title == "On ILO's desk"
    assert shown(reply) == "\n".join([
        f"ILO Focal Point (ILO), Tue 18 Mar 2031, 12:00 {ZONE}.",
        "",
        "*Next meetings*",
        f"#3 Mon 24 Mar 2031, 10:00–12:00 {ZONE} — Mid-year review (regular meeting)",
        f"    Agenda closes Fri 21 Mar 2031, 10:00 {ZONE}; ILO's items: Labour migration "
        "update",
        "    ILO attends (Somchai).",
        f"#5 Wed 2 Apr 2031, 10:00–12:00 {ZONE} — Q2 planning (regular meeting)",
        f"    Agenda closes Sun 30 Mar 2031, 10:00 {ZONE}; ILO's items: none",
        "    ILO has not said whether it attends.",
        f"#6 Wed 30 Apr 2031, 10:00–12:00 {ZONE} — Q2 review (regular meeting)",
        f"    Agenda closes Sun 27 Apr 2031, 10:00 {ZONE}; ILO's items: none",
        "    ILO has not said whether it attends.",
        "… and 1 more meeting: type meeting list",
        "",
        "*Polls waiting for ILO's position*",
        f"#2 Share the dashboard — closes Tue 25 Mar 2031, 12:00 {ZONE}; 0 of 10 agencies "
        "have voted",
        "",
        "*Date polls waiting for your answer*",
        f'#1 "Planning" (regular meeting; answers close Tue 25 Mar 2031, 23:59 {ZONE})',
        f"    Slot 1: Thu 27 Mar 2031, 10:00–12:00 {ZONE}",
        f"    Slot 2: Fri 28 Mar 2031, 10:00–12:00 {ZONE}",
        "",
        "*ILO's action items (2 open, 1 overdue)*",
        "*#2* ILO — book a room — due 15 Mar 2031 — *OVERDUE* — meeting #2",
        "*#1* ILO — circulate the draft — due 30 Jun 2031 — meeting #2",
        "",
        "*Latest decisions*",
        "*#1* 5 Mar 2031 — Send a joint team — meeting #2 (Flood response)",
    ])
    labels = [choice.label for choice in reply.choices]
    assert labels == [
        *(f"Meeting #{n}: {a}" for n in (3, 5, 6) for a in ("Yes", "Maybe", "No")),
        "Poll #2: Agree", "Poll #2: Abstain", "Poll #2: Object",
        *(f"#1 slot {n}: {a}" for n in (1, 2) for a in ("Yes", "If need be", "No")),
        "Done #2", "Done #1"]
    # a row per record, a date poll's a row a slot, the Done buttons together
    assert [choice.row for choice in reply.choices] == [
        1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7]
    # the buttons are those of the announcements, submitting the same forms
    assert [(c.form, c.params, c.values) for c in reply.choices[9:12]] == [
        ("vote", {"poll": 2}, {"position": p}) for p in ("agree", "abstain", "object")]
    assert [(c.form, c.params) for c in reply.choices[-2:]] == [
        ("action-done", {"item": 2}), ("action-done", {"item": 1})]
    for heading in ("Minutes overdue", "not voted", "stuck"):
        assert heading not in reply.text


def test_the_desk_renders_for_every_platform_as_its_references_accept(
        desk: BotHarness) -> None:
    """Typed after /network in Slack, to the bot in Teams (Adaptive Cards 1.5 schema, buttons
    an ActionSet a row) or in the shell, as the Secretariat, whose desk is the longest."""
    reply = desk.say("home", as_="IOM")
    message = render_message(reply)
    assert message_problems({"text": message.text, "blocks": message.blocks}) == []
    assert message.overflow is None
    assert [card_problems(card) for card in render_cards(reply)] == [[]]
    assert "  [1] Meeting #3: Yes\n" in render_text(reply)  # the shell numbers its buttons


def test_an_agency_that_answered_sees_no_date_poll_and_its_own_items(desk: BotHarness) -> None:
    """UNICEF sits in protection: #3, #4 and #5; it answered the date poll; both polls wait."""
    text = shown(desk.say("home", as_="UNICEF"))
    assert [line.split(" ")[0] for line in text.splitlines() if line.startswith("#")
            and "—" in line and "(Asia" in line][:3] == ["#3", "#4", "#5"]
    assert "UNICEF's items: Child protection referrals" in text
    assert "Date polls" not in text
    assert "*Polls waiting for UNICEF's position*\n#1 Adopt the work plan — closes Tue 25 " \
           "Mar 2031, 12:00 (Asia/Vientiane); 1 of 10 agencies has voted\n#2 " in text
    assert "*UNICEF's action items (1 open)*\n*#3* UNICEF — map services — meeting #2" in text


def test_the_secretariat_also_sees_minutes_overdue_votes_missing_and_stuck_rows(
        desk: BotHarness) -> None:
    """Meeting #1 was held 4 Mar 10:00 and its minutes were due 14 days later, 18 Mar 10:00;
    #2 has minutes. Every row but the first was sent; the first (meeting #1's attendance
    reminder, due a day before it) failed."""
    with desk.session() as session:
        session.exec(update(Outbox).values(status=OutboxStatus.SENT))  # type: ignore[call-overload]
        first = session.exec(select(Outbox).order_by(col(Outbox.id))).first()
        assert first is not None
        first.status, first.last_error = OutboxStatus.FAILED, "Slack refused the call:\n " \
                                                              "channel_not_found"
        session.add(first)
        session.commit()
    text = shown(desk.say("home", as_="IOM"))
    assert "*Next meetings*\n#3 " in text and "\n#4 " in text  # the Secretariat's: every one
    assert ("*Agencies that have not voted*\n"
            "Poll #1: RCO, IOM, OHCHR, UNHCR, UNICEF, UNDP, UN-HABITAT, WORLD-BANK and WHO\n"
            "Poll #2: RCO, IOM, ILO, OHCHR, UNHCR, UNICEF, UNDP, UN-HABITAT, WORLD-BANK and "
            "WHO\n") in text
    assert ("*Minutes overdue*\n#1 Check-in, held 4 Mar 2031: due 18 Mar 2031; post them "
            "with: minutes #1\n") in text
    assert text.endswith(
        "*Messages stuck in the outbox*\n"
        f"#1 meeting.attendance_remind — failed, due Mon 3 Mar 2031, 10:00 {ZONE}: Slack "
        "refused the call: channel_not_found\n"
        "Retry a failed row on the server with: network-bot outbox retry ID")
    assert "Agencies that have not voted" in shown(desk.say("home", as_="RCO"))  # the Chair


def test_a_row_long_overdue_is_stuck_and_a_recent_one_is_not(desk: BotHarness) -> None:
    """Unsent rows count as stuck an hour after they were due (nothing delivered here: the
    rows queued at 12:00 today are not, those of 3 March are)."""
    text = shown(desk.say("home", as_="IOM"))
    stuck = text.split("*Messages stuck in the outbox*\n")[1].splitlines()
    assert all("pending, due Mon 3 Mar 2031" in line or "Thu 6 Mar" in line
               for line in stuck[:5])
    assert stuck[5].startswith("… and ") and stuck[5].endswith(
        "more rows: type network-bot outbox on the server")


def test_a_partner_sees_its_working_groups_meetings_only(desk: BotHarness) -> None:
    reply = desk.say("home", as_="Khampheng")
    assert reply.ok and reply.title == "On Lao Women's Union's desk"
    text = shown(reply)
    assert f"#4 Tue 25 Mar 2031, 09:30–11:30 {ZONE} — Protection WG (protection working " \
           "group meeting)" in text
    assert "Lao Women's Union has not said whether it attends." in text
    for absent in ("#3 ", "Polls waiting", "action items", "decisions", "Date polls"):
        assert absent not in text
    assert [c.label for c in reply.choices] == ["Meeting #4: Yes", "Meeting #4: Maybe",
                                                "Meeting #4: No"]


def test_a_visitor_is_told_how_to_get_on_the_roster(bot: BotHarness) -> None:
    reply = bot.say("home", as_="Stranger")
    assert reply.ok and reply.choices == []
    assert reply.text == (
        "You are not on the roster of UN Network on Migration in Lao PDR, so only `help`, "
        "`home`, `members join` and `whoami` answer you. To be added, ask the Secretariat "
        "(IOM) to put you on the roster as a focal point of your agency.")


def test_an_empty_desk_says_so_and_words_after_home_are_refused(bot: BotHarness) -> None:
    assert shown(bot.say("home", as_="WHO")) == (
        "WHO Focal Point (WHO), Mon 3 Mar 2031, 09:00 (Asia/Vientiane).\nNothing is waiting "
        "for WHO: no meeting ahead, no poll to answer, no open action item.")
    refused = bot.say("home please", as_="WHO")
    assert not refused.ok and refused.text == ("'home' takes nothing after it: leave out "
                                               "'please'.\nExample: home")


def test_a_vote_from_the_desk_takes_the_poll_off_it(desk: BotHarness) -> None:
    """The button runs through the same core as every platform's buttons."""
    [agree] = [c for c in desk.say("home", as_="ILO").choices if c.label == "Poll #2: Agree"]
    with desk.session() as session:
        speaker = shell_speaker(session, "ILO")
    reply = desk.runner.submit(speaker, Where(platform="shell", channel="test"), agree.form,
                               agree.params, agree.values)
    assert reply.text.startswith("Recorded: ILO agrees on poll #2.")
    assert "Polls waiting" not in desk.say("home", as_="ILO").text


# -- Slack: the Home tab -----------------------------------------------------------------

ILO_SLACK = "U-PLACEHOLDER-ILO"
Scenario = Callable[[SlackWorld], Awaitable[None]]


@pytest.fixture
def home_tab(engine: Engine, config: AppConfig) -> Callable[..., None]:
    """Run a scenario against the real Slack app over HTTP, on a world built by ``prepare``
    (by default the desk above), the app's clock at its time."""
    def run(scenario: Scenario, prepare: Callable[[BotHarness], None] = build) -> None:
        harness = BotHarness(engine, config, Clock())
        prepare(harness)
        with harness.session() as session:  # what the world queued has gone out already
            session.exec(update(Outbox).values(status=OutboxStatus.SENT))  # type: ignore[call-overload]
            session.commit()
        app = App(config=config, engine=engine,
                  runner=Runner(engine, config, harness.clock))

        async def main() -> None:
            async with SlackWorld(app, FakeSlack(), 2.0) as world:
                await scenario(world)

        asyncio.run(main())

    return run


def opened(user: str, tab: str = "home") -> str:
    """The Events API request Slack sends when ``user`` opens the app's ``tab``
    (docs.slack.dev/reference/events/app_home_opened)."""
    return json.dumps({
        "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
        "event_id": f"Ev-{user}-{tab}", "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": tab,
                  "event_ts": "1700000000.000100"}})


async def open_home(world: SlackWorld, user: str, tab: str = "home") -> None:
    status, _ = await world.post(opened(user, tab),
                                 headers={"Content-Type": "application/json"})
    assert status == 200
    await world.settle()


def home_click(world: SlackWorld, view: dict[str, Any], label: str, user: str) -> dict[str, Any]:
    """The ``block_actions`` payload of a button of a published Home tab: no channel and no
    response_url, a view container (docs.slack.dev/reference/interaction-payloads/block_actions-
    payload)."""
    [(action_id, value)] = [(e["action_id"], e["value"]) for block in view["blocks"]
                            if block["type"] == "actions" for e in block["elements"]
                            if e["text"]["text"] == label]
    return {"type": "block_actions", "team": {"id": "T1"}, "trigger_id": "home-trigger",
            "user": {"id": user, "username": "someone"},
            "container": {"type": "view", "view_id": "VHOME"},
            "view": {"id": "VHOME", "type": "home", **view},
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                         "value": value, "action_ts": "1700000000.000200"}]}


def published(world: SlackWorld) -> list[tuple[str, dict[str, Any]]]:
    return [(call["user_id"], json.loads(call["view"]) if isinstance(call["view"], str)
             else call["view"]) for call in world.fake.accepted("views.publish")]


def dms(world: SlackWorld, user: str) -> list[dict[str, Any]]:
    """The messages posted to ``user``'s DM with the app (the fake names it D<user>)."""
    return [m for m in world.fake.accepted("chat.postMessage") if m["channel"] == f"D{user}"]


def _view_text(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_opening_the_home_tab_publishes_the_desk_of_who_opened_it(
        home_tab: Callable[..., None]) -> None:
    async def scenario(world: SlackWorld) -> None:
        await open_home(world, ILO_SLACK)
        [(user, view)] = published(world)
        assert user == ILO_SLACK and view["type"] == "home"
        assert view_problems(view) == []  # slack_sdk's View model and the 100 blocks
        assert view["blocks"][0] == {"type": "header", "text": {
            "type": "plain_text", "text": "On ILO's desk", "emoji": True}}
        text = _view_text(view)
        assert "*Polls waiting for ILO's position*" in text and "Share the dashboard" in text
        assert button_value("vote", {"poll": 2}, position="agree") in button_values(
            view["blocks"])
        assert button_value("action-done", {"item": 2}) in button_values(view["blocks"])
        await open_home(world, ILO_SLACK, tab="messages")  # the Messages tab: nothing to do
        assert len(published(world)) == 1
        malformed = json.loads(opened(ILO_SLACK))
        del malformed["event"]["user"]
        status, _ = await world.post(json.dumps(malformed),
                                     headers={"Content-Type": "application/json"})
        await world.settle()
        assert status == 200 and len(published(world)) == 1  # ignored, with a warning
        await open_home(world, "U-SOMEONE-NEW")  # a visitor: how to get on the roster
        user, view = published(world)[-1]
        assert user == "U-SOMEONE-NEW" and "not on the roster" in _view_text(view)

    home_tab(scenario)


def test_the_home_tab_stays_within_100_blocks_in_a_big_world(
        home_tab: Callable[..., None]) -> None:
    def big(bot: BotHarness) -> None:
        build(bot)
        add_records(bot, 30)

    async def scenario(world: SlackWorld) -> None:
        await open_home(world, IOM)
        [(_, view)] = published(world)
        assert view_problems(view) == [] and len(view["blocks"]) <= HOME_BLOCK_LIMIT
        assert "… and " in _view_text(view)  # the sections say how many more there are

    home_tab(scenario, big)


def test_a_reply_longer_than_a_home_tab_shows_its_beginning_and_keeps_its_buttons() -> None:
    buttons = [Choice(f"Button {n}", "vote", {"poll": n}, {"position": "agree"}, row=n)
               for n in range(1, 31)]
    reply = Reply(title="On IOM's desk", text="\n".join("x" * 2900 for _ in range(150)),
                  choices=buttons)
    view = home_view(reply)
    assert len(view["blocks"]) == HOME_BLOCK_LIMIT and view_problems(view) == []
    assert [b["type"] for b in view["blocks"]].count("actions") == 30
    assert "The Home tab holds 100 blocks, so only the beginning is shown" in _view_text(view)
    assert encoded(buttons[-1]) in button_values(view["blocks"])


def test_a_vote_from_the_home_tab_is_recorded_told_in_the_dm_and_the_tab_refreshed(
        home_tab: Callable[..., None], engine: Engine) -> None:
    async def scenario(world: SlackWorld) -> None:
        await open_home(world, ILO_SLACK)
        [(_, view)] = published(world)
        status, _ = await world.interact(home_click(world, view, "Poll #2: Agree", ILO_SLACK))
        assert status == 200
        await world.settle()
        assert {"users": ILO_SLACK} in world.fake.accepted("conversations.open")
        [dm] = dms(world, ILO_SLACK)
        assert "Recorded: ILO agrees on poll #2" in dm["text"]
        assert not world.fake.of("response_url")
        user, again = published(world)[-1]
        assert user == ILO_SLACK and len(published(world)) == 2
        assert "Share the dashboard" not in _view_text(again)  # no longer waiting for ILO

    home_tab(scenario)
    with Session(engine) as session:
        assert [(v.poll_id, v.position) for v in session.exec(
            select(Vote).order_by(col(Vote.id))).all()] == [(1, "agree"), (2, "agree")]


def test_an_objection_from_the_home_tab_opens_its_form_and_answers_in_the_dm(
        home_tab: Callable[..., None]) -> None:
    async def scenario(world: SlackWorld) -> None:
        await open_home(world, ILO_SLACK)
        [(_, view)] = published(world)
        await world.interact(home_click(world, view, "Poll #2: Object", ILO_SLACK))
        await world.settle()
        [opened_form] = world.fake.accepted("views.open")
        modal = json.loads(opened_form["view"]) if isinstance(opened_form["view"], str) \
            else opened_form["view"]
        assert FormOrigin.load(modal["private_metadata"]).home is True
        status, answer = await world.submit(modal, {"reason": "Not before the review"},
                                            user=ILO_SLACK)
        assert status == 200 and not answer
        await world.settle()
        [dm] = dms(world, ILO_SLACK)
        assert "Recorded: ILO objects on poll #2" in dm["text"]
        assert len(published(world)) == 2

    home_tab(scenario)


def test_the_manifest_turns_the_home_tab_on_and_subscribes_to_its_event(
        config: AppConfig) -> None:
    for socket_mode, url in ((False, "https://bot.example.org"), (True, None)):
        manifest = slack_manifest(config, url, socket_mode)
        assert manifest["features"]["app_home"] == {
            "home_tab_enabled": True, "messages_tab_enabled": True,
            "messages_tab_read_only_enabled": False}
        events = manifest["settings"]["event_subscriptions"]
        assert events["bot_events"] == ["app_home_opened"]
        assert events.get("request_url") == (
            None if socket_mode else "https://bot.example.org/slack/events")
    # views.publish needs no scope beyond the bot token, as Slack's reference says
    assert METHODS["views.publish"].scopes == () and METHOD_SCOPES["views.publish"] == set()
