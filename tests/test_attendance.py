"""Attendance (issue 20): ``meeting attend``, its buttons, ``meeting show``, the reminder to
those who have not answered, the minutes' #attendees and the annual report's attendance."""

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from bot.render_slack import render_message
from bot.render_teams import render_cards
from handlers.core import Reply, Scope, Speaker, Where
from handlers.jobs import JOBS
from handlers.people import shell_speaker
from settings.schema import AppConfig
from storage.attendance import latest_answers
from storage.audience import Audience
from storage.db import transaction
from storage.models import Attendance, Outbox, OutboxStatus
from tests.conftest import START, BotHarness, pressed, shown
from tests.db_state import assert_refused
from tests.due_jobs import run_jobs
from tests.meeting_rows import held_meeting
from tests.slack_reference import message_problems
from tests.teams_reference import card_problems
from tests.world_rows import outbox_rows, person_ids, piped_shell, second_focal_point

SCHEDULE = 'meeting schedule regular 14 Mar 2031 10:00 "Mid-year review"'
WG_SCHEDULE = 'meeting schedule wg:protection 20 Mar 2031 09:30 "Protection WG"'
OTHERS = ["RCO", "OHCHR", "UNHCR", "UNICEF", "UNDP", "UN-HABITAT", "WORLD-BANK", "WHO"]


def _answers(bot: BotHarness, meeting_id: int = 1) -> dict[str, tuple[str, str | None]]:
    with bot.session() as session:
        return {a.who: (a.answer, a.names) for a in latest_answers(session, meeting_id)}


def _stored(bot: BotHarness) -> list[tuple[str, str | None]]:
    with bot.session() as session:
        return [(a.answer, a.names) for a in session.exec(
            select(Attendance).order_by(Attendance.id)).all()]  # type: ignore[arg-type]


def _field(reply: Reply, start: str) -> tuple[str, str]:
    [found] = [(name, value) for name, value in reply.fields if name.startswith(start)]
    return found


def test_an_answer_is_read_back_and_the_latest_of_the_agency_counts(bot: BotHarness) -> None:
    assert bot.say(SCHEDULE).ok
    second_focal_point(bot)
    first = bot.say("meeting attend #1 yes Somchai, Jane", as_="ILO")
    assert first.ok and first.private
    assert first.text.startswith("Recorded: ILO attends meeting #1 (Somchai, Jane).")
    changed = bot.say("meeting attend #1 maybe", as_="Second ILO Focal Point")
    assert changed.text.startswith("Recorded: ILO may attend meeting #1 (was: yes).")
    assert "Say who comes with, e.g.: meeting attend #1 maybe Somchai, Jane" in changed.text
    again = bot.say("meeting attend #1 maybe", as_="ILO")
    assert again.text == "Already recorded: ILO may attend meeting #1. Nothing changed."
    assert bot.say("meeting attend #1 NO", as_="WHO").text.startswith(
        "Recorded: WHO does not attend meeting #1.")
    assert bot.say("meeting attend #1 yes  Khamla   Vongsa ", as_="IOM").ok
    assert _stored(bot) == [("yes", "Somchai, Jane"), ("maybe", None), ("no", None),
                            ("yes", "Khamla Vongsa")]
    assert _answers(bot) == {"ILO": ("maybe", None), "IOM": ("yes", "Khamla Vongsa"),
                             "WHO": ("no", None)}
    show = bot.say("meeting show #1", as_="UNICEF")
    assert _field(show, "Attending") == ("Attending (1)", "IOM (Khamla Vongsa)")
    assert _field(show, "Maybe") == ("Maybe (1)", "ILO")
    assert _field(show, "Declined") == ("Declined (1)", "WHO")
    assert _field(show, "Not answered") == ("Not answered (7)", ", ".join(
        c for c in OTHERS if c != "WHO"))
    assert [pressed(c) for c in show.choices] == [
        "meeting attend #1 yes", "meeting attend #1 maybe", "meeting attend #1 no"]


