"""Date polls (issue 20): ``meeting propose``, ``meeting available``, ``meeting
availability``, ``meeting pick``, the deadline's reminder and nudge, the buttons and the form.

The expected tallies are counted from each test's own answers; times are at the fixed START
(Mon 3 Mar 2031, 09:00 in Vientiane, UTC+7)."""

import io
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.app import App
from bot.render_slack import FormOrigin, modal_view, render_message
from bot.render_teams import render_cards
from bot.shell import Shell
from handlers.core import Reply, Scope, Speaker, Where
from handlers.outbox_kinds import KINDS
from handlers.people import shell_speaker
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.audience import NETWORK, Audience
from storage.models import (
    DateAnswer,
    DatePoll,
    Meeting,
    Outbox,
    OutboxStatus,
    Person,
)
from tests.conftest import START, BotHarness, Clock, pressed, shown, typed
from tests.db_state import assert_refused
from tests.due_jobs import run_jobs
from tests.slack_reference import message_problems, view_problems
from tests.teams_reference import card_problems
from tests.world_rows import outbox_rows, person_ids, piped_shell, second_focal_point

SLOTS = "14 Mar 2031 10:00 | 17 Mar 2031 14:00-16:00 | 18 Mar 2031 9:00"
PROPOSE = f'meeting propose regular "Mid-year review" {SLOTS} until 10 Mar 2031'
VIENTIANE = timedelta(hours=7)
SLOT_STARTS = [datetime(2031, 3, 14, 10, tzinfo=UTC) - VIENTIANE,
               datetime(2031, 3, 17, 14, tzinfo=UTC) - VIENTIANE,
               datetime(2031, 3, 18, 9, tzinfo=UTC) - VIENTIANE]
UNTIL = datetime(2031, 3, 10, 23, 59, tzinfo=UTC) - VIENTIANE  # a date alone: its end
AGENCIES = ["RCO", "IOM", "ILO", "OHCHR", "UNHCR", "UNICEF", "UNDP", "UN-HABITAT", "WORLD-BANK",
            "WHO"]


def _stored(bot: BotHarness) -> list[tuple[int, str]]:
    with bot.session() as session:
        return [(a.slot, a.answer) for a in session.exec(
            select(DateAnswer).order_by(DateAnswer.id)).all()]  # type: ignore[arg-type]


def _poll(bot: BotHarness, number: int = 1) -> DatePoll:
    with bot.session() as session:
        poll = session.get(DatePoll, number)
        assert poll is not None
        return poll


def _fields(reply: Reply) -> dict[str, str]:
    return dict(reply.fields)


def _speaker(bot: BotHarness, name: str) -> Speaker:
    with bot.session() as session:
        return shell_speaker(session, name)


def test_a_proposal_asks_the_network_with_a_row_of_buttons_a_slot(bot: BotHarness) -> None:
    reply = bot.say(PROPOSE)
    assert reply.ok and not reply.private, reply.text
    assert reply.text.startswith('Date poll #1 proposes 3 times for the regular meeting '
                                 '"Mid-year review"; the network is being asked. Answers close '
                                 "Mon 10 Mar 2031, 23:59 (Asia/Vientiane).")
    assert reply.fields == [
        ("Slot 1", "Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)"),
        ("Slot 2", "Mon 17 Mar 2031, 14:00–16:00 (Asia/Vientiane)"),
        ("Slot 3", "Tue 18 Mar 2031, 09:00–11:00 (Asia/Vientiane)")]
    poll = _poll(bot)
    assert (poll.kind, poll.title, poll.answers_until, poll.status) == (
        "regular", "Mid-year review", UNTIL, "open")
    [asked] = outbox_rows(bot, "meeting.date_poll")
    assert asked.audience == NETWORK and asked.date_poll_id == 1
    choices: Any = asked.payload["choices"]
    assert [pressed(c) for c in choices] == [
        f"meeting available #1 {slot} {answer}"
        for slot in (1, 2, 3) for answer in ("yes", "maybe", "no")] + [
        "meeting availability #1"]
    assert [(c["label"], c["row"]) for c in choices[:3]] == [
        ("1: Yes", 1), ("1: If need be", 1), ("1: No", 1)]
    assert "meeting available #1 1 yes 2 maybe 3 no" in asked.payload["text"]  # type: ignore[operator]


