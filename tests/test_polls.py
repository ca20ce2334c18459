"""Consensus polls through the command core: proposals, votes, closing and the WG registry."""

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from handlers.core import Scope, Speaker, Where
from handlers.jobs import JOBS
from storage.audience import NETWORK
from storage.db import transaction
from storage.models import (
    Agency,
    Decision,
    Outbox,
    OutboxStatus,
    Person,
    Poll,
    Vote,
    WGPartner,
    WorkingGroup,
)
from tests.conftest import START, BotHarness, pressed, shown
from tests.db_state import assert_refused
from tests.due_jobs import run_jobs

AGENCIES = ["RCO", "IOM", "ILO", "OHCHR", "UNHCR", "UNICEF", "UNDP", "UN-HABITAT",
            "WORLD-BANK", "WHO"]
RENAME = 'poll wg rename protection "Protection of Migrants"'


def _rows(bot: BotHarness, kind: str | None = None, status: str | None = None) -> list[Outbox]:
    with bot.session() as session:
        query = select(Outbox).order_by(Outbox.id)  # type: ignore[arg-type]
        if kind:
            query = query.where(Outbox.kind == kind)
        if status:
            query = query.where(Outbox.status == status)
        return list(session.exec(query).all())


def _counts(bot: BotHarness) -> tuple[int, ...]:
    with bot.session() as session:
        return tuple(session.exec(select(func.count()).select_from(table)).one()
                     for table in (Poll, Vote, Outbox, Decision, WorkingGroup))


def _poll(bot: BotHarness, poll_id: int = 1) -> Poll:
    with bot.session() as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None
        return poll


def _everyone(bot: BotHarness, position: str = "agree", poll_id: int = 1,
              who: list[str] = AGENCIES) -> None:
    for agency in who:
        assert bot.say(f"vote #{poll_id} {position}", as_=agency).ok


def test_opening_a_poll_posts_it_and_schedules_its_jobs(bot: BotHarness) -> None:
    reply = bot.say('poll wg create "Migration Data" Improve and share migration statistics')
    assert reply.ok, reply.text
    assert reply.text.startswith('Opened poll #1: Create the working group "Migration Data" '
                                 "(migration-data). Mandate: Improve and share migration")
    poll = _poll(bot)
    assert (poll.kind, poll.electorate, poll.closes_at) == ("wg.create", AGENCIES,
                                                           START + timedelta(days=7))
    assert poll.params == {"name": "Migration Data", "slug": "migration-data",
                           "mandate": "Improve and share migration statistics"}
    rows = {row.kind: row for row in _rows(bot)}
    assert {k: rows[k].due_at - START for k in rows} == {
        "poll.opened": timedelta(0), "poll.deadline": timedelta(days=7),
        "poll.remind": timedelta(days=6), "poll.min_open": timedelta(hours=24)}
    assert all(row.poll_id == 1 and row.audience == NETWORK for row in rows.values())
    posted = rows["poll.opened"].payload
    assert [(c["label"], pressed(c)) for c in posted["choices"]] == [
        ("Agree", "vote #1 agree"), ("Abstain", "vote #1 abstain"), ("Object", "vote #1 object")]
    assert "*Not yet voted* (10): RCO, IOM, ILO" in shown(posted["text"])
    assert "at least 5 of the 10 member agencies" in posted["text"]


def test_until_sets_the_deadline_and_quoted_until_is_text(bot: BotHarness) -> None:
    reply = bot.say('poll propose "Keep the plan until the review" until 14 Mar 2031 17:00',
                    as_="RCO")
    assert reply.ok, reply.text
    poll = _poll(bot)
    assert poll.question == "Keep the plan until the review"
    assert poll.closes_at == START.replace(day=14, hour=10)
    assert "closes Fri 14 Mar 2031, 17:00 (Asia/Vientiane)" in reply.text


