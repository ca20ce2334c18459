"""The weekly digest (``handlers.digest``, ``handlers.digest_weekly``) on SQLite and PostgreSQL.

The world is built at the tests' clock, Mon 3 Mar 2031, 09:00 in Vientiane (02:00 UTC), and
every expectation is worked out by hand from it: a meeting in 10 days is shown and one in 20 is
not; a poll closing in 3 days names its two agencies that have not voted; action items overdue
since February; minutes due on 1 Mar that were never posted. The Slack message is checked with
slack_sdk's Block Kit models and Slack's limits (tests/slack_reference.py), the Teams card
against the Adaptive Cards 1.5 schema (tests/teams_reference.py); exactly once across replicas
with two real ``serve`` processes on one PostgreSQL outbox (as tests/test_outbox_replicas.py).
"""

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.app import App, open_app
from bot.config import ConfigError, parse_config
from bot.render_slack import render_message
from bot.render_teams import render_cards
from handlers.core import Reply, Scope, Where
from handlers.digest import digest
from handlers.digest_weekly import LATE_LIMIT, ensure_digest, next_monday
from handlers.people import shell_speaker
from handlers.polls.proposals import STATEMENT
from handlers.runner import Runner
from scheduler.dispatch import Dispatcher
from scheduler.notifier import Delivery
from settings.schema import AppConfig
from storage.db import transaction
from storage.models import ActionItem, Agency, Outbox, OutboxStatus, Poll
from tests.conftest import APP_YAML, START, BotHarness, Clock, _empty_postgres, shown
from tests.db_state import assert_refused
from tests.due_jobs import run_jobs
from tests.fake_slack import FakeSlack
from tests.meeting_rows import held_meeting
from tests.notifiers import RecordingNotifier
from tests.serve_process import ServeLauncher, wait_for
from tests.slack_reference import message_problems
from tests.slack_world import SlackWorld
from tests.teams_reference import card_problems
from tests.teams_world import BOT, TeamsWorld, user
from tests.teams_world import CHANNEL as TEAMS_CHANNEL
from tests.world_rows import outbox_rows, piped_shell

VOTERS = ["RCO", "IOM", "ILO", "OHCHR", "UNHCR", "UNICEF", "UN-HABITAT", "WORLD-BANK"]
NEXT_MONDAY = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # Mon 10 Mar 2031, 09:00 in Vientiane

# The Network's digest of the world below, at START, worked out by hand.
NETWORK_DIGEST = """\
As of Mon 3 Mar 2031, 09:00 (Asia/Vientiane):

*Meetings in the next 14 days*
#3 Fri 7 Mar 2031, 09:30–11:30 (Asia/Vientiane) — Protection WG (protection working group \
meeting); agenda items close Tue 4 Mar 2031, 09:30 (Asia/Vientiane)
#1 Thu 13 Mar 2031, 10:00–12:00 (Asia/Vientiane) — Mid-year review (regular meeting); agenda \
items close Mon 10 Mar 2031, 10:00 (Asia/Vientiane)

*Polls closing in the next 7 days*
Poll #1 closes Thu 6 Mar 2031, 17:00 (Asia/Vientiane): Adopt the work plan — not voted yet: \
UNDP and WHO
Date poll #1 answers close Fri 7 Mar 2031, 12:00 (Asia/Vientiane): Floods response — not \
answered yet: RCO, ILO, OHCHR, UNHCR, UNICEF, UNDP, UN-HABITAT, WORLD-BANK and WHO

*Overdue action items*
ILO: #1 circulate the draft (due 20 Feb 2031); #2 book a room (due 25 Feb 2031)
UNICEF: #3 map services (due 1 Mar 2031)

*Minutes overdue*
#5 "Planning meeting" (held 15 Feb 2031): the minutes were due Sat 1 Mar 2031, 09:00 \
(Asia/Vientiane)

See more with meeting show #N, poll show #P, actions AGENCY or minutes #N."""