def test_answers_are_per_agency_and_the_latest_counts(bot: BotHarness) -> None:
    assert bot.say(PROPOSE).ok
    second_focal_point(bot)
    first = bot.say("meeting available #1 1 yes 2 if need be 3 no", as_="ILO")
    assert first.text.startswith("Recorded for ILO on date poll #1: slot 1 yes, slot 2 if need "
                                 "be, slot 3 no."), first.text
    changed = bot.say("meeting available #1 1 no, 2 maybe", as_="Second ILO Focal Point")
    assert changed.text.startswith("Recorded for ILO on date poll #1: slot 1 no (was: yes).\n"
                                   "Already recorded: slot 2 if need be."), changed.text
    again = bot.say("meeting available #1 3 NO", as_="ILO")
    assert again.text.startswith("Already recorded for ILO on date poll #1: slot 3 no. Nothing "
                                 "changed.")
    assert bot.say("meeting available #1 all yes", as_="WHO").ok
    assert bot.say("meeting available #1 2 no", as_="UNDP").text.endswith(
        "Not answered yet: slots 1, 3.\nYou can change your answers until answers close Mon "
        "10 Mar 2031, 23:59 (Asia/Vientiane). See them all with: meeting availability #1")
    assert _stored(bot) == [(1, "yes"), (2, "maybe"), (3, "no"), (1, "no"),
                            (1, "yes"), (2, "yes"), (3, "yes"), (2, "no")]
    view = bot.say("meeting availability #1", as_="UNICEF")
    others = [c for c in AGENCIES if c not in ("ILO", "WHO", "UNDP")]
    fields = _fields(view)
    assert fields["Slot 1: Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)"] == (
        f"Yes (1): WHO; If need be (0): none; No (1): ILO; Not answered (8): "
        f"{', '.join(c for c in AGENCIES if c not in ('ILO', 'WHO'))}")
    assert fields["Slot 2: Mon 17 Mar 2031, 14:00–16:00 (Asia/Vientiane)"] == (
        f"Yes (1): WHO; If need be (1): ILO; No (1): UNDP; Not answered (7): {', '.join(others)}")
    # Each slot has 1 yes and 1 no (slot 1: WHO, ILO; 2: WHO, UNDP; 3: WHO, ILO): the earliest.
    assert "Best so far: slot 1 (1 yes, 0 if need be, 1 no)." in view.text
    assert [pressed(c) for c in view.choices][:3] == [
        "meeting available #1 1 yes", "meeting available #1 1 maybe", "meeting available #1 1 no"]
    assert not any("pick" in pressed(c) for c in view.choices)  # UNICEF does not organise
    organiser = bot.say("meeting availability #1", as_="IOM")
    assert pressed(organiser.choices[-1]) == "meeting pick #1 1"


def test_the_best_slot_has_most_yes_then_fewest_no(bot: BotHarness) -> None:
    assert bot.say(PROPOSE).ok
    answers = {"RCO": "1 no 2 yes 3 yes", "IOM": "1 yes 2 yes 3 yes", "ILO": "1 yes 2 no 3 yes",
               "WHO": "1 yes 2 maybe 3 maybe"}
    for code, line in answers.items():
        assert bot.say(f"meeting available #1 {line}", as_=code).ok
    # yes: slot 1 3, slot 2 2, slot 3 3; no: slot 1 1, slot 3 0 -> slot 3.
    assert "Best so far: slot 3 (3 yes, 1 if need be, 0 no)." in \
        bot.say("meeting availability #1").text