@pytest.mark.parametrize(("line", "problem"), [
    ('poll wg create "Protection!"', "'protection' is already used"),
    ("poll wg create Migration Data", "Put the working group's name in quotes"),
    ('poll wg create "!!!"', "no letters or digits"),
    ("poll wg dissolve fisheries", "There is no active working group 'fisheries'"),
    ("poll wg dissolve protection now", "I did not expect 'now'"),
    ('poll wg replace protection "Protection 2"', "Write 'with'"),
    ('poll wg rename protection "Protection, Trafficking and Vulnerable Migrants"',
     "already called"),
    ("poll wg chairs protection IOM,XYZ", "XYZ is not among the member agencies"),
    ("poll wg chairs protection UNICEF, IOM", "UNICEF, IOM are already the chairs"),
    ("poll wg chairs labour-migration ILO", "ILO is already the chair of labour-migration"),
    ("poll wg chairs protection", "Name the chair agencies"),
    ("poll wg members protection +IOM", "IOM is already in protection"),
    ("poll wg members protection -ILO", "ILO is not in protection"),
    ("poll wg members protection -UNICEF", "UNICEF is chairing protection; change its chairs "
     "first.\nExample: poll wg chairs protection IOM"),
    ("poll wg members protection ILO", "not 'ILO'"),
    ("poll wg members protection +ILO -ILO", "named twice"),
    ("poll wg frobnicate protection", "'poll wg frobnicate' is not a working-group change"),
    ("poll wg", "'poll wg' needs a working-group change"),
    ('poll propose "Adopt the plan" until yesterday', "After 'until' I expected"),
    ('poll propose "Adopt the plan" until 3 Mar 2031 15:00', "stays open at least 1d"),
    ('poll propose "Adopt the plan" extra', "I did not expect 'extra'"),
    ('poll propose ""', "The proposal is empty"),
    ("poll show 3", "'3' is not a poll number"),
    ("poll show #9", "There is no poll #9"),
    ("poll frobnicate", "'poll frobnicate' is not a poll command"),
])
def test_bad_proposals_are_refused_with_an_example_and_change_nothing(
    bot: BotHarness, line: str, problem: str
) -> None:
    assert_refused(bot, line, problem)


def test_only_the_chair_or_secretariat_open_or_close_polls(bot: BotHarness) -> None:
    refused = bot.say(RENAME, as_="WHO")
    assert not refused.ok and "Only the Chair (RCO) or the Secretariat (IOM)" in refused.text
    assert _counts(bot)[0] == 0
    assert bot.say(RENAME, as_="RCO").ok
    assert not bot.say("poll close #1", as_="ILO").ok
    assert _poll(bot).status == "open"


def test_a_second_open_poll_on_the_same_working_group_is_refused(bot: BotHarness) -> None:
    assert bot.say(RENAME).ok
    refused = bot.say("poll wg dissolve protection")
    assert not refused.ok and "Poll #1 about protection is still open" in refused.text
    assert bot.say("poll wg dissolve labour-migration").ok


def test_one_voice_per_agency_the_latest_vote_of_any_focal_point_counts(
    bot: BotHarness,
) -> None:
    with transaction(bot.engine) as session:
        ilo = session.exec(select(Agency).where(Agency.code == "ILO")).one()
        session.add(Person(name="Second ILO Focal Point", agency_id=ilo.id))
    assert bot.say(RENAME).ok
    assert bot.say("vote #1 agree", as_="ILO").text.startswith("Recorded: ILO agrees on poll #1")
    changed = bot.say("vote #1 object Too narrow a name", as_="Second ILO Focal Point")
    assert changed.text.startswith("Recorded: ILO objects on poll #1 (was: agree)")
    poll_text = shown(bot.say("poll show #1"))
    assert "*Agree* (0): none" in poll_text
    assert "*Object* (1)\n- ILO (Second ILO Focal Point, Mon 3 Mar 2031, 09:00 " \
           "(Asia/Vientiane)): Too narrow a name" in poll_text
    history = bot.say("poll history #1").text
    assert "ILO Focal Point (ILO) voted agree" in history
    assert "Second ILO Focal Point (ILO) changed ILO's position from agree to object: " \
           "Too narrow a name" in history
    with bot.session() as session:
        assert len(session.exec(select(Vote)).all()) == 2


