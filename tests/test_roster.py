"""The roster from chat: agencies joining and leaving, focal points, partners, history, export."""

from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from bot.cli import main
from bot.config import parse_config
from bot.roster_export import export_roster
from handlers.core import Reply, Speaker, Where
from storage.audience import NETWORK, Audience
from storage.models import (
    Agency,
    Outbox,
    Person,
    Poll,
)
from tests.conftest import APP_YAML, BotHarness, pressed, shown
from tests.db_state import assert_refused


def _slack(bot: BotHarness, user: str, line: str) -> Reply:
    return bot.runner.run(Speaker("slack", user, "Slack user"), Where("slack", "C1"), line)


def _active_codes(bot: BotHarness) -> list[str]:
    with bot.session() as session:
        return list(session.exec(select(Agency.code).where(Agency.active)).all())


def test_an_agency_asks_to_join_and_the_secretariat_approves(bot: BotHarness) -> None:
    asked = _slack(bot, "U-UNFPA-1", 'members join unfpa "United Nations Population Fund"')
    assert asked.ok and "sent to the Secretariat (IOM) and the Chair (RCO)" in asked.text
    assert "UNFPA" not in _active_codes(bot)
    with bot.session() as session:
        notice = session.exec(select(Outbox).where(Outbox.kind == "members.join_requested")).one()
    assert notice.audience.people and not notice.audience.to_network
    assert pressed(notice.payload["choices"][0]) == "members approve UNFPA"

    refused = bot.say("members approve UNFPA", as_="WHO")
    assert not refused.ok and "Only the Secretariat (IOM) or the Chair (RCO)" in refused.text

    approved = bot.say("members approve UNFPA", as_="RCO")
    assert approved.ok and "*UNFPA* (United Nations Population Fund) has joined" in shown(approved)
    assert "UNFPA" in _active_codes(bot)
    whoami = _slack(bot, "U-UNFPA-1", "whoami")
    assert dict(whoami.fields)["Agency"] == "UNFPA — United Nations Population Fund"
    with bot.session() as session:
        assert session.exec(select(Outbox).where(Outbox.kind == "members.joined")).one()
    history = bot.say("members history").text
    assert "UNFPA joined the Network (United Nations Population Fund; asked by Slack user; " \
        "focal point Slack user) — by RCO Focal Point" in history


def test_members_history_says_each_change_in_words(bot: BotHarness) -> None:
    """The words are the issue's ask (no ``person.added`` codes); the dates are START's."""
    assert bot.say('partners add "Lao Women\'s Union" to wg:protection').ok
    assert bot.say('people add @"Khampheng" partner:"Lao Women\'s Union"').ok
    assert bot.say('people move @"Khampheng" UNICEF').ok
    assert bot.say('people remove @"Khampheng"').ok
    assert bot.say("members history").text.splitlines() == [
        "3 Mar 2031 — Khampheng was taken off the roster (UNICEF) — by IOM Focal Point",
        "3 Mar 2031 — Khampheng moved (Lao Women's Union → UNICEF) — by IOM Focal Point",
        "3 Mar 2031 — Khampheng was added to the roster (partner Lao Women's Union) — by IOM "
        "Focal Point",
        "3 Mar 2031 — Partner Lao Women's Union was added (to wg:protection) — by IOM Focal "
        "Point",
    ]


@pytest.mark.parametrize(("line", "problem"), [
    ("members join UNFPA", "full name in quotes"),
    ('members join "United Nations Population Fund"', "short code"),
    ('members join ILO "International Labour Organization"', "ILO is already a member"),
    ("members approve FAO", "Only the Secretariat (IOM) or the Chair (RCO) approves"),
    ("IOM: members approve FAO", "There is no request from 'FAO' to join"),
    ("members leave FAO", "'FAO' is not a member agency"),
    ("IOM: members leave RCO", "RCO is the Network's Chair"),
    ("members leave ILO", "Only ILO's own focal points or the Secretariat"),
    ('people add @"Jane Doe" FAO', "'FAO' is not a member agency"),
    ('people add @"Jane Doe" ILO', "Only the Secretariat or ILO's own focal points"),
    ('people add @"Jane Doe"', "Say which agency"),
    ('people add @"WHO Focal Point" WHO', "WHO Focal Point is already on the roster"),
    ('people remove @"Nobody Here"', "Nobody Here is not on the roster"),
    ('people move @"ILO Focal Point" UNICEF', "Only the Secretariat or ILO's own focal points"),
    ('people add @"Khampheng" partner:"Unknown Org"', "'Unknown Org' is not a partner yet"),
    ('partners add "Lao Women\'s Union" to wg:protection', "Only the Secretariat, or a working"),
    ('partners add "Lao Women\'s Union" to wg:fisheries', "There is no working group"),
])
def test_refusals_say_why_and_change_nothing(bot: BotHarness, line: str, problem: str) -> None:
    who, _, command = line.rpartition(": ") if line.startswith("IOM: ") else ("WHO", "", line)
    assert_refused(bot, command, problem, as_=who)