def test_refusals_say_what_was_wrong_and_change_nothing(bot: BotHarness) -> None:
    assert bot.say(SCHEDULE).ok
    assert bot.say('meeting schedule adhoc 20 Mar 2031 10:00 "Floods"').ok
    assert bot.say("meeting cancel #2 Postponed").ok
    held = held_meeting(bot, days_ago=1)
    assert bot.say("meeting attend #1 yes", as_="ILO").ok
    assert_refused(bot, "meeting attend #9 yes", "There is no meeting #9.", as_="ILO")
    assert_refused(bot, "meeting attend #2 yes", "Meeting #2 was cancelled", as_="ILO")
    assert_refused(bot, f"meeting attend #{held} yes", f"Meeting #{held} has already started",
                   as_="ILO")
    assert_refused(bot, "meeting attend #1 perhaps", "'perhaps' is not an answer: say yes, no "
                   "or maybe.", as_="ILO")
    assert_refused(bot, "meeting attend #1", "The answer is missing", as_="ILO")
    assert_refused(bot, "meeting attend", "Say which meeting", as_="ILO")
    assert_refused(bot, "meeting attend 1 yes", "'1' is not a meeting number", as_="ILO")
    assert_refused(bot, "meeting attend #1 no Somchai", "Names go with yes or maybe", as_="ILO")
    assert_refused(bot, "meeting attend #1 yes " + "Jane, " * 120, "the limit is 500",
                   as_="ILO")
    assert_refused(bot, "meeting attend #1 yes Jane\u202eenaJ", "RIGHT-TO-LEFT OVERRIDE",
                   as_="ILO")
    before = _stored(bot)
    visitor = bot.say("meeting attend #1 yes", as_="Visitor")
    assert not visitor.ok and "Secretariat" in visitor.text, visitor.text
    assert _stored(bot) == before
    assert _answers(bot) == {"ILO": ("yes", None)}


def test_partners_answer_for_their_working_groups_meetings_apart(bot: BotHarness) -> None:
    assert bot.say('partners add "Lao Women\'s Union" to wg:protection').ok
    assert bot.say('people add @"Khampheng" partner:"Lao Women\'s Union"').ok
    assert bot.say(SCHEDULE).ok
    assert bot.say(WG_SCHEDULE).ok
    said = bot.say("meeting attend #2 yes Khampheng", as_="Khampheng")
    assert said.text.startswith("Recorded: Lao Women's Union attends meeting #2 (Khampheng).")
    assert_refused(bot, "meeting attend #1 yes", "Lao Women's Union answers for the meetings "
                   "of its working groups (protection); meeting #1 is not one of them.",
                   as_="Khampheng")
    assert bot.say("meeting attend #2 no", as_="UNHCR").ok
    show = bot.say("meeting show #2")
    assert _field(show, "Attending") == ("Attending (0)", "none")
    assert _field(show, "Declined") == ("Declined (1)", "UNHCR")
    assert _field(show, "Not answered") == ("Not answered (4)", "IOM, OHCHR, UNICEF, WHO")
    assert _field(show, "Partners") == ("Partners (not counted as agencies)",
                                        "Lao Women's Union (Khampheng): yes")
    assert not any(name.startswith("Partners") for name, _ in bot.say("meeting show #1").fields)


def test_the_announcements_and_reminders_carry_buttons_for_the_clickers_agency(
        bot: BotHarness) -> None:
    assert bot.say(SCHEDULE).ok
    assert bot.say("meeting move #1 21 Mar 2031 14:00").ok
    posts = outbox_rows(bot, "meeting.scheduled") + outbox_rows(bot, "meeting.moved") + \
        outbox_rows(bot, "meeting.reminder", OutboxStatus.PENDING)
    assert len(posts) == 2 + 3
    for row in posts:
        choices: Any = row.payload["choices"]
        assert [pressed(c) for c in choices] == [
            "meeting attend #1 yes", "meeting attend #1 maybe", "meeting attend #1 no"]
        assert "meeting attend #1 yes <names>" in row.payload["text"]  # type: ignore[operator]
    reply = Reply.from_dict(posts[0].payload)
    maybe = reply.choices[1]
    for speaker in (Speaker("slack", "U-PLACEHOLDER-UNICEF"),
                    Speaker("teams", "PLACEHOLDER-AAD-WHO")):
        answered = bot.runner.submit(speaker, Where(speaker.platform, "C1"), maybe.form,
                                     maybe.params, maybe.values)
        assert answered.ok, answered.text
    assert _answers(bot) == {"UNICEF": ("maybe", None), "WHO": ("maybe", None)}
    assert bot.say("meeting cancel #1").ok
    cancelled: Any = outbox_rows(bot, "meeting.cancelled")[0].payload
    assert cancelled["choices"] == []