def test_votes_from_slack_teams_and_shell_count_together(bot: BotHarness) -> None:
    assert bot.say(RENAME).ok
    where = Where(platform="slack", channel="C1")
    for platform, external_id, position in (("slack", "U-PLACEHOLDER-ILO", "agree"),
                                            ("teams", "PLACEHOLDER-AAD-WHO", "abstain"),
                                            ("teams", "PLACEHOLDER-AAD-ILO", "abstain")):
        reply = bot.runner.run(Speaker(platform, external_id), where, f"vote #1 {position}")
        assert reply.ok, reply.text
    assert bot.say("vote #1 agree", as_="IOM").ok
    text = shown(bot.say("poll show #1"))
    assert "*Agree* (1)\n- IOM" in text
    assert "*Abstain* (2)\n- ILO" in text and "\n- WHO" in text
    assert "3 of 10 agencies have taken a position" in text


def test_each_vote_updates_the_posted_poll(bot: BotHarness) -> None:
    assert bot.say(RENAME).ok
    assert bot.say("vote #1 agree", as_="UNHCR").ok
    assert bot.say("vote #1 abstain", as_="WHO").ok
    tallies = _rows(bot, "poll.tally")
    assert len(tallies) == 2 and all(r.poll_id == 1 and r.due_at == START for r in tallies)
    latest = tallies[-1].payload
    assert "*Agree* (1)\n- UNHCR" in shown(latest["text"])
    assert "*Abstain* (1)\n- WHO" in shown(latest["text"])
    assert [pressed(c) for c in latest["choices"]] == [
        "vote #1 agree", "vote #1 abstain", "vote #1 object"]


def test_repeats_and_double_clicks_never_count_twice(bot: BotHarness) -> None:
    assert bot.say(RENAME).ok
    first = bot.say("vote #1 agree", as_="ILO", key="click-1")
    assert bot.say("vote #1 agree", as_="ILO", key="click-1") == first
    again = bot.say("vote #1 agree", as_="ILO")
    assert again.text == "Already recorded: ILO agrees on poll #1. Nothing changed."
    with bot.session() as session:
        assert len(session.exec(select(Vote)).all()) == 1
    assert len(_rows(bot, "poll.tally")) == 1


def test_an_objection_without_a_reason_asks_for_one_with_a_form(bot: BotHarness) -> None:
    assert bot.say(RENAME).ok
    asked = bot.say("vote #1 object", as_="WHO")
    assert asked.ok and asked.form is not None
    assert (asked.form.id, asked.form.params) == ("objection", {"poll": 1})
    assert [(f.name, f.multiline) for f in asked.form.fields] == [("reason", True)]
    assert _counts(bot)[1] == 0
    speaker = Speaker("shell", str(_person_id(bot, "WHO")))
    done = bot.runner.submit(speaker, Where("shell"), asked.form.id, asked.form.params,
                             {"reason": "Not discussed"})
    assert done.text.startswith("Recorded: WHO objects on poll #1")
    with bot.session() as session:
        assert session.exec(select(Vote.reason)).one() == "Not discussed"


def _person_id(bot: BotHarness, agency: str) -> int:
    with bot.session() as session:
        return session.exec(select(Person.id).join(Agency, Agency.id == Person.agency_id)
                            .where(Agency.code == agency)).one()


@pytest.mark.parametrize(("line", "problem"), [
    ("vote #1 maybe", "'maybe' is not a position"),
    ("vote #1", "Say your agency's position"),
    ("vote", "Say which poll"),
    ("vote #7 agree", "There is no poll #7"),
    ("vote 1 agree", "'1' is not a poll number"),
])
def test_bad_votes_are_refused_and_change_nothing(
    bot: BotHarness, line: str, problem: str
) -> None:
    assert bot.say(RENAME).ok
    assert_refused(bot, line, problem, as_="WHO")


