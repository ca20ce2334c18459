"""Minutes: markers, posting, corrections, history, the form, and refusals that change nothing."""

from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from handlers.core import UserError, Where
from handlers.people import shell_speaker
from handlers.records.minutes_markers import Entry, Marker, parse_markers
from storage.audience import NETWORK, Audience
from storage.models import ActionItem, Decision, Minutes, Outbox, OutboxStatus
from tests.conftest import BotHarness, pressed, shown
from tests.db_state import assert_refused
from tests.meeting_rows import held_meeting

BODY = """#attendees RCO IOM ILO UNICEF
#topic Labour migration assessment
#info The draft was shared with the working group in February
#agreed Endorse the terms of reference of the assessment
#action ILO circulate the final draft due 14 Mar 2031
#topic Returnee reintegration #agreed Pilot in two provinces #action unicef map services"""


def test_markers_on_lines_or_inline_become_entries_in_order() -> None:
    entries = parse_markers(BODY)
    assert [e.marker for e in entries] == [
        Marker.ATTENDEES, Marker.TOPIC, Marker.INFO, Marker.AGREED, Marker.ACTION,
        Marker.TOPIC, Marker.AGREED, Marker.ACTION]
    assert entries[4] == Entry(Marker.ACTION, "circulate the final draft", "ILO", "14 Mar 2031")
    assert entries[7] == Entry(Marker.ACTION, "map services", "UNICEF", "")
    assert parse_markers("#Agreed see poll #3 first")[0].text == "see poll #3 first"


@pytest.mark.parametrize(("body", "problem"), [
    ("We met and talked.", "The minutes have no entries"),
    ("Notes #agreed x", "'Notes' comes before the first marker"),
    ("#topic Budget\n#decision Adopt it", "'#decision' is not a marker"),
    ("#agreed   ", "#agreed has nothing after it"),
    ("#action ILO", "The action for ILO has no task"),
])
def test_bodies_that_are_not_entries_are_refused(body: str, problem: str) -> None:
    with pytest.raises(UserError) as refusal:
        parse_markers(body)
    assert problem in refusal.value.problem
    assert refusal.value.example and refusal.value.example.startswith("minutes #3 #")


def _count(bot: BotHarness, model: type) -> int:
    with bot.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _outbox(bot: BotHarness, kind: str) -> list[Outbox]:
    with bot.session() as session:
        return list(session.exec(select(Outbox).where(Outbox.kind == kind)
                                 .order_by(Outbox.due_at)).all())


def test_posting_minutes_records_decisions_and_actions_and_posts_them(bot: BotHarness) -> None:
    number = held_meeting(bot, overdue_nudge=True)
    reply = bot.say(f"minutes #{number}\n{BODY}")
    assert reply.ok, reply.text
    assert reply.text.startswith(f"Minutes of meeting #{number} posted (version 1) and sent to "
                                 "the network channels: 2 decisions (#1, #2), 2 action items "
                                 "(#1, #2).")
    with bot.session() as session:
        decisions = session.exec(select(Decision).order_by(Decision.id)).all()
        items = session.exec(select(ActionItem).order_by(ActionItem.id)).all()
    assert [d.text for d in decisions] == ["Endorse the terms of reference of the assessment",
                                          "Pilot in two provinces"]
    assert all(d.meeting_id == number and d.minutes_id == 1 for d in decisions)
    assert [(i.task, i.agency_id) for i in items] == [("circulate the final draft", 3),
                                                     ("map services", 6)]
    assert items[0].due_at == datetime(2031, 3, 14, 16, 59, tzinfo=UTC)  # 23:59 Vientiane
    assert items[1].due_at is None
    posted = _outbox(bot, "minutes.posted")
    assert len(posted) == 1 and posted[0].audience == NETWORK
    assert posted[0].meeting_id == number and posted[0].due_at == bot.clock.now
    text = shown(posted[0].payload["text"])
    assert f"*Minutes of meeting #{number}: First regular meeting of 2031*" in text
    assert "Attendees: RCO, IOM, ILO, UNICEF" in text
    assert "*Labour migration assessment*\n- The draft was shared" in text
    assert "- *Agreed* (decision #1): Endorse the terms of reference" in text
    assert ("- *Action* #1 for ILO: circulate the final draft — due 14 Mar 2031\n"
            "\n*Returnee reintegration*") in text
    assert "- *Action* #2 for UNICEF: map services" in text
    assert [row.status for row in _outbox(bot, "minutes.overdue")] == [OutboxStatus.CANCELLED]