def test_bad_proposals_are_refused_and_store_nothing(bot: BotHarness) -> None:
    base = 'meeting propose regular "Mid-year review" '
    nine = " | ".join(f"{day} Mar 2031 10:00" for day in range(10, 19))
    cases = [
        (base + "14 Mar 2031 10:00", "A date poll needs 2 to 8 times"),
        (base + nine, "A date poll takes at most 8 times; 9 were given."),
        (base + "1 Mar 2031 10:00 | 14 Mar 2031 10:00", "Slot 1: Sat 1 Mar 2031, 10:00 "
         "(Asia/Vientiane) is in the past"),
        (base + "14 Mar 2031 10:00 | 15 Mar 2031", "Slot 2: '15 Mar 2031' has no time of day"),
        (base + "14 Mar 2031 10:00 | | 15 Mar 2031 10:00", "Slot 2: It is empty"),
        (base + "14 Mar 2031 10:00 | 14 Mar 2031 10:00", "Slots 1 and 2 are the same time"),
        (base + "14 Mar 2031 10:00 | 15 Mar 2031 10:00 until 14 Mar 2031",
         "not before the first time proposed"),
        (base + "14 Mar 2031 10:00 | 15 Mar 2031 10:00 until", "Say when answers close"),
        ("meeting propose regular Mid-year 14 Mar 2031 10:00 | 15 Mar 2031 10:00",
         "Put the meeting's title in quotes"),
        ('meeting propose weekly "X" 14 Mar 2031 10:00 | 15 Mar 2031 10:00',
         "Say which kind of meeting"),
        ('meeting propose wg:nope "X" 14 Mar 2031 10:00 | 15 Mar 2031 10:00',
         "There is no working group 'nope'"),
    ]
    for line, problem in cases:
        assert_refused(bot, line, problem)
    assert_refused(bot, base + SLOTS, "Only the Chair or the Secretariat may propose a "
                   "regular meeting.", as_="UNICEF")


def test_bad_answers_are_refused_and_store_nothing(bot: BotHarness) -> None:
    assert bot.say(PROPOSE).ok
    assert bot.say("meeting available #1 1 yes", as_="ILO").ok
    cases = [
        ("meeting available #9 1 yes", "There is no date poll #9."),
        ("meeting available", "Say which date poll"),
        ("meeting available 1 1 yes", "'1' is not a date poll number"),
        ("meeting available #1", "Say each time's number and your answer"),
        ("meeting available #1 4 yes", "'4' is not one of date poll #1's slots, 1 to 3."),
        ("meeting available #1 1 perhaps", "'perhaps' is not an answer"),
        ("meeting available #1 1 yes 2", "'2' has no pair"),
        ("meeting available #1 1 yes 1 no", "Slot 1 is answered twice"),
    ]
    for line, problem in cases:
        assert_refused(bot, line, problem, as_="ILO")
    visitor = bot.say("meeting available #1 1 yes", as_="Visitor")
    assert not visitor.ok
    assert _stored(bot) == [(1, "yes")]


def test_answers_close_at_the_deadline_and_for_a_slot_that_has_passed(bot: BotHarness) -> None:
    assert bot.say('meeting propose adhoc "Floods" tomorrow 08:00 | 20 Mar 2031 10:00').ok
    bot.clock.now = START + timedelta(days=1, hours=1)  # slot 1 (4 Mar 08:00) has passed
    assert_refused(bot, "meeting available #1 1 yes", "Slot 1 (Tue 4 Mar 2031, 08:00–10:00 "
                   "(Asia/Vientiane)) has passed", as_="ILO")
    assert bot.say("meeting available #1 all no", as_="ILO").text.startswith(
        "Recorded for ILO on date poll #1: slot 2 no.")
    assert_refused(bot, "meeting pick #1 1", "Slot 1 (Tue 4 Mar 2031, 08:00–10:00 "
                   "(Asia/Vientiane)) has passed, so it can no longer be picked.")
    assert bot.say(PROPOSE).ok
    bot.clock.now = UNTIL
    assert_refused(bot, "meeting available #2 1 yes", "Answers to date poll #2 closed Mon 10 "
                   "Mar 2031, 23:59 (Asia/Vientiane)", as_="ILO")
    assert not bot.say("meeting availability #2").choices[:-1]  # no answers, a pick button


