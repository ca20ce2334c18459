"""The command core through the same entry point every adapter uses."""

import pytest
from sqlmodel import func, select

from handlers.core import Choice, Form, FormField, Reply
from storage.models import AgendaItem, ProcessedCommand
from tests.conftest import BotHarness, shown
from tests.db_state import assert_refused


def _items(bot: BotHarness) -> list[AgendaItem]:
    with bot.session() as session:
        return list(session.exec(select(AgendaItem).order_by(AgendaItem.id)).all())


@pytest.mark.parametrize(("who", "agency", "roles"), [
    ("RCO", "RCO — Resident Coordinator Office", "Chair, member"),
    ("IOM", "IOM — International Organization for Migration", "Secretariat, member"),
    ("UNHCR", "UNHCR — Office of the United Nations High Commissioner for Refugees", "member"),
])
def test_whoami_names_person_agency_and_roles(
    bot: BotHarness, who: str, agency: str, roles: str
) -> None:
    reply = bot.say("whoami", as_=who)
    assert reply.ok
    assert dict(reply.fields)["Agency"] == agency
    assert dict(reply.fields)["Roles"] == roles


def test_whoami_lists_the_working_groups_a_person_chairs(bot: BotHarness) -> None:
    assert dict(bot.say("whoami", as_="ILO").fields)["Chairs working groups"] == \
        "labour-migration"
    assert "Chairs working groups" not in dict(bot.say("whoami", as_="WHO").fields)


def test_members_lists_all_ten_agencies_with_chair_and_secretariat(bot: BotHarness) -> None:
    reply = shown(bot.say("/network members", as_="WHO"))
    assert "*RCO* (Chair) — Resident Coordinator Office: RCO Focal Point" in reply
    assert "*IOM* (Secretariat) — International Organization for Migration" in reply
    assert "*WORLD-BANK* — World Bank: World Bank Focal Point" in reply
    assert "10 member agencies. Chair: RCO. Secretariat and Coordinator: IOM." in reply


def test_wg_shows_chairs_and_members(bot: BotHarness) -> None:
    reply = shown(bot.say("wg"))
    assert "*Labour Migration and Decent Work* (labour-migration)" in reply
    assert "chairs: ILO; members: IOM, ILO, UNDP, WORLD-BANK" in reply
    one = bot.say("wg protection")
    assert "chairs: IOM, UNICEF" in one.text and "labour-migration" not in one.text
    missing = bot.say("wg fisheries")
    assert not missing.ok and "no working group 'fisheries'" in missing.text


def test_objectives_are_the_23_of_the_gcm(bot: BotHarness) -> None:
    reply = bot.say("objectives")
    assert reply.text.count("\n") == 22
    assert reply.text.startswith("1. Collect and utilize accurate and disaggregated data")
    assert bot.say("objectives 23").text.startswith("23. Strengthen international cooperation")
    refused = bot.say("objectives 24")
    assert not refused.ok and "numbered 1 to 23" in refused.text


@pytest.mark.parametrize("number", ["#9999999999999999999999", "²", "0"])
def test_objective_numbers_out_of_any_range_are_refused_with_an_example(
    bot: BotHarness, number: str
) -> None:
    """Found by the fuzz tests: a huge number crashed on SQLite and read as a database outage
    on PostgreSQL; a superscript digit crashed int()."""
    refused = bot.say(f"objectives {number}")
    assert not refused.ok
    assert "Example: objectives 6" in refused.text


def test_agenda_add_goes_to_the_backlog_and_is_listed(bot: BotHarness) -> None:
    added = bot.say("agenda add Update on the labour migration assessment", as_="ILO")
    assert added.ok and "#1" in added.text and "backlog" in added.text
    bot.say("/network agenda add Returnee reintegration pilot", as_="UNICEF")
    listing = bot.say("agenda", as_="WHO").text
    assert "1. #1 Update on the labour migration assessment — ILO (proposed)" in listing
    assert "2. #2 Returnee reintegration pilot — UNICEF (proposed)" in listing


def test_lao_script_and_long_text_survive_a_round_trip(bot: BotHarness) -> None:
    lao = "ທົບທວນແຜນວຽກປະຈຳປີຂອງເຄືອຂ່າຍ ກ່ຽວກັບການເຄື່ອນຍ້າຍແຮງງານ"
    long_text = "Joint statement on safe migration. " * 27  # ~950 characters
    bot.say(f"agenda add {lao}")
    bot.say(f"agenda add {long_text}")
    assert [i.text for i in _items(bot)] == [lao, long_text.strip()]
    assert lao in bot.say("agenda").text


@pytest.mark.parametrize(("line", "problem"), [
    ("agenda add", "The agenda item is empty."),
    ("agenda add    ", "The agenda item is empty."),
    ("agenda add " + "x" * 1001, "The agenda item is 1,001 characters long; the limit is 1,000."),
    ("agenda add budget\x1b[31m", "control character (U+001B)"),
    ("agenda add Safe \ue000migration\ue001", "private-use character (U+E000)"),
])
def test_bad_input_is_refused_with_an_example_and_changes_nothing(
    bot: BotHarness, line: str, problem: str
) -> None:
    reply = assert_refused(bot, line, problem)
    assert "Example: agenda add" in reply.text


def test_someone_not_on_the_roster_may_use_help_only(bot: BotHarness) -> None:
    refused = bot.say("agenda add Something", as_="Stranger")
    assert not refused.ok
    assert "not on the roster" in refused.text and "Secretariat (IOM)" in refused.text
    assert _items(bot) == []
    assert bot.say("members", as_="Stranger").ok is False
    assert bot.say("help", as_="Stranger").ok
    assert "not on the roster" in bot.say("whoami", as_="Stranger").text