def test_action_owners_are_reminded_the_day_before_and_on_the_day(bot: BotHarness) -> None:
    number = held_meeting(bot)
    bot.say(f"minutes #{number} #action ILO circulate the final draft due 14 Mar 2031")
    reminders = _outbox(bot, "action.reminder")
    assert [r.due_at for r in reminders] == [datetime(2031, 3, 13, 2, 0, tzinfo=UTC),
                                             datetime(2031, 3, 14, 2, 0, tzinfo=UTC)]
    assert {r.audience for r in reminders} == {Audience.of_people([3])}
    assert {r.action_item_id for r in reminders} == {1}
    assert reminders[0].payload["title"] == "Action item #1 is due tomorrow"
    assert "for ILO is due today, 14 Mar 2031: circulate the final draft" in \
        reminders[1].payload["text"]
    assert pressed(reminders[1].payload["choices"][0]) == "action done #1"


def test_a_correction_is_a_new_version_that_keeps_unchanged_records(bot: BotHarness) -> None:
    number = held_meeting(bot)
    bot.say(f"minutes #{number}\n{BODY}")
    bot.clock.advance(days=1)
    asked = bot.say(
        f"minutes #{number}\n#attendees RCO IOM ILO\n"
        "#agreed Endorse the terms of reference of the assessment\n"
        "#agreed Pilot in three provinces\n"
        "#action ILO circulate the final draft due 21 Mar 2031")
    assert not asked.ok and asked.text.startswith(
        f"This correction would remove from meeting #{number}'s record: decision #2 (Pilot in "
        "two provinces), action item #2 (UNICEF: map services). Nothing was changed.")
    assert _count(bot, Minutes) == 1
    [confirm] = asked.choices
    line = pressed(confirm)
    assert line.startswith(f"minutes #{number} --replace #attendees RCO IOM ILO #agreed")
    corrected = bot.say(line)
    assert corrected.ok, corrected.text
    assert "corrected (version 2)" in corrected.text
    assert "2 decisions (#1, #3), 1 action item (#1)" in corrected.text
    assert ("Removed from the record (superseded): decision #2 (Pilot in two provinces), "
            "action item #2 (UNICEF: map services).") in corrected.text
    with bot.session() as session:
        assert session.exec(select(Minutes.version).order_by(Minutes.version)).all() == [1, 2]
        decisions = {d.id: d.superseded for d in session.exec(select(Decision)).all()}
        items = {i.id: (i.status, i.due_at) for i in session.exec(select(ActionItem)).all()}
    assert decisions == {1: False, 2: True, 3: False}
    assert items[1] == ("open", datetime(2031, 3, 21, 16, 59, tzinfo=UTC))
    assert items[2][0] == "superseded"
    closed = bot.say("action done #2", as_="UNICEF")
    assert not closed.ok and "Action item #2 was left out of the corrected minutes of " \
        f"meeting #{number}, so it is closed." in closed.text
    pending = [r.due_at for r in _outbox(bot, "action.reminder")
               if r.status == OutboxStatus.PENDING]
    assert pending == [datetime(2031, 3, 20, 2, 0, tzinfo=UTC),
                       datetime(2031, 3, 21, 2, 0, tzinfo=UTC)]
    posted = _outbox(bot, "minutes.posted")
    assert posted[1].payload["title"] == f"Minutes of meeting #{number} (corrected)"
    assert "Corrected version 2, posted 4 Mar 2031 by IOM Focal Point." in \
        posted[1].payload["text"]


def test_minutes_can_be_read_latest_and_history(bot: BotHarness) -> None:
    number = held_meeting(bot)
    assert bot.say(f"minutes #{number}", as_="WHO").text == \
        f"Meeting #{number} has no minutes yet. The Secretariat (IOM) posts them."
    bot.say(f"minutes #{number} #agreed Adopt the work plan")
    bot.say(f"minutes #{number} --replace #agreed Adopt the 2031 work plan")
    latest = shown(bot.say(f"minutes #{number}", as_="WHO"))
    assert "- *Agreed* (decision #2): Adopt the 2031 work plan" in latest
    assert "Adopt the work plan" not in latest
    assert f"Earlier versions: minutes #{number} history" in latest
    history = bot.say(f"minutes #{number} history", as_="WHO")
    assert history.title == f"Minutes of meeting #{number}: 2 versions"
    newest, oldest = shown(history).split("----------")
    assert "(decision #2): Adopt the 2031 work plan" in newest
    assert "- *Agreed*: Adopt the work plan" in oldest and "Posted 3 Mar 2031" in oldest