def test_a_pick_schedules_the_meeting_as_meeting_schedule_does(bot: BotHarness) -> None:
    assert bot.say(PROPOSE).ok
    assert bot.say("meeting available #1 2 yes", as_="ILO").ok
    assert_refused(bot, "meeting pick #1 2", "Only the Chair or the Secretariat may pick the "
                   "time of a regular meeting.", as_="UNICEF")
    assert_refused(bot, "meeting pick #1 4", "'4' is not one of date poll #1's slots, 1 to 3.")
    assert_refused(bot, "meeting pick #1", "Say which time: one of date poll #1's slots")
    assert_refused(bot, "meeting pick #1 2 at IOM", "write the place after 'where'")
    picked = bot.say("meeting pick #1 2 where IOM office")
    assert picked.ok and not picked.private, picked.text
    assert picked.text.startswith(
        "Picked slot 2 of date poll #1, which is closed; the agencies are being told.\n"
        'Scheduled meeting #1 "Mid-year review" (Mon 17 Mar 2031, 14:00–16:00 '
        "(Asia/Vientiane)).")
    with bot.session() as session:
        meeting = session.get(Meeting, 1)
        assert meeting is not None
        assert (meeting.title, meeting.kind, meeting.starts_at, meeting.location) == (
            "Mid-year review", "regular", SLOT_STARTS[1], "IOM office")
        assert meeting.ends_at - meeting.starts_at == timedelta(hours=2)
    poll = _poll(bot)
    assert (poll.status, poll.picked_slot, poll.meeting_id, poll.closed_at) == (
        "picked", 2, 1, START)
    # The path of meeting schedule: the announcement with its calendar file, the reminders,
    # the agenda deadline and the attendance reminder.
    [announced] = outbox_rows(bot, "meeting.scheduled")
    assert announced.payload["files"] and announced.meeting_id == 1
    assert len(outbox_rows(bot, "meeting.reminder")) == len(bot.config.meetings.reminders)
    assert outbox_rows(bot, "agenda.deadline") and outbox_rows(bot, "meeting.attendance_remind")
    [told] = outbox_rows(bot, "meeting.date_picked")
    assert shown(Reply.from_dict(told.payload)) == (
        "Date poll #1 is closed: slot 2 (Mon 17 Mar 2031, 14:00–16:00 (Asia/Vientiane)) was "
        "picked for meeting #1 (1 yes, 0 if need be, 0 no).")
    # The deadline's rows are cancelled; the poll takes no more answers or picks.
    assert {r.status for r in outbox_rows(bot, "meeting.date_poll_remind")
            + outbox_rows(bot, "meeting.date_poll_deadline")} == {OutboxStatus.CANCELLED}
    assert_refused(bot, "meeting available #1 1 yes", "Date poll #1 is closed: slot 2 was "
                   "picked (meeting #1).", as_="ILO")
    assert_refused(bot, "meeting pick #1 3", "slot 2 was picked (meeting #1). Move the meeting "
                   "instead.")
    closed = bot.say("meeting availability #1")
    assert closed.text == ("Date poll #1 is closed: slot 2 was picked (meeting #1). See the "
                           "meeting with: meeting show #1")
    assert closed.choices == []


def test_the_deadline_reminds_who_has_not_answered_then_tells_the_organisers(
        bot: BotHarness) -> None:
    assert bot.say(PROPOSE).ok
    [remind] = outbox_rows(bot, "meeting.date_poll_remind")
    [deadline] = outbox_rows(bot, "meeting.date_poll_deadline")
    assert (remind.due_at, deadline.due_at) == (UNTIL - timedelta(days=1), UNTIL)
    answered = {"RCO": "1 yes 2 no 3 yes", "ILO": "1 no 2 yes 3 yes", "WHO": "1 yes 2 no 3 no"}
    for code, line in answered.items():
        assert bot.say(f"meeting available #1 {line}", as_=code).ok
    run_jobs(bot, "meeting.date_poll_remind")
    [reminder] = outbox_rows(bot, "meeting.date_poll_reminder")
    missing = [c for c in AGENCIES if c not in answered]
    assert reminder.audience == Audience.of_people(person_ids(bot, *missing))
    text = shown(Reply.from_dict(reminder.payload))
    assert ("These have not said which times suit them: IOM, OHCHR, UNHCR, UNICEF, UNDP, "
            "UN-HABITAT and WORLD-BANK.") in text
    choices: Any = reminder.payload["choices"]
    assert len(choices) == 3 * 3 + 1  # and "Who said what"
    run_jobs(bot, "meeting.date_poll_remind")  # once: the job ran, nothing is pending
    assert len(outbox_rows(bot, "meeting.date_poll_reminder")) == 1
    run_jobs(bot, "meeting.date_poll_deadline")
    [best] = outbox_rows(bot, "meeting.date_poll_best")
    organisers = sorted({*person_ids(bot, "RCO", "IOM")})
    assert best.audience == Audience.of_people(organisers)
    # yes: slot 1 2, slot 2 1, slot 3 2; no: slot 1 1, slot 3 1 -> the earlier, slot 1.
    assert ("The best time is slot 1, Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane): 2 yes, 0 "
            "if need be, 1 no.") in shown(Reply.from_dict(best.payload))
    picks: Any = best.payload["choices"]
    [pick] = picks
    assert pressed(pick) == "meeting pick #1 1"
    clicked = bot.runner.submit(_speaker(bot, "IOM"), Where("shell", "t"), pick["form"],
                                pick["params"], pick["values"])
    assert clicked.ok, clicked.text
    assert _poll(bot).picked_slot == 1