def test_an_unknown_verb_gets_did_you_mean(bot: BotHarness) -> None:
    reply = bot.say("agnda")
    assert not reply.ok
    assert reply.text.startswith("I don't know 'agnda'. Did you mean agenda")
    assert bot.say("memebrs").text.startswith("I don't know 'memebrs'. Did you mean members")


@pytest.mark.parametrize(("line", "said", "example"), [
    ("meeting lsit", "I don't know 'lsit' after 'meeting'. Did you mean meeting list?",
     "meeting list"),
    ("meeting sho #1", "I don't know 'sho' after 'meeting'. Did you mean meeting show?",
     "meeting show #1"),
    ("meeting zzz", "I don't know 'zzz' after 'meeting': the meeting commands are meeting "
     "attend, meeting availability, meeting available, meeting cancel, meeting drop, meeting "
     "ics, meeting list, meeting move, meeting pick, meeting plan, meeting propose, meeting "
     "schedule, meeting show (help meeting explains each).", "help meeting"),
    # A verb that is a command of its own read the wrong word as its arguments (issue 18).
    ("members histroy", "I don't know 'histroy' after 'members'. Did you mean members "
     "history?", "members history 2031"),
    ("poll shw #1", "I don't know 'shw' after 'poll'. Did you mean poll show?",
     "poll show #3"),
    ("agenda lst", "I don't know 'lst' after 'agenda'. Did you mean agenda list?",
     "agenda list #1"),
])
def test_a_wrong_word_after_a_known_verb_is_named(
        bot: BotHarness, line: str, said: str, example: str) -> None:
    """The wrong word is the second one; the commands are those of help meeting."""
    assert_refused(bot, line, f"{said}\nExample: {example}")
    assert "Type help" in bot.say("xyzzy").text


@pytest.mark.parametrize(("line", "example"), [
    ("members ILO", "members"), ("whoami now", "whoami"), ("partners all", "partners"),
    ("meeting list 2031", "meeting list"), ("poll list #3", "poll show #3"),
])
def test_words_after_a_command_that_takes_none_are_refused_not_ignored(
        bot: BotHarness, line: str, example: str) -> None:
    command, _, extra = line.rpartition(" ")
    assert_refused(bot, line, f"'{command}' takes nothing after it: leave out '{extra}'.\n"
                   f"Example: {example}")


def test_help_lists_every_verb_with_an_example_and_explains_one(bot: BotHarness) -> None:
    overview = shown(bot.say("help"))
    for verb in ("help", "whoami", "members", "wg", "objectives", "agenda add", "agenda"):
        assert f"*{verb}" in overview
    assert overview.count("e.g. ") >= 7
    detail = shown(bot.say("help agenda"))
    assert "*agenda add <text> [#obj1 ... #obj23] [for #N]*" in detail
    assert "Example: agenda add" in detail
    unknown = bot.say("help agnda")
    assert not unknown.ok and "Did you mean agenda" in unknown.text


def test_every_command_typed_alone_answers_in_words(bot: BotHarness) -> None:
    """A verb with nothing after it (a form to open, a list, a refusal) always says something:
    a reply that is only a form shows as nothing in a piped shell or a refused modal."""
    from handlers import registry

    registry.load_all()
    for verb in sorted(registry.REGISTRY):
        for who in ("IOM", "ILO"):
            reply = bot.say(verb, as_=who)
            assert reply.text.strip(), (verb, who, reply)


def test_an_empty_command_shows_help(bot: BotHarness) -> None:
    assert bot.say("/network").title == "help"


def test_a_repeated_delivery_applies_once(bot: BotHarness) -> None:
    first = bot.say("agenda add Budget of the work plan", key="slack:trigger-1")
    again = bot.say("agenda add Budget of the work plan", key="slack:trigger-1")
    assert again.text == first.text
    assert len(_items(bot)) == 1
    with bot.session() as session:
        assert session.exec(select(func.count()).select_from(ProcessedCommand)).one() == 1


def test_replies_survive_serialisation_for_the_outbox() -> None:
    reply = Reply(
        text="Poll #3", title="Consensus poll", fields=[("Deadline", "Fri 14 Mar 2031")],
        choices=[Choice("Agree", "vote", {"poll": 3}, {"position": "agree"}, "primary")],
        form=Form("Objection", "objection",
                  [FormField("reason", "Why?", multiline=True, options=[("a", "A")])],
                  params={"poll": 3}),
        private=False,
    )
    assert Reply.from_dict(reply.to_dict()) == reply


def test_replies_stored_with_posts_by_an_older_version_still_load() -> None:
    """Replies no longer carry posts (the outbox tells the network); a processed command's
    stored reply or an outbox row written before then still reads, its empty posts ignored."""
    stored = {**Reply(text="Recorded.").to_dict(), "posts": []}
    assert Reply.from_dict(stored) == Reply(text="Recorded.")


def test_delivery_is_woken_only_after_commands_that_queued_notifications(
        bot: BotHarness) -> None:
    wakes: list[str] = []
    bot.runner.after_queueing.append(lambda: wakes.append("woken"))
    assert bot.say("whoami").ok
    assert not bot.say("meeting schedule regular 31/02/2031 10:00 \"Review\"").ok
    assert wakes == []
    assert bot.say("meeting schedule regular 14/03/2031 10:00 \"Mid-year review\"").ok
    assert wakes == ["woken"]  # its reminders and announcement are in the outbox
    assert bot.say("agenda add Return and reintegration #5").ok
    assert wakes == ["woken"]