# ILO's: the meetings it is asked to (not protection's), the polls waiting for its answer (it
# voted on poll #1), its own action items, and no minutes (the Secretariat writes them).
ILO_DIGEST = """\
As of Mon 3 Mar 2031, 09:00 (Asia/Vientiane):

*Meetings in the next 14 days*
#1 Thu 13 Mar 2031, 10:00–12:00 (Asia/Vientiane) — Mid-year review (regular meeting); agenda \
items close Mon 10 Mar 2031, 10:00 (Asia/Vientiane)

*Polls closing in the next 7 days*
Date poll #1 answers close Fri 7 Mar 2031, 12:00 (Asia/Vientiane): Floods response — ILO has \
not answered yet

*Overdue action items*
ILO: #1 circulate the draft (due 20 Feb 2031); #2 book a room (due 25 Feb 2031)

See more with meeting show #N, poll show #P, actions AGENCY or minutes #N."""


def ok(bot: BotHarness, line: str, as_: str = "IOM") -> Reply:
    reply = bot.say(line, as_=as_)
    assert reply.ok, (line, shown(reply))
    return reply


@pytest.fixture
def world(bot: BotHarness) -> BotHarness:
    """Meetings #1 (13 Mar, in 10 days), #2 (23 Mar, in 20 days) and #3 (protection's, 7 Mar);
    poll #1 closing Thu 6 Mar 17:00 (in 3 days) that all but UNDP and WHO voted on, poll #2
    closing in 10 days; date poll #1 whose answers close Fri 7 Mar 12:00, answered by IOM;
    meeting #4, held 10 Feb, whose minutes gave ILO two action items (due 20 and 25 Feb),
    UNICEF one (due 1 Mar) and WHO one due later; meeting #5 held 15 Feb without minutes
    (due 1 Mar) and #6 held 21 Feb, whose minutes are not due yet (7 Mar)."""
    ok(bot, 'meeting schedule regular 13 Mar 2031 10:00 "Mid-year review"')
    ok(bot, 'meeting schedule adhoc 23 Mar 2031 10:00 "Floods follow-up"')
    ok(bot, 'meeting schedule wg:protection 7 Mar 2031 09:30 "Protection WG"')
    ok(bot, 'poll propose "Adopt the work plan" until 6 Mar 2031 17:00')
    ok(bot, 'poll propose "Share the dashboard" until 13 Mar 2031 17:00')
    for code in VOTERS:
        ok(bot, "vote #1 agree", as_=code)
    ok(bot, 'meeting propose adhoc "Floods response" 12 Mar 2031 10:00 | 13 Mar 2031 14:00 '
            "until 7 Mar 2031 12:00")
    ok(bot, "meeting available #1 1 yes 2 no")
    bot.clock.now = START - timedelta(days=20)  # Tue 11 Feb 2031
    held_meeting(bot, days_ago=1, title="Flood planning")
    ok(bot, "minutes #4 #attendees RCO IOM ILO #agreed Send a joint team "
            "#action ILO circulate the draft due 20 Feb 2031 #action ILO book a room due 25 Feb "
            "2031 #action UNICEF map services due 1 Mar 2031 #action WHO share figures due "
            "30 Mar 2031")
    bot.clock.now = START
    held_meeting(bot, days_ago=16, title="Planning meeting")
    held_meeting(bot, days_ago=10, title="Coordination meeting")
    return bot


def built(bot: BotHarness, agency: str | None = None, now: datetime = START) -> Reply | None:
    with bot.session() as session:
        return digest(Scope(session, bot.config, now), agency)


def test_the_networks_digest_at_a_fixed_monday(world: BotHarness) -> None:
    reply = built(world)
    assert reply is not None
    assert reply.title == "This week for the Network"
    assert not reply.private  # posted to the channels
    assert shown(reply) == NETWORK_DIGEST


def test_an_agencys_digest_keeps_what_it_owes(world: BotHarness) -> None:
    reply = built(world, "ILO")
    assert reply is not None and reply.title == "This week for ILO"
    assert shown(reply) == ILO_DIGEST
    unicef = built(world, "UNICEF")  # a member of protection: its meeting is in
    assert unicef is not None
    assert "#3 Fri 7 Mar 2031" in unicef.text and "#3 map services" in unicef.text
    assert "Minutes overdue" not in unicef.text
    iom = built(world, "IOM")  # the Secretariat owes the minutes
    assert iom is not None and '#5 "Planning meeting"' in iom.text