def test_the_slack_message_and_the_teams_card_with_the_buttons_are_valid(
        bot: BotHarness) -> None:
    assert bot.say(SCHEDULE).ok
    assert bot.say("meeting attend #1 yes Somchai, Jane", as_="ILO").ok
    replies = [Reply.from_dict(row.payload) for row in
               outbox_rows(bot, "meeting.scheduled") + outbox_rows(bot, "meeting.reminder")]
    replies.append(bot.say("meeting show #1"))
    for reply in replies:
        message = render_message(reply)
        assert message_problems({"text": message.text, "blocks": message.blocks}) == []
        buttons = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
        assert [b["text"]["text"] for b in buttons] == ["Yes", "Maybe", "No"]
        cards = render_cards(reply)
        assert [card_problems(card) for card in cards] == [[]] * len(cards)
        assert "Action.Submit" in str(cards)


def test_a_day_before_those_who_have_not_answered_are_reminded(bot: BotHarness) -> None:
    assert bot.say(SCHEDULE).ok
    [job] = outbox_rows(bot, "meeting.attendance_remind", OutboxStatus.PENDING)
    assert job.due_at == START + timedelta(days=10, hours=1)  # 13 Mar 10:00 Vientiane
    for code in ("RCO", "IOM", "ILO", "OHCHR", "UNHCR", "UNICEF", "UNDP"):
        assert bot.say("meeting attend #1 no" if code == "UNDP" else "meeting attend #1 yes",
                       as_=code).ok
    run_jobs(bot, "meeting.attendance_remind")
    [reminder] = outbox_rows(bot, "meeting.attendance_reminder")
    missing = person_ids(bot, "UN-HABITAT", "WORLD-BANK", "WHO")
    assert reminder.audience == Audience.of_people(missing)
    text = shown(Reply.from_dict(reminder.payload))
    assert "These have not said whether they attend: UN-HABITAT, WORLD-BANK and WHO." in text
    choices: Any = reminder.payload["choices"]
    assert [pressed(c) for c in choices] == [
        "meeting attend #1 yes", "meeting attend #1 maybe", "meeting attend #1 no"]


def test_no_reminder_when_everyone_answered(bot: BotHarness) -> None:
    assert bot.say(SCHEDULE).ok
    for code in ["IOM", "ILO", *OTHERS]:
        assert bot.say("meeting attend #1 maybe", as_=code).ok
    run_jobs(bot, "meeting.attendance_remind")
    assert outbox_rows(bot, "meeting.attendance_reminder") == []


def test_a_moved_meeting_is_reminded_at_its_new_time_and_a_cancelled_one_not_at_all(
        bot: BotHarness) -> None:
    assert bot.say(SCHEDULE).ok
    assert bot.say("meeting move #1 21 Mar 2031 14:00").ok
    jobs = outbox_rows(bot, "meeting.attendance_remind")
    assert [j.status for j in jobs] == [OutboxStatus.CANCELLED, OutboxStatus.PENDING]
    assert jobs[1].due_at == START + timedelta(days=17, hours=5)  # 20 Mar 14:00 Vientiane
    run_jobs(bot, "meeting.attendance_remind")
    [reminder] = outbox_rows(bot, "meeting.attendance_reminder")
    assert "Fri 21 Mar 2031, 14:00" in reminder.payload["text"]  # type: ignore[operator]
    assert bot.say('meeting schedule adhoc 28 Mar 2031 10:00 "Floods"').ok
    assert bot.say("meeting cancel #2").ok
    assert [j.status for j in outbox_rows(bot, "meeting.attendance_remind")][-1] == \
        OutboxStatus.CANCELLED
    # A job that runs anyway (claimed before the cancel) sends nothing.
    with transaction(bot.engine) as session:
        row = session.exec(select(Outbox).where(Outbox.kind == "meeting.attendance_remind",
                                                Outbox.meeting_id == 2)).one()
        JOBS[row.kind](Scope(session, bot.config, row.due_at), row)
    assert len(outbox_rows(bot, "meeting.attendance_reminder")) == 1


def test_a_meeting_a_day_away_or_less_has_no_answer_reminder(bot: BotHarness) -> None:
    assert bot.say('meeting schedule adhoc tomorrow 08:00 "Urgent"').ok
    assert outbox_rows(bot, "meeting.attendance_remind") == []