def test_a_second_request_waits_for_the_first(bot: BotHarness) -> None:
    bot.say('members join UNFPA "United Nations Population Fund"', as_="Visitor")
    again = bot.say('members join UNFPA "United Nations Population Fund"', as_="Other Visitor")
    assert not again.ok and "the request is waiting" in again.text


def test_leaving_gives_up_seats_and_quorum_follows_membership(bot: BotHarness) -> None:
    assert bot.say('poll propose "Joint statement on safe migration"', as_="RCO").ok
    left = bot.say("members leave WORLD-BANK", as_="WORLD-BANK")
    assert left.ok and "has left" in left.text
    assert "WORLD-BANK" not in _active_codes(bot)
    assert "WORLD-BANK" not in bot.say("wg labour-migration").text
    assert not bot.say("whoami", as_="WORLD-BANK").fields
    assert bot.say('poll propose "Annual work plan 2032"', as_="RCO").ok
    with bot.session() as session:
        before, after = session.exec(select(Poll).order_by(Poll.id)).all()
    assert len(before.electorate) == 10 and "WORLD-BANK" in before.electorate
    assert len(after.electorate) == 9 and "WORLD-BANK" not in after.electorate
    assert "WORLD-BANK left the Network (1 working-group seat given up)" in \
        bot.say("members history").text


def test_people_are_added_from_a_slack_mention_and_can_then_speak(bot: BotHarness) -> None:
    added = _slack(bot, "U-PLACEHOLDER-ILO", "people add <@U0JANE|jane.doe> ILO Jane Doe")
    assert added.ok and "Jane Doe is now on the roster (ILO)" in added.text
    assert dict(_slack(bot, "U0JANE", "whoami").fields)["Agency"].startswith("ILO")
    moved = _slack(bot, "U-PLACEHOLDER-IOM", "people move <@U0JANE> UNICEF")
    assert moved.ok and "now a focal point of UNICEF" in moved.text
    assert dict(_slack(bot, "U0JANE", "whoami").fields)["Agency"].startswith("UNICEF")
    refused = _slack(bot, "U-PLACEHOLDER-ILO", "people remove <@U0JANE>")
    assert not refused.ok and "Only the Secretariat or UNICEF's own focal points" in refused.text
    removed = _slack(bot, "U-PLACEHOLDER-UNICEF", "people remove <@U0JANE>")
    assert removed.ok
    assert "not on the roster" in _slack(bot, "U0JANE", "agenda").text


def test_the_secretariat_cannot_lose_its_last_focal_point(bot: BotHarness) -> None:
    refused = bot.say('people remove @"IOM Focal Point"')
    assert not refused.ok and "the Secretariat's last focal point" in refused.text
    assert bot.say('people add @"Second IOM" IOM').ok
    assert bot.say('people remove @"IOM Focal Point"', as_="Second IOM").ok


def test_partners_take_part_in_working_groups_but_do_not_vote(bot: BotHarness) -> None:
    assert bot.say('partners add "Lao Women\'s Union" to wg:protection').ok
    assert bot.say('people add @"Khampheng" partner:"Lao Women\'s Union"', as_="UNICEF").ok
    assert "partners: Lao Women's Union" in bot.say("wg protection").text
    assert "*Lao Women's Union* — working groups: protection; people: Khampheng" in \
        shown(bot.say("partners"))
    whoami = bot.say("whoami", as_="Khampheng")
    assert dict(whoami.fields)["Roles"] == "partner in protection"
    assert bot.say('poll propose "Joint statement"', as_="RCO").ok
    vote = bot.say("vote #1 agree", as_="Khampheng")
    assert not vote.ok
    assert "partners do not vote in Network consensus polls" in vote.text
    with bot.session() as session:
        poll = session.exec(select(Poll)).one()
    assert "Lao Women's Union" not in poll.electorate