def test_nothing_to_say_is_none(bot: BotHarness) -> None:
    ok(bot, 'meeting schedule regular 24 Mar 2031 10:00 "Later on"')  # in 21 days
    ok(bot, 'poll propose "Adopt the work plan" until 6 Mar 2031 17:00')
    assert built(bot, "UNICEF") is not None
    ok(bot, "vote #1 agree", as_="UNICEF")
    assert built(bot, "UNICEF") is None  # it voted; the meeting is too far ahead
    assert built(bot) is not None  # the others have not
    assert built(bot, now=START + timedelta(days=4)) is None  # the poll closed meanwhile


def test_the_digest_costs_the_same_statements_with_ten_times_the_data(
        world: BotHarness) -> None:
    from tests.statements import counting_statements
    from tests.test_query_counts import add_records

    def statements() -> int:
        with counting_statements(world.engine) as seen:
            assert built(world) is not None
        return seen[0]

    add_records(world, 3)  # meetings, polls, votes and action items (no more date polls:
    few = statements()     # each date poll closing costs two, as meeting availability's)
    add_records(world, 30)
    # 12: minutes overdue are counted, then read (minutes_overdue, shared with home).
    assert statements() == few <= 12, few


# -- the command -----------------------------------------------------------------------


def said(bot: BotHarness, line: str, as_: str, direct: bool) -> Reply:
    with bot.session() as session:
        speaker = shell_speaker(session, as_)
    where = Where("slack", "D0DIGEST" if direct else "C0NETWORK", direct=direct)
    return bot.runner.run(speaker, where, line)


def test_the_command_in_a_channel_in_a_dm_and_explicitly(world: BotHarness) -> None:
    channel = said(world, "digest", "ILO", direct=False)
    assert channel.ok and channel.private
    assert channel.title == "This week for the Network" and shown(channel) == NETWORK_DIGEST
    dm = said(world, "digest", "ILO", direct=True)
    assert dm.private and dm.title == "This week for ILO" and shown(dm) == ILO_DIGEST
    assert said(world, "digest network", "ILO", direct=True).title == \
        "This week for the Network"
    assert said(world, "digest mine", "ILO", direct=False).title == "This week for ILO"
    assert said(world, "digest MINE", "ILO", direct=False).title == "This week for ILO"


def test_the_command_says_when_nothing_is_due(bot: BotHarness) -> None:
    reply = said(bot, "digest", "WHO", direct=True)
    assert reply.ok and reply.private
    assert reply.text == ("Nothing due this week for WHO: no meetings in the next 14 days, no "
                          "polls closing in the next 7 days awaiting its answer, no overdue "
                          "action items.")
    assert said(bot, "digest", "WHO", direct=False).text == (
        "Nothing due this week for the Network: no meetings in the next 14 days, no polls "
        "closing in the next 7 days, no overdue action items, no minutes overdue.")
    assert said(bot, "digest", "IOM", direct=True).text.endswith(  # the Secretariat's
        "no overdue action items, no minutes overdue.")


def test_a_long_list_of_overdue_items_shows_five_an_agency(world: BotHarness) -> None:
    with transaction(world.engine) as session:
        ilo = session.exec(select(Agency).where(Agency.code == "ILO")).one()
        session.add_all(ActionItem(task=f"Task {n}", agency_id=ilo.id,
                                   due_at=START - timedelta(days=1, minutes=n))
                        for n in range(5))
    reply = built(world, "ILO")
    assert reply is not None
    [line] = [line for line in reply.text.splitlines() if line.startswith("ILO: ")]
    assert line == ("ILO: #1 circulate the draft (due 20 Feb 2031); #2 book a room (due 25 Feb "
                    "2031); #9 Task 4 (due Sun 2 Mar 2031, 08:56 (Asia/Vientiane)); #8 Task 3 "
                    "(due Sun 2 Mar 2031, 08:57 (Asia/Vientiane)); #7 Task 2 (due Sun 2 Mar "
                    "2031, 08:58 (Asia/Vientiane)); … and 2 more overdue: actions ILO lists "
                    "them")


def test_bad_words_visitors_and_partners_are_refused(bot: BotHarness) -> None:
    assert_refused(bot, "digest everyone", "'everyone' is not network or mine.")
    visitor = bot.say("digest", as_="Visitor")
    assert not visitor.ok and "You are not on the roster" in visitor.text
    ok(bot, 'partners add "Lao Women\'s Union" to wg:protection')
    ok(bot, 'people add @"Khampheng" partner:"Lao Women\'s Union"')
    partner = bot.say("digest", as_="Khampheng")
    assert not partner.ok and "As a partner (Lao Women's Union)" in partner.text
    assert "'digest' is for the member agencies' focal points" in partner.text