def test_a_reminder_queued_before_the_pick_is_dropped_after_it(bot: BotHarness) -> None:
    assert bot.say(PROPOSE).ok
    run_jobs(bot, "meeting.date_poll_remind")
    [reminder] = outbox_rows(bot, "meeting.date_poll_reminder")
    assert bot.say("meeting pick #1 3").ok
    with bot.session() as session:
        row = session.get(Outbox, reminder.id)
        assert row is not None
        assert KINDS[row.kind].stale(Scope(session, bot.config, bot.clock.now), row) == \
            "date poll #1 was closed"


def test_no_deadline_rows_without_until_and_no_reminder_a_day_or_less_ahead(
        bot: BotHarness) -> None:
    assert bot.say(f'meeting propose regular "Mid-year review" {SLOTS}').ok
    assert outbox_rows(bot, "meeting.date_poll_remind") == []
    assert outbox_rows(bot, "meeting.date_poll_deadline") == []
    assert bot.say(f'meeting propose regular "Soon" {SLOTS} until tomorrow 08:00').ok
    assert outbox_rows(bot, "meeting.date_poll_remind") == []
    assert len(outbox_rows(bot, "meeting.date_poll_deadline")) == 1


def test_a_working_groups_poll_partners_answer_apart(bot: BotHarness) -> None:
    assert bot.say('partners add "Lao Women\'s Union" to wg:protection').ok
    assert bot.say('people add @"Khampheng" partner:"Lao Women\'s Union"').ok
    # UNICEF chairs the working group, so it may propose its meeting.
    assert bot.say(f'meeting propose wg:protection "Protection WG" {SLOTS}', as_="UNICEF").ok
    assert bot.say(f'meeting propose regular "Mid-year review" {SLOTS}').ok
    [_, partners] = outbox_rows(bot, "meeting.date_poll")[:2]
    assert partners.audience == Audience.of_people(_khampheng(bot))
    said = bot.say("meeting available #1 1 yes 2 no", as_="Khampheng")
    assert said.text.startswith("Recorded for Lao Women's Union on date poll #1: slot 1 yes, "
                                "slot 2 no."), said.text
    assert_refused(bot, "meeting available #2 1 yes", "Lao Women's Union answers for the "
                   "meetings of its working groups (protection); date poll #2 is not one of "
                   "them.", as_="Khampheng")
    assert bot.say("meeting available #1 1 no", as_="UNHCR").ok
    view = bot.say("meeting availability #1")
    slot_1 = _fields(view)["Slot 1: Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)"]
    assert slot_1 == ("Yes (0): none; If need be (0): none; No (1): UNHCR; Not answered (4): "
                      "IOM, OHCHR, UNICEF, WHO; Partners (not counted as agencies): Lao Women's "
                      "Union yes")
    assert "Best so far: slot 2 (0 yes, 0 if need be, 0 no)." in view.text
    assert_refused(bot, f'meeting propose wg:protection "X" {SLOTS}', "Only the Chair, the "
                   "Secretariat or the chairs of protection may propose", as_="WHO")


def _khampheng(bot: BotHarness) -> list[int]:
    with bot.session() as session:
        return [p.id or 0 for p in session.exec(
            select(Person).where(Person.name == "Khampheng")).all()]