def test_outsiders_and_late_voters_cannot_vote(bot: BotHarness) -> None:
    assert bot.say(RENAME).ok
    guest = bot.say("vote #1 agree", as_="Visitor")
    assert not guest.ok and "not on the roster" in guest.text
    with transaction(bot.engine) as session:
        agency = Agency(code="UNFPA", name="United Nations Population Fund")
        session.add(agency)
        session.flush()
        session.add(Person(name="UNFPA Focal Point", agency_id=agency.id))
    newcomer = bot.say("vote #1 agree", as_="UNFPA")
    assert not newcomer.ok and "decided by the member agencies (RCO, IOM" in newcomer.text
    bot.clock.advance(days=7)
    late = bot.say("vote #1 agree", as_="ILO")
    assert not late.ok and "Poll #1 is closed" in late.text
    assert _counts(bot)[1] == 0


def test_no_consensus_at_the_deadline_lists_the_objections(bot: BotHarness) -> None:
    assert bot.say(RENAME).ok
    _everyone(bot, who=AGENCIES[:8])
    assert bot.say("vote #1 object The name drops trafficking", as_="UNICEF").ok
    run_jobs(bot, "poll.deadline")
    poll = _poll(bot)
    assert (poll.status, poll.outcome, poll.closed_at) == (
        "closed", "no consensus", START + timedelta(days=7))
    outcome = shown(_rows(bot, "poll.outcome")[0].payload["text"])
    assert outcome.startswith("*No consensus* on poll #1: Rename the working group")
    assert "Objections:\n- UNICEF (UNICEF Focal Point): The name drops trafficking" in outcome
    assert "Agree 7, abstain 0, object 1, not voted 2." in outcome
    assert "Protection, Trafficking and Vulnerable Migrants" in bot.say("wg protection").text
    with bot.session() as session:
        assert session.exec(select(Decision)).all() == []
    assert {r.kind for r in _rows(bot, status=OutboxStatus.PENDING)} == {
        "poll.opened", "poll.outcome", "poll.tally"}
    final = _rows(bot, "poll.tally", OutboxStatus.PENDING)
    assert len(final) == 1 and final[0].payload["choices"] == []
    assert "Closed Mon 10 Mar 2031, 09:00 (Asia/Vientiane): *no consensus*" in \
        shown(final[0].payload["text"])
    assert "*Did not vote* (2): WORLD-BANK, WHO" in shown(final[0].payload["text"])


@pytest.mark.parametrize(("voters", "consensus"), [(4, False), (5, True)])
def test_consensus_needs_a_quorum_of_positions(
    bot: BotHarness, voters: int, consensus: bool
) -> None:
    assert bot.say('poll propose "Adopt the 2031 annual work plan"').ok
    _everyone(bot, "abstain", who=AGENCIES[:voters])
    run_jobs(bot, "poll.deadline")
    outcome = shown(_rows(bot, "poll.outcome")[0].payload["text"])
    if consensus:
        assert outcome.startswith("*Consensus* on poll #1: Adopt the 2031 annual work plan\n"
                                  "The proposal is adopted. Recorded as decision #1.")
    else:
        assert f"Only {voters} of the 10 member agencies took a position; at least 5 were " \
               "needed." in outcome
    with bot.session() as session:
        decisions = session.exec(select(Decision)).all()
    assert [(d.poll_id, d.decided_at) for d in decisions] == (
        [(1, START + timedelta(days=7))] if consensus else [])


WG_CHANGES: list[tuple[str, str, list[str], list[str]]] = [
    ('poll wg create "Migration Data" Improve and share statistics', "wg migration-data",
     ["*Migration Data* (migration-data)", "chairs: none; members: none",
      "mandate: Improve and share statistics"], []),
    ("poll wg dissolve labour-migration", "wg", ["*Protection, Trafficking"],
     ["labour-migration"]),
    ('poll wg replace labour-migration with "Decent Work for Migrants"', "wg",
     ["*Decent Work for Migrants* (decent-work-for-migrants)\n"
      "  chairs: ILO; members: IOM, ILO, UNDP, WORLD-BANK"], ["labour-migration"]),
    ('poll wg rename protection "Protection of Migrants"', "wg protection",
     ["*Protection of Migrants* (protection)"], ["Trafficking"]),
    ("poll wg chairs protection UNHCR,WHO", "wg protection",
     ["chairs: UNHCR, WHO; members: IOM, OHCHR, UNHCR, UNICEF, WHO"], []),
    ("poll wg chairs labour-migration ILO,UNICEF", "wg labour-migration",
     ["chairs: ILO, UNICEF; members: IOM, ILO, UNICEF, UNDP, WORLD-BANK"], []),
    ("poll wg members labour-migration +UNICEF +WHO -WORLD-BANK", "wg labour-migration",
     ["members: IOM, ILO, UNICEF, UNDP, WHO"], ["WORLD-BANK"]),
]