def test_without_a_body_the_secretariat_gets_a_form_that_posts(bot: BotHarness) -> None:
    older = held_meeting(bot, days_ago=40, title="Ad-hoc meeting on floods", kind="adhoc")
    newer = held_meeting(bot, days_ago=2)
    held_meeting(bot, days_ago=-5, title="Future meeting")
    reply = bot.say("minutes")
    assert reply.form is not None and (reply.form.id, reply.form.params) == ("minutes", {})
    meeting, body = reply.form.fields
    assert [value for value, _ in meeting.options] == [f"#{newer}", f"#{older}"]
    assert meeting.options[1][1] == f"#{older} Ad-hoc meeting on floods — 22 Jan 2031"
    assert body.multiline
    with bot.session() as session:
        speaker = shell_speaker(session, "IOM")
    posted = bot.runner.submit(speaker, Where("shell"), reply.form.id, reply.form.params,
                               {"meeting": f"#{older}", "body": "#info Flood response\n"
                                                               "#agreed Joint appeal"})
    assert posted.ok and f"meeting #{older} posted" in posted.text
    assert not bot.say("minutes", as_="ILO").ok


def test_minutes_of_a_named_meeting_open_its_own_form(bot: BotHarness) -> None:
    """Issue 18: ``minutes #N`` opens the form for meeting #N, asking only for the body, and
    the form posts there whatever meeting is newest."""
    older = held_meeting(bot, days_ago=40, title="Ad-hoc meeting on floods", kind="adhoc")
    held_meeting(bot, days_ago=2)
    future = held_meeting(bot, days_ago=-5, title="Future meeting")
    reply = bot.say(f"minutes #{older}")
    assert reply.form is not None
    assert (reply.form.id, reply.form.params) == ("minutes-of-meeting", {"meeting": older})
    assert [f.name for f in reply.form.fields] == ["body"]
    assert reply.text.endswith(f"Or type: minutes #{older} #attendees RCO IOM ILO #topic "
                               "Labour migration assessment #agreed Endorse the terms of "
                               "reference #action ILO circulate the draft due 30 Jun 2031")
    with bot.session() as session:
        speaker = shell_speaker(session, "IOM")
    posted = bot.runner.submit(speaker, Where("shell"), reply.form.id, reply.form.params,
                               {"body": "#agreed Joint appeal"})
    assert posted.ok and f"Minutes of meeting #{older} posted" in posted.text
    early = bot.say(f"minutes #{future}")
    assert not early.ok and early.form is None
    assert "its minutes can be posted once it has been held" in early.text


@pytest.mark.parametrize(("line", "problem"), [
    ("minutes #1 #attendees RCO IOM UNFPA", "#attendees: unknown agency UNFPA. Known agencies: "
                                            "ILO, IOM, OHCHR, RCO"),
    ("minutes #1 #agreed X #action FAO write it", "#action: unknown agency FAO"),
    ("minutes #1 #action ILO write it due someday", "The due date of the action for ILO "
                                                   "('someday'): I did not understand"),
    ("minutes #1 #action ILO write it due 1 Jan 2030", "is in the past"),
    ("minutes #1 just some notes", "The minutes have no entries"),
    ("minutes #9 #agreed X", "There is no meeting #9."),
    ("minutes #2 #agreed X", "Meeting #2 was cancelled"),
    ("minutes #3 #agreed X", "its minutes can be posted once it has been held"),
    ("minutes 1 #agreed X", "'1' is not a meeting number; write it as #N."),
])
def test_refusals_explain_and_store_nothing(bot: BotHarness, line: str, problem: str) -> None:
    held_meeting(bot, overdue_nudge=True)
    held_meeting(bot, status="cancelled")
    held_meeting(bot, days_ago=-3)
    assert_refused(bot, line, problem)
    for model in (Minutes, Decision, ActionItem):
        assert _count(bot, model) == 0
    assert [r.status for r in _outbox(bot, "minutes.overdue")] == [OutboxStatus.PENDING]
    assert _count(bot, Outbox) == 1


def test_only_the_secretariat_posts_minutes(bot: BotHarness) -> None:
    number = held_meeting(bot)
    reply = bot.say(f"minutes #{number} #agreed Adopt the plan", as_="RCO")
    assert not reply.ok and "Only the Secretariat (IOM) posts minutes" in reply.text
    assert _count(bot, Minutes) == 0


def test_long_multi_line_minutes_are_accepted(bot: BotHarness) -> None:
    number = held_meeting(bot)
    body = "\n".join(f"#info Point {n} of the discussion on labour migration" for n in range(300))
    assert len(body) > 10000
    reply = bot.say(f"minutes #{number}\n{body}\n#agreed Adopt the plan")
    assert reply.ok, reply.text
    assert _count(bot, Decision) == 1


def test_an_entry_repeated_word_for_word_is_recorded_once(bot: BotHarness) -> None:
    number = held_meeting(bot)
    reply = bot.say(f"minutes #{number} #agreed Adopt the plan #agreed Adopt the plan "
                    "#action ILO share data #action ILO share data due 20 Mar 2031")
    assert "1 decision (#1), 1 action item (#1)." in reply.text
    assert (_count(bot, Decision), _count(bot, ActionItem)) == (1, 1)


RECORD = ("#agreed Endorse the terms of reference #agreed Pilot in two provinces "
          "#action ILO circulate the draft #action UNICEF map services")