def test_two_focal_points_of_one_agency_answering_at_once(bot: BotHarness) -> None:
    """Both answers are kept, one counts: the one stored last (the meeting's row is held while
    an answer is written, on PostgreSQL; SQLite writes one unit of work at a time)."""
    assert bot.say(SCHEDULE).ok
    second_focal_point(bot)
    with bot.session() as session:
        speakers = [shell_speaker(session, "ILO"), shell_speaker(session, "Second ILO Focal Point")]
    for round_ in range(3):
        barrier = threading.Barrier(2)
        replies: list[Reply] = []

        def answer(speaker: Speaker, line: str, barrier: threading.Barrier = barrier,
                   replies: list[Reply] = replies) -> None:
            barrier.wait()
            replies.append(bot.runner.run(speaker, Where("shell", "t"), line))

        lines = [f"meeting attend #1 yes Team {round_}", "meeting attend #1 no"]
        threads = [threading.Thread(target=answer, args=pair)
                   for pair in zip(speakers, lines, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(r.ok and r.text.startswith("Recorded: ILO") for r in replies), \
            [r.text for r in replies]
        stored = _stored(bot)
        assert len(stored) == 2 * (round_ + 1)
        assert _answers(bot) == {"ILO": stored[-1]}


def test_the_shell_numbers_the_buttons(engine: Engine, config: AppConfig) -> None:
    out = piped_shell(engine, config, [SCHEDULE, "2", ":as ILO", "meeting show #1", "1"])
    assert "  [1] Yes\n  [2] Maybe\n  [3] No\n" in out
    assert "> 2\n(meeting attend #1 maybe)\nRecorded: IOM may attend meeting #1." in out
    assert "> 1\n(meeting attend #1 yes)\nRecorded: ILO attends meeting #1." in out


def test_the_minutes_form_starts_with_the_agencies_that_said_yes(bot: BotHarness) -> None:
    assert bot.say(SCHEDULE).ok
    for code, answer in (("ILO", "yes Somchai"), ("RCO", "yes"), ("WHO", "no"),
                         ("UNICEF", "maybe"), ("IOM", "yes")):
        assert bot.say(f"meeting attend #1 {answer}", as_=code).ok
    bot.clock.now = START + timedelta(days=12)
    form = bot.say("minutes #1").form
    assert form is not None
    [body] = form.fields
    assert body.initial == "#attendees RCO IOM ILO\n"
    held = held_meeting(bot, days_ago=1)
    other = bot.say(f"minutes #{held}").form
    assert other is not None and other.fields[0].initial == ""


def test_the_report_counts_attendance_from_the_latest_minutes(bot: BotHarness) -> None:
    first = held_meeting(bot, days_ago=40, title="Planning")  # 22 Jan 2031
    second = held_meeting(bot, days_ago=10, kind="adhoc", title="Floods")
    held_meeting(bot, days_ago=5, kind="wg", title="WG")  # not a Network meeting
    held_meeting(bot, days_ago=3, title="No minutes yet")
    held_meeting(bot, days_ago=400, title="Last year")  # 2029-2030: another year
    held_meeting(bot, days_ago=2, status="cancelled", title="Cancelled")
    assert bot.say(f"minutes #{first} #attendees RCO IOM ILO UNICEF #topic Plans").ok
    assert bot.say(f"minutes #{first} #attendees RCO IOM ILO #topic Plans").ok  # corrected
    assert bot.say(f"minutes #{second} #attendees iom, ilo WHO #topic Floods").ok
    reply = bot.say("report 2031")
    text = shown(reply)
    assert ("Attendance (the Network's regular and ad-hoc meetings held, as their latest "
            "minutes' #attendees record it): RCO 1 of 3, IOM 2 of 3, ILO 2 of 3, OHCHR 0 of 3, "
            "UNHCR 0 of 3, UNICEF 0 of 3, UNDP 0 of 3, UN-HABITAT 0 of 3, WORLD-BANK 0 of 3, "
            "WHO 1 of 3. 1 meeting held has no minutes yet, so nobody is recorded as attending "
            "it.") in text
    [markdown] = [f for f in reply.files if f.filename == "report-2031.md"]
    md = markdown.content.decode()
    assert "## Attendance per agency" in md
    assert "| IOM | 2 | 3 |" in md and "| OHCHR | 0 | 3 |" in md


def test_an_agency_counts_the_meetings_held_while_it_was_a_member(bot: BotHarness) -> None:
    first = held_meeting(bot, days_ago=20)
    assert bot.say(f"minutes #{first} #attendees RCO IOM WORLD-BANK #topic Plans").ok
    assert bot.say("members leave WORLD-BANK").ok
    bot.clock.advance(days=10)
    second = held_meeting(bot, days_ago=1)
    assert bot.say(f"minutes #{second} #attendees RCO #topic More").ok
    text = shown(bot.say("report 2031"))
    assert "RCO 2 of 2, IOM 1 of 2," in text and "WORLD-BANK 1 of 1" in text