@pytest.mark.parametrize(("line", "show", "present", "absent"), WG_CHANGES)
def test_an_adopted_change_is_applied_and_recorded(
    bot: BotHarness, line: str, show: str, present: list[str], absent: list[str]
) -> None:
    assert bot.say(line).ok
    _everyone(bot)
    assert _poll(bot).status == "open"  # polls.min_open has not passed yet
    run_jobs(bot, "poll.min_open")
    poll = _poll(bot)
    assert (poll.status, poll.outcome) == ("closed", "consensus")
    listing = shown(bot.say(show))
    for text in present:
        assert text in listing
    for text in absent:
        assert text not in listing
    with bot.session() as session:
        decision = session.exec(select(Decision)).one()
    assert decision.poll_id == 1 and decision.text.startswith(poll.question)
    outcome = shown(_rows(bot, "poll.outcome")[0].payload["text"])
    assert outcome.startswith(f"*Consensus* on poll #1: {poll.question}")
    assert outcome.endswith("Agree 10, abstain 0, object 0, not voted 0.")


def test_a_replacement_keeps_the_partners(bot: BotHarness) -> None:
    with transaction(bot.engine) as session:
        wg = session.exec(select(WorkingGroup).where(WorkingGroup.slug == "protection")).one()
        session.add(WGPartner(wg_id=wg.id, organisation="Lao Women's Union"))
    assert bot.say('poll wg replace protection with "Migrant Protection"').ok
    _everyone(bot)
    assert bot.say("poll close #1").ok
    listing = shown(bot.say("wg"))
    assert "*Migrant Protection* (migrant-protection)\n  chairs: IOM, UNICEF; members: IOM, " \
           "OHCHR, UNHCR, UNICEF, WHO\n  partners: Lao Women's Union" in listing
    assert "(protection)" not in listing


def test_dissolving_keeps_the_record(bot: BotHarness) -> None:
    assert bot.say("poll wg dissolve labour-migration").ok
    _everyone(bot)
    assert bot.say("poll close #1").ok
    with bot.session() as session:
        wg = session.exec(select(WorkingGroup).where(
            WorkingGroup.slug == "labour-migration")).one()
    assert (wg.active, wg.dissolved_at) == (False, START)
    refused = bot.say('poll wg create "Labour Migration"')
    assert not refused.ok
    assert "'labour-migration' is already used by the dissolved working group" in refused.text


def test_the_poll_closes_itself_once_everyone_voted_after_min_open(bot: BotHarness) -> None:
    assert bot.say(RENAME).ok
    bot.clock.advance(days=2)
    _everyone(bot, who=AGENCIES[:9])
    assert _poll(bot).status == "open"
    last = bot.say("vote #1 abstain", as_="WHO")
    assert "Every agency has now voted, so the poll is closed.\n*Consensus* on poll #1" in \
        shown(last)
    assert "Protection of Migrants" in bot.say("wg protection").text
    cancelled = {r.kind for r in _rows(bot, status=OutboxStatus.CANCELLED)}
    assert {"poll.deadline", "poll.remind", "poll.min_open"} <= cancelled
    assert not bot.say("poll close #1").ok


def test_a_change_overtaken_by_events_is_not_forced(bot: BotHarness) -> None:
    assert bot.say('poll wg create "Migration Data"').ok
    with transaction(bot.engine) as session:
        session.add(WorkingGroup(slug="migration-data", name="Migration Data (from app.yaml)"))
    _everyone(bot)
    outcome = bot.say("poll close #1").text
    assert "The change could not be applied" in outcome
    assert "'migration-data' is already used" in outcome
    with bot.session() as session:
        assert session.exec(select(Decision)).all() == []