def _record(bot: BotHarness) -> tuple[dict[int, bool], dict[int, str]]:
    with bot.session() as session:
        return ({d.id or 0: d.superseded for d in session.exec(select(Decision)).all()},
                {i.id or 0: i.status for i in session.exec(select(ActionItem)).all()})


def test_a_one_line_repost_that_would_remove_records_asks_first(bot: BotHarness) -> None:
    """Issue 18's case: four records, one action done; the one-line repost names each record
    it would remove (the done one as done) and changes nothing until confirmed."""
    number = held_meeting(bot)
    bot.say(f"minutes #{number} {RECORD}")
    assert bot.say("action done #2", as_="UNICEF").ok
    before = _record(bot)
    asked = bot.say(f"minutes #{number} #agreed Adopt the work plan")
    assert not asked.ok
    assert asked.text == (
        f"This correction would remove from meeting #{number}'s record: decision #1 (Endorse "
        "the terms of reference), decision #2 (Pilot in two provinces), action item #1 (ILO: "
        "circulate the draft), action item #2 (UNICEF: map services, done). Nothing was "
        "changed.\nTo post it and remove them, confirm with the button or start the minutes "
        f"with --replace. To keep them and add entries instead: minutes #{number} add "
        f"<entries>.\nExample: minutes #{number} --replace #agreed Adopt the work plan")
    assert [(c.label, pressed(c)) for c in asked.choices] == [
        ("Replace, removing 4", f"minutes #{number} --replace #agreed Adopt the work plan")]
    assert _record(bot) == before and _count(bot, Minutes) == 1
    assert "*#2* UNICEF — map services — done 3 Mar 2031" in shown(bot.say("actions all"))


def test_add_appends_entries_and_keeps_the_record(bot: BotHarness) -> None:
    number = held_meeting(bot)
    bot.say(f"minutes #{number} {RECORD}")
    added = bot.say(f"minutes #{number} add #agreed Adopt the work plan")
    assert added.ok, added.text
    assert (f"Minutes of meeting #{number} corrected (version 2) and sent to the network "
            "channels: 3 decisions (#1, #2, #3), 2 action items (#1, #2).") in added.text
    assert _record(bot) == ({1: False, 2: False, 3: False}, {1: "open", 2: "open"})
    with bot.session() as session:
        latest = session.exec(select(Minutes.body).where(Minutes.version == 2)).one()
    assert latest == f"{RECORD}\n#agreed Adopt the work plan"


def test_add_keeps_the_due_dates_of_the_action_items_already_recorded(bot: BotHarness) -> None:
    """Issue 18's transcripts: an added entry left the earlier action items without a due date."""
    number = held_meeting(bot)
    bot.say(f"minutes #{number} #action ILO circulate the draft due 30 Jun 2031")
    assert bot.say(f"minutes #{number} add #action WHO share the data due 15 Jul 2031").ok
    listed = shown(bot.say("actions all"))
    assert "ILO — circulate the draft — due 30 Jun 2031" in listed
    assert "WHO — share the data — due 15 Jul 2031" in listed


@pytest.mark.parametrize("line", ["minutes #{n} --replace #agreed Adopt the work plan",
                                  "minutes #{n}\n--replace\n#agreed Adopt the work plan",
                                  "minutes #{n} #agreed Adopt the work plan\n--replace"])
def test_replace_removes_and_names_a_done_action_item(bot: BotHarness, line: str) -> None:
    number = held_meeting(bot)
    bot.say(f"minutes #{number} {RECORD}")
    bot.say("action done #2", as_="UNICEF")
    replaced = bot.say(line.format(n=number))
    assert replaced.ok, replaced.text
    assert ("Removed from the record (superseded): decision #1 (Endorse the terms of "
            "reference), decision #2 (Pilot in two provinces), action item #1 (ILO: circulate "
            "the draft), action item #2 (UNICEF: map services, done).") in replaced.text
    assert _record(bot) == ({1: True, 2: True, 3: False}, {1: "superseded", 2: "superseded"})


def test_a_correction_that_removes_nothing_needs_no_confirmation(bot: BotHarness) -> None:
    number = held_meeting(bot)
    bot.say(f"minutes #{number} {RECORD}")
    corrected = bot.say(f"minutes #{number} #topic Budget {RECORD}")
    assert corrected.ok and "corrected (version 2)" in corrected.text
    assert "Removed" not in corrected.text


def test_add_refuses_minutes_grown_past_their_limit(bot: BotHarness) -> None:
    number = held_meeting(bot)
    bot.say(f"minutes #{number} #info {'x' * 15000}")
    assert_refused(bot, f"minutes #{number} add #info {'y' * 6000}",
                   "The text of the minutes with the entries added is 21,013 characters long; the "
                   "limit is 20,000.")