def test_the_digest_renders_for_slack_and_teams(world: BotHarness) -> None:
    reply = built(world)
    assert reply is not None
    message = render_message(reply)
    assert message_problems({"text": message.text, "blocks": message.blocks}) == []
    assert message.overflow is None  # one message, whole
    cards = render_cards(reply)
    assert [card_problems(card) for card in cards] == [[]] * len(cards)
    assert "Poll #1 closes Thu 6 Mar 2031" in str(cards)


def test_a_dm_through_the_slack_app_is_the_persons_agency(
        world: BotHarness, engine: Engine, config: AppConfig) -> None:
    """A signed ``/network digest`` from a DM (channel ``D...``) and from a channel into the
    real bolt app; the ack's message is checked against slack_sdk by SlackWorld."""
    app = App(config=config, engine=engine, runner=Runner(engine, config, world.clock))

    async def main() -> None:
        async with SlackWorld(app, FakeSlack(), 5.0) as slack:
            for channel, title in (("D0DIGEST", "This week for ILO"),
                                   ("C0NETWORK", "This week for the Network")):
                fields = {**slack.command_fields("digest", user="U-PLACEHOLDER-ILO"),
                          "channel_id": channel}
                status, body = await slack.post(urlencode(fields))
                assert status == 200 and body["response_type"] == "ephemeral"
                assert body["blocks"][0]["text"]["text"] == title

    asyncio.run(main())


def test_a_teams_personal_chat_is_the_persons_agency(
        world: BotHarness, engine: Engine, config: AppConfig) -> None:
    """Bot Framework activities into the real botbuilder app: ILO's personal chat, then the
    network's Teams channel with the bot mentioned; each card checked against the Adaptive
    Cards 1.5 schema."""
    app = App(config=config, engine=engine, runner=Runner(engine, config, world.clock))
    mention = {"type": "mention", "text": "<at>Network</at>", "mentioned": BOT}

    async def main() -> None:
        async with TeamsWorld(app) as teams_world:
            teams = teams_world.teams
            personal = await teams.say("digest", sender=user("ILO"))
            channel = await teams.say("<at>Network</at> digest", sender=user("ILO"),
                                      conversation=TEAMS_CHANNEL, conversation_type="channel",
                                      entities=[mention])
            for sent, title in ((personal, "This week for ILO"),
                                (channel, "This week for the Network")):
                cards = [card for message in sent for card in message.cards]
                assert cards and cards[0]["body"][0]["text"] == title
                assert [card_problems(card) for card in cards] == [[]] * len(cards)

    asyncio.run(main())


def test_the_shell_is_a_direct_conversation(world: BotHarness) -> None:
    out = piped_shell(world.engine, world.config, ["digest", "digest network"])
    assert "== This week for IOM ==" in out and "== This week for the Network ==" in out


# -- the schedule ------------------------------------------------------------------------


def pending(bot: BotHarness) -> list[datetime]:
    return [row.due_at for row in outbox_rows(bot, "digest.weekly", OutboxStatus.PENDING)]


def test_next_monday_0900_in_vientiane(bot: BotHarness) -> None:
    with bot.session() as session:
        scope = Scope(session, bot.config, START)
        assert next_monday(scope, START) == NEXT_MONDAY  # 09:00 itself: the next week's
        assert next_monday(scope, START - timedelta(minutes=1)) == START  # 08:59: today
        # Sun 9 Mar 2031, 23:30 in Vientiane is 16:30 UTC: the next day, 02:00 UTC.
        assert next_monday(scope, datetime(2031, 3, 9, 16, 30, tzinfo=UTC)) == NEXT_MONDAY
        # Sun 9 Mar 2031, 19:30 UTC is already Monday 02:30 in Vientiane: 09:00 that day.
        assert next_monday(scope, datetime(2031, 3, 9, 19, 30, tzinfo=UTC)) == NEXT_MONDAY
        # Mon 10 Mar 2031, 02:30 UTC is 09:30 in Vientiane: a week on.
        assert next_monday(scope, datetime(2031, 3, 10, 2, 30, tzinfo=UTC)) == \
            datetime(2031, 3, 17, 2, 0, tzinfo=UTC)