def test_the_slack_message_modal_and_teams_card_are_valid(bot: BotHarness) -> None:
    """slack_sdk's Block Kit and View models; the Adaptive Cards 1.5 schema."""
    eight = " | ".join(f"{day} Mar 2031 10:00" for day in range(10, 18))
    assert bot.say(f'meeting propose regular "Mid-year review" {eight} until 8 Mar 2031').ok
    replies = [Reply.from_dict(r.payload) for r in outbox_rows(bot, "meeting.date_poll")]
    replies.append(bot.say("meeting availability #1"))
    run_jobs(bot, "meeting.date_poll_remind")
    run_jobs(bot, "meeting.date_poll_deadline")
    replies += [Reply.from_dict(r.payload) for r in outbox_rows(bot, "meeting.date_poll_reminder")
                + outbox_rows(bot, "meeting.date_poll_best")]
    for reply in replies:
        message = render_message(reply)
        assert message_problems({"text": message.text, "blocks": message.blocks}) == []
        cards = render_cards(reply)
        assert [card_problems(card) for card in cards] == [[]] * len(cards)
    message = render_message(replies[0])
    rows = [[e["text"]["text"] for e in b["elements"]] for b in message.blocks
            if b["type"] == "actions"]
    slot_rows = [[f"{n}: Yes", f"{n}: If need be", f"{n}: No"] for n in range(1, 9)]
    assert rows == [*slot_rows, ["Who said what"]]
    [card] = render_cards(replies[0])
    sets = [[a["title"] for a in e["actions"]] for e in card["body"] if e["type"] == "ActionSet"]
    assert sets == slot_rows and [a["title"] for a in card["actions"]] == ["Who said what"]
    form = bot.say("meeting propose").form
    assert form is not None
    view = modal_view(form, "", FormOrigin(form.id, form.params, "C1"))
    assert view_problems(view) == []
    [form_card] = render_cards(bot.say("meeting propose"))
    assert card_problems(form_card) == []


def test_the_form_proposes_like_the_command(bot: BotHarness) -> None:
    form = bot.say("meeting propose").form
    assert form is not None and [f.name for f in form.fields] == ["kind", "title", "slots",
                                                                  "until"]
    kinds = form.fields[0].options
    assert kinds[:2] == [("regular", "Regular meeting"), ("adhoc", "Ad-hoc meeting")]
    assert ("wg:protection", "Protection, Trafficking and Vulnerable Migrants working group "
            "meeting") in kinds
    values = {"kind": "adhoc", "title": 'The "floods" response',
              "slots": "14 Mar 2031 10:00\n\n17 Mar 2031 14:00-16:00\n", "until": "10 Mar 2031"}
    reply = bot.runner.submit(_speaker(bot, "IOM"), Where("shell", "t"), form.id,
                              form.params, values)
    assert reply.ok, reply.text
    poll = _poll(bot)
    assert (poll.kind, poll.title, poll.answers_until) == ("adhoc", 'The "floods" response',
                                                           UNTIL)
    refused = bot.runner.submit(_speaker(bot, "IOM"), Where("shell", "t"), form.id,
                                form.params, {**values, "slots": "14 Mar 2031 10:00"})
    assert not refused.ok and "A date poll needs 2 to 8 times" in refused.text


def test_the_shell_numbers_the_slots_buttons(engine: Engine, config: AppConfig) -> None:
    out = piped_shell(engine, config, [PROPOSE, ":as ILO", "meeting availability #1", "5"])
    assert "  [1] 1: Yes\n  [2] 1: If need be\n  [3] 1: No\n  [4] 2: Yes\n" in out
    assert "> 5\n(meeting available #1 2 maybe)\nRecorded for ILO on date poll #1: slot 2 if " \
        "need be." in out