def test_the_reminder_names_the_agencies_that_have_not_voted(bot: BotHarness) -> None:
    assert bot.say(RENAME).ok
    _everyone(bot, who=AGENCIES[:8])
    run_jobs(bot, "poll.remind")
    [reminder] = _rows(bot, "poll.reminder")
    assert reminder.due_at == START + timedelta(days=6) and reminder.audience == NETWORK
    text: Any = reminder.payload["text"]
    assert text.startswith("Poll #1 closes Mon 10 Mar 2031, 09:00 (Asia/Vientiane)")
    assert "- WORLD-BANK: World Bank Focal Point\n- WHO: WHO Focal Point" in text
    assert "UNDP" not in text


def test_no_reminder_when_everyone_voted(bot: BotHarness) -> None:
    assert bot.say('poll propose "Joint statement on safe migration" until 5 Mar 2031 09:00').ok
    assert [r.kind for r in _rows(bot)] == ["poll.opened", "poll.deadline", "poll.remind",
                                           "poll.min_open"]
    _everyone(bot)
    run_jobs(bot, "poll.remind")
    assert _rows(bot, "poll.reminder") == []


def test_poll_list_and_history(bot: BotHarness) -> None:
    assert "There are no polls yet" in bot.say("poll list").text
    assert bot.say(RENAME).ok
    assert bot.say('poll propose "Adopt the work plan"').ok
    assert bot.say("vote #2 agree", as_="WHO").ok
    assert bot.say("poll close #2").ok
    listing = shown(bot.say("poll"))
    assert listing.startswith('*Open*\n#1 Rename the working group "Protection, Trafficking '
                              'and Vulnerable Migrants" (protection) to "Protection of '
                              'Migrants". — 0 of 10 agencies have voted; closes Mon 10 Mar')
    assert "*Recently closed*\n#2 Adopt the work plan — no consensus, Mon 3 Mar 2031, 09:00" \
        in listing
    history = bot.say("poll history #2").text
    assert history == (
        "Adopt the work plan\n"
        "- Mon 3 Mar 2031, 09:00 (Asia/Vientiane): opened by IOM Focal Point; electorate "
        + ", ".join(AGENCIES) + "\n"
        "- Mon 3 Mar 2031, 09:00 (Asia/Vientiane): WHO Focal Point (WHO) voted agree\n"
        "- Mon 3 Mar 2031, 09:00 (Asia/Vientiane): closed, no consensus")


def test_help_explains_every_poll_command(bot: BotHarness) -> None:
    text = bot.say("help poll").text
    for usage in ("poll wg create", "poll propose", "poll show #P", "poll list",
                  "poll history #P", "poll close #P"):
        assert usage in text
    assert "vote #P agree|abstain|object <reason>" in bot.say("help vote").text


def test_a_member_is_told_who_may_open_polls_before_any_syntax_help(bot: BotHarness) -> None:
    reply = bot.say("poll wg frobnicate", as_="UNDP")
    assert not reply.ok and reply.text.startswith("Only the Chair (RCO) or the Secretariat")
    assert reply.text.endswith("Example: poll list")


def test_jobs_leave_a_poll_alone_when_they_have_nothing_to_do(bot: BotHarness) -> None:
    assert bot.say(RENAME).ok
    _everyone(bot, who=AGENCIES[:9])
    run_jobs(bot, "poll.min_open")
    assert _poll(bot).status == "open"  # WHO has not voted yet
    assert bot.say("poll close #1").ok
    [deadline] = _rows(bot, "poll.deadline")
    assert deadline.status == OutboxStatus.CANCELLED
    with transaction(bot.engine) as session:
        JOBS["poll.deadline"](Scope(session, bot.config, deadline.due_at), deadline)
        JOBS["poll.remind"](Scope(session, bot.config, deadline.due_at), deadline)
    assert len(_rows(bot, "poll.outcome")) == 1
    assert _rows(bot, "poll.reminder") == []