def test_start_up_queues_one_digest_row(bot: BotHarness) -> None:
    for now in (START, START + timedelta(hours=5), START + timedelta(days=2)):
        with transaction(bot.engine) as session:
            ensure_digest(session, bot.config, now)
    assert pending(bot) == [NEXT_MONDAY]


def test_opening_the_app_twice_queues_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'network.db'}"
    for _ in range(2):
        app = open_app(APP_YAML, url, Clock())
    with Session(app.engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.kind == "digest.weekly")).all()
    assert [(r.due_at, r.status) for r in rows] == [(NEXT_MONDAY, OutboxStatus.PENDING)]
    app.engine.dispose()


def test_the_job_posts_the_digest_and_queues_the_next(world: BotHarness) -> None:
    with transaction(world.engine) as session:
        ensure_digest(session, world.config, START)
    run_jobs(world, "digest.weekly")  # at Mon 10 Mar, 09:00
    [posted] = outbox_rows(world, "digest.posted")
    assert posted.audience.to_network and posted.due_at == NEXT_MONDAY
    reply = Reply.from_dict(posted.payload)
    assert reply.title == "This week for the Network" and not reply.private
    assert reply.text.startswith("As of Mon 10 Mar 2031, 09:00 (Asia/Vientiane):")
    assert "#1 Thu 13 Mar 2031" in reply.text and "#2 Sun 23 Mar 2031" in reply.text
    assert pending(world) == [datetime(2031, 3, 17, 2, 0, tzinfo=UTC)]
    run_jobs(world, "digest.weekly")  # Mon 17 Mar: still something to say (minutes)
    assert len(outbox_rows(world, "digest.posted")) == 2
    assert pending(world) == [datetime(2031, 3, 24, 2, 0, tzinfo=UTC)]


def test_nothing_to_say_posts_nothing_but_the_next_still_comes(bot: BotHarness) -> None:
    with transaction(bot.engine) as session:
        ensure_digest(session, bot.config, START)
    run_jobs(bot, "digest.weekly")
    assert outbox_rows(bot, "digest.posted") == []
    assert pending(bot) == [datetime(2031, 3, 17, 2, 0, tzinfo=UTC)]


def off(config: AppConfig) -> AppConfig:
    return config.model_copy(update={"digest": "off"})


def test_digest_off_leaves_nothing_due(bot: BotHarness) -> None:
    with transaction(bot.engine) as session:
        ensure_digest(session, bot.config, START)
    with transaction(bot.engine) as session:
        assert ensure_digest(session, off(bot.config), START + timedelta(hours=1)) is None
    assert pending(bot) == []
    assert [r.status for r in outbox_rows(bot, "digest.weekly")] == [OutboxStatus.CANCELLED]


def test_the_setting_is_weekly_or_off(config: AppConfig) -> None:
    data = config.model_dump(mode="json")
    assert config.digest == "weekly"
    assert parse_config({**data, "digest": "off"}).digest == "off"
    assert parse_config({**data, "digest": False}).digest == "off"  # YAML's bare off
    for wrong in ("daily", True, 7):
        with pytest.raises(ConfigError) as refused:
            parse_config({**data, "digest": wrong})
        assert str(refused.value) == "app.yaml: digest: must be weekly or off"


def dispatcher(bot: BotHarness, notifier: RecordingNotifier) -> Dispatcher:
    return Dispatcher(bot.engine, bot.config, [notifier], bot.clock)


def digests_sent(notifier: RecordingNotifier) -> list[Delivery]:
    """What the notifier was given of the digest (the world's reminders go out too)."""
    return [delivery for delivery in notifier.sent if delivery.kind == "digest.posted"]