def _race(bot: BotHarness, lines: list[tuple[str, str]]) -> list[Reply]:
    speakers = [_speaker(bot, who) for who, _ in lines]
    barrier = threading.Barrier(len(lines))
    replies: dict[int, Reply] = {}

    def run(index: int, speaker: Speaker, line: str) -> None:
        barrier.wait()
        replies[index] = bot.runner.run(speaker, Where("shell", "t"), line)

    threads = [threading.Thread(target=run, args=(i, speaker, line))
               for i, (speaker, (_, line)) in enumerate(zip(speakers, lines, strict=True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [replies[i] for i in range(len(lines))]


def test_two_focal_points_of_one_agency_answering_at_once(bot: BotHarness) -> None:
    """Both answers are kept and the one stored last counts (the poll's row is held while an
    answer is written, on PostgreSQL; SQLite writes one unit of work at a time)."""
    assert bot.say(PROPOSE).ok
    second_focal_point(bot)
    for round_ in range(3):
        answers = ("yes", "no") if round_ % 2 else ("no", "yes")
        replies = _race(bot, [("ILO", f"meeting available #1 1 {answers[0]}"),
                              ("Second ILO Focal Point", f"meeting available #1 1 "
                               f"{answers[1]}")])
        assert all(r.ok for r in replies), [r.text for r in replies]
        stored = _stored(bot)
        counted = bot.say("meeting availability #1").fields[0][1]
        last = stored[-1][1]
        assert counted.startswith("Yes (1): ILO" if last == "yes" else
                                  "Yes (0): none; If need be (0): none; No (1): ILO")


def test_a_pick_racing_an_answer_never_leaves_an_answer_on_a_closed_poll(
        bot: BotHarness) -> None:
    for round_ in range(4):
        assert bot.say(f'meeting propose regular "Race {round_}" {SLOTS}').ok
        number = round_ + 1
        answer, pick = _race(bot, [("ILO", f"meeting available #{number} 1 yes"),
                                   ("IOM", f"meeting pick #{number} 1")])
        assert pick.ok, pick.text
        with bot.session() as session:
            rows = session.exec(select(DateAnswer).where(DateAnswer.poll_id == number)).all()
        if answer.ok:
            assert len(rows) == 1
            assert "(1 yes, 0 if need be, 0 no)" in shown(Reply.from_dict(
                outbox_rows(bot, "meeting.date_picked")[-1].payload))
        else:
            assert "is closed: slot 1 was picked" in answer.text and rows == []


def test_the_shell_asks_the_proposal_form_field_by_field(
        engine: Engine, config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    typed(monkeypatch, ["meeting propose", "2", "Floods response", "14 Mar 2031 10:00",
                        "17 Mar 2031 14:00-16:00", "END", ""])
    out = io.StringIO()
    app = App(config=config, engine=engine, runner=Runner(engine, config, Clock()))
    Shell(app, io.StringIO(), out, interactive=True).run()
    assert 'Date poll #1 proposes 2 times for the ad-hoc meeting "Floods response"' in \
        out.getvalue(), out.getvalue()


def test_a_dropped_poll_takes_no_answers_and_its_reminders_are_cancelled(
        bot: BotHarness) -> None:
    assert bot.say(PROPOSE).ok
    assert bot.say("meeting available #1 1 yes", as_="ILO").ok
    assert_refused(bot, "meeting drop #1", "Only the Chair or the Secretariat may drop the date "
                   "poll of a regular meeting.", as_="WHO")
    assert_refused(bot, "meeting drop #2", "There is no date poll #2.")
    dropped = bot.say("meeting drop #1 The Chair's mission was moved", as_="RCO")
    assert dropped.text == "Dropped date poll #1; the agencies are being told.", dropped.text
    poll = _poll(bot)
    assert (poll.status, poll.drop_reason, poll.closed_at) == (
        "dropped", "The Chair's mission was moved", START)
    [told] = outbox_rows(bot, "meeting.date_dropped")
    assert shown(Reply.from_dict(told.payload)) == (
        "Date poll #1 was dropped: The Chair's mission was moved. No meeting was scheduled "
        "from it.")
    assert {r.status for r in outbox_rows(bot, "meeting.date_poll_remind")
            + outbox_rows(bot, "meeting.date_poll_deadline")} == {OutboxStatus.CANCELLED}
    assert_refused(bot, "meeting available #1 2 yes", "Date poll #1 was dropped", as_="ILO")
    assert_refused(bot, "meeting pick #1 1", "Propose new times instead.")
    assert_refused(bot, "meeting drop #1", "Date poll #1 was dropped")
    view = bot.say("meeting availability #1")
    assert view.text == "Date poll #1 was dropped: The Chair's mission was moved."
    assert view.fields[0][1].startswith("Yes (1): ILO") and view.choices == []
    assert "No date poll is open." in bot.say("meeting availability").text