def test_roster_export_is_a_valid_app_yaml_with_the_changes(bot: BotHarness) -> None:
    bot.say('members join UNFPA "United Nations Population Fund"', as_="Visitor")
    bot.say("members approve UNFPA")
    bot.say('partners add "Lao Women\'s Union" to wg:protection')
    bot.say('people add @"Khampheng" partner:"Lao Women\'s Union"')
    bot.say("members leave WHO")
    exported = yaml.safe_load(export_roster(bot.engine, bot.config))
    config = parse_config(exported)
    assert config.agency_codes[-1] == "UNFPA" and "WHO" not in config.agency_codes
    assert {"name": "Visitor", "agency": "UNFPA"} in exported["people"]
    assert {"name": "Khampheng", "partner": "Lao Women's Union"} in exported["people"]
    protection = next(wg for wg in config.working_groups if wg.slug == "protection")
    assert protection.partners == ["Lao Women's Union"] and "WHO" not in protection.members
    assert config.meetings == bot.config.meetings and len(config.objectives) == 23


def test_roster_export_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "roster.yaml"
    url = f"sqlite:///{tmp_path / 'network.db'}"
    assert main(["--config", str(APP_YAML), "--database-url", url, "roster", "export",
                 "--out", str(out)]) == 0
    assert parse_config(yaml.safe_load(out.read_text())).agency_codes[0] == "RCO"


def test_partners_add_agenda_items_to_their_working_groups_meetings_only(
    bot: BotHarness,
) -> None:
    bot.say('partners add "Lao Women\'s Union" to wg:protection')
    bot.say('people add @"Khampheng" partner:"Lao Women\'s Union"')
    assert bot.say('meeting schedule wg:protection 20/03/2031 10:00 "Protection WG"').ok
    assert bot.say('meeting schedule regular 24/03/2031 10:00 "Mid-year review"').ok
    added = bot.say("agenda add Outreach to returnee communities for #1", as_="Khampheng")
    assert added.ok, added.text
    assert "Outreach to returnee communities — Lao Women's Union (proposed)" in \
        bot.say("agenda list #1", as_="Khampheng").text
    assert "1. Outreach to returnee communities — Lao Women's Union" in \
        bot.say("agenda publish #1").text
    # help lists what a partner may use: what the refusals below send them to.
    listed = bot.say("help", as_="Khampheng").text
    assert listed.startswith("Commands you can use as a partner (Lao Women's Union)")
    assert "agenda add <text>" in listed and "agenda list [#N]" in listed
    assert "vote #P" not in listed and "minutes #N" not in listed
    assert "vote #P" in bot.say("help").text
    for line in ("agenda add Budget for #2", "agenda add Budget", "agenda list #2"):
        refused = bot.say(line, as_="Khampheng")
        assert not refused.ok
        assert "meetings of your working groups (protection)" in refused.text
        assert "Upcoming: #1." in refused.text


def test_partners_are_reminded_of_their_working_groups_meetings(bot: BotHarness) -> None:
    bot.say('partners add "Lao Women\'s Union" to wg:protection')
    bot.say('people add @"Khampheng" partner:"Lao Women\'s Union"')
    bot.say('meeting schedule wg:protection 20/03/2031 10:00 "Protection WG"')
    bot.say('meeting schedule regular 24/03/2031 10:00 "Mid-year review"')
    with bot.session() as session:
        khampheng = session.exec(select(Person.id).where(Person.name == "Khampheng")).one()
        reminders = session.exec(select(Outbox).where(Outbox.kind == "meeting.reminder")).all()
    direct = [r for r in reminders if r.audience == Audience.of_people([khampheng])]
    assert len(direct) == 3 and {r.meeting_id for r in direct} == {1}
    assert len([r for r in reminders if r.audience == NETWORK]) == 6