def test_a_digest_due_long_ago_is_dropped_not_posted(world: BotHarness) -> None:
    """The bot was down from Sunday to Tuesday: Monday's digest, 25 hours late, is dropped
    (its row says why) and the next Monday's is queued; within 12 hours it would go out,
    marked late."""
    with transaction(world.engine) as session:
        ensure_digest(session, world.config, START)
    world.clock.now = NEXT_MONDAY + timedelta(hours=25)
    notifier = RecordingNotifier()
    asyncio.run(dispatcher(world, notifier).run_due())
    assert digests_sent(notifier) == []
    [row] = [r for r in outbox_rows(world, "digest.weekly") if r.due_at == NEXT_MONDAY]
    assert row.status == OutboxStatus.DROPPED
    assert row.last_error == ("dropped: the weekly digest of Mon 10 Mar 2031, 09:00 "
                              "(Asia/Vientiane) was more than 12 hours late; next Monday's "
                              "follows")
    assert pending(world) == [datetime(2031, 3, 17, 2, 0, tzinfo=UTC)]
    world.clock.now = datetime(2031, 3, 17, 2, 0, tzinfo=UTC) + LATE_LIMIT  # 12 h: still sent
    asyncio.run(dispatcher(world, notifier).run_due())
    [sent] = digests_sent(notifier)
    assert sent.to_network and sent.late and sent.kind == "digest.posted"
    assert sent.reply.text.startswith("(Sent late: this was due Mon 17 Mar 2031, 09:00 "
                                      "(Asia/Vientiane).)\nAs of Mon 17 Mar 2031, 21:00")


def test_a_digest_message_retried_past_the_limit_is_dropped(world: BotHarness) -> None:
    with transaction(world.engine) as session:
        ensure_digest(session, world.config, START)
    run_jobs(world, "digest.weekly")
    world.clock.now = NEXT_MONDAY + LATE_LIMIT + timedelta(minutes=1)
    notifier = RecordingNotifier()
    asyncio.run(dispatcher(world, notifier).run_due())
    assert digests_sent(notifier) == []
    [posted] = outbox_rows(world, "digest.posted")
    assert posted.status == OutboxStatus.DROPPED


def test_off_when_the_row_runs_posts_nothing_and_queues_nothing(world: BotHarness) -> None:
    with transaction(world.engine) as session:
        ensure_digest(session, world.config, START)
    world.config = off(world.config)
    run_jobs(world, "digest.weekly")
    assert outbox_rows(world, "digest.posted") == [] and pending(world) == []


# -- exactly once across replicas --------------------------------------------------------


def digest_posts(fake: FakeSlack) -> list[Any]:
    return [call for call in list(fake.calls) if call.method == "chat.postMessage"
            and "This week for the Network" in str(call.args.get("blocks"))]


def test_two_replicas_post_the_digest_exactly_once(
        postgres_engine: Engine, slack: FakeSlack, served: ServeLauncher) -> None:
    """Two real ``serve`` processes on one PostgreSQL outbox: each queued its own start-up
    row (one stays: next Monday's); a digest row falls due while both sweep every 0.3 s, and
    the network channel gets the digest once, from one of them."""
    _empty_postgres(postgres_engine)
    env = {"NETWORK_BOT_OUTBOX_LEASE": "2", "NETWORK_BOT_OUTBOX_SWEEP": "0.3"}
    replicas = [served.start(f"xoxb-replica-{n}", os.environ["TEST_DATABASE_URL"], env)
                for n in range(2)]
    now = datetime.now(UTC)
    with transaction(postgres_engine) as session:
        [waiting] = session.exec(select(Outbox).where(
            Outbox.kind == "digest.weekly", Outbox.status == OutboxStatus.PENDING)).all()
        session.add(Poll(kind=STATEMENT, question="Adopt the work plan", params={"text": "x"},
                         electorate=["ILO", "WHO"], opened_at=now,
                         closes_at=now + timedelta(days=3)))
        session.add(Outbox(kind="digest.weekly", due_at=now - timedelta(seconds=1),
                           payload=Reply(text="Post the weekly digest.").to_dict()))
    wait_for(lambda: _status(postgres_engine, "digest.posted") == [OutboxStatus.SENT])
    assert [replica.stop() for replica in replicas] == [0, 0]
    [post] = digest_posts(slack)
    assert "not voted yet: ILO and WHO" in str(post.args["blocks"])
    with Session(postgres_engine) as session:
        still = session.exec(select(Outbox.id).where(
            Outbox.kind == "digest.weekly", Outbox.status == OutboxStatus.PENDING)).all()
    assert still == [waiting.id]  # the job found next Monday's row and queued no other


def _status(engine: Engine, kind: str) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox.status).where(Outbox.kind == kind)
                                 .order_by(col(Outbox.id))).all())

