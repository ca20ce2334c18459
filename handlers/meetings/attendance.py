"""Attendance: whether each agency comes to a meeting, and who (``meeting attend``).

An agency's focal point answers for the agency, like a vote: every answer is kept, the latest
of any of its focal points counts. A partner organisation's people answer for the meetings of
the working groups it takes part in; partners are shown apart and never counted as agencies.
The meeting's announcement and reminders carry Yes / Maybe / No buttons. A day before the
meeting, a job reminds the focal points of the agencies (and partners) that have not answered;
it is re-queued when the meeting moves and cancelled with it (``meetings.plan_rows``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select

from handlers.core import Choice, Context, Reply, Scope, UserError
from handlers.forms import answer_buttons, form
from handlers.grammar import check_text, parse_ref
from handlers.jobs import job
from handlers.meetings.meeting_common import describe, wg_slug, zone
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.registry import command
from handlers.timefmt import show_time
from handlers.wording import listed
from storage.attendance import Answer, latest_answers
from storage.audience import Audience
from storage.models import (
    Agency,
    Attendance,
    AttendAnswer,
    Meeting,
    MeetingStatus,
    Outbox,
    Person,
    WGAgency,
    WGPartner,
)

ATTEND_EXAMPLE = "meeting attend #1 yes Somchai, Jane"
ATTEND_FORM = "attend"
NAMES_LIMIT = 500
REMIND_BEFORE = timedelta(days=1)
VERBS = {AttendAnswer.YES: "attends", AttendAnswer.MAYBE: "may attend",
         AttendAnswer.NO: "does not attend"}
LABELS = {AttendAnswer.YES: "Attending", AttendAnswer.MAYBE: "Maybe",
          AttendAnswer.NO: "Declined"}


@form(ATTEND_FORM, params=("meeting",), fields=("answer",))
def _attend(params: Mapping[str, int], values: Mapping[str, str]) -> str:
    return f"meeting attend #{params['meeting']} {values['answer']}"


def attend_choices(meeting_id: int) -> list[Choice]:
    """Yes / Maybe / No: a click answers for the clicker's agency."""
    return answer_buttons(ATTEND_FORM, {"meeting": meeting_id}, "answer",
                          (("Yes", "primary"), ("Maybe", None), ("No", "danger")))


@command(
    "meeting attend",
    summary="Say whether your agency attends a meeting, and who comes",
    usage="meeting attend #N yes|no|maybe [names...]",
    example=ATTEND_EXAMPLE,
    partners=True,
    detail="Any focal point answers for their agency; the latest answer of the agency "
           "counts, and every answer is kept. After yes or maybe, the names of who comes "
           "(optional, separated by commas). A partner organisation's people answer for the "
           "meetings of their working groups. Answers are taken until the meeting starts; "
           "the buttons on the meeting's announcement and reminders answer too. A day before "
           "the meeting, agencies that have not answered are reminded.",
)
def meeting_attend(ctx: Context, args: str) -> Reply:
    ref, _, rest = args.strip().partition(" ")
    if not ref:
        raise UserError("Say which meeting, as #N, then yes, no or maybe.", ATTEND_EXAMPLE)
    number = parse_ref(ref, "meeting", ATTEND_EXAMPLE)
    # The meeting's row is held until commit (PostgreSQL): answers to one meeting take turns.
    meeting = ctx.session.get(Meeting, number, with_for_update=True)
    if meeting is None:
        raise UserError(f"There is no meeting #{number}. Type meeting list to see them.",
                        ATTEND_EXAMPLE)
    word, _, names_text = rest.strip().partition(" ")
    try:
        answer = AttendAnswer(word.lower())
    except ValueError:
        problem = f"'{word}' is not an answer" if word else "The answer is missing"
        raise UserError(f"{problem}: say yes, no or maybe.",
                        f"meeting attend #{number} maybe") from None
    if meeting.status == MeetingStatus.CANCELLED:
        raise UserError(f"Meeting #{number} was cancelled, so there is nothing to attend.",
                        "meeting list")
    if meeting.starts_at <= ctx.now:
        raise UserError(f"Meeting #{number} has already started "
                        f"({show_time(meeting.starts_at, zone(ctx))}); answers are taken "
                        "until it starts.", "meeting list")
    names = None
    if names_text.strip():
        if answer == AttendAnswer.NO:
            raise UserError("Names go with yes or maybe: who comes. For no, write no alone.",
                            f"meeting attend #{number} no")
        names = " ".join(check_text(names_text, what="list of names", example=ATTEND_EXAMPLE,
                                    max_length=NAMES_LIMIT).split())
    who, agency_id, partner = answering_for(ctx, wg_slug(ctx, meeting), f"meeting #{number}")
    latest = ctx.session.exec(
        select(Attendance).where(Attendance.meeting_id == number,
                                 col(Attendance.agency_id) == agency_id if agency_id
                                 else col(Attendance.partner_org) == partner)
        .order_by(col(Attendance.id).desc())).first()
    said = f"{who} {VERBS[answer]} meeting #{number}" + (f" ({names})" if names else "")
    if latest is not None and (latest.answer, latest.names) == (answer, names):
        return Reply(text=f"Already recorded: {said}. Nothing changed.")
    assert ctx.actor.person_id is not None
    ctx.session.add(Attendance(meeting_id=number, agency_id=agency_id, partner_org=partner,
                               person_id=ctx.actor.person_id, answer=answer, names=names,
                               answered_at=ctx.now))
    ctx.session.flush()
    text = f"Recorded: {said}"
    if latest is not None and latest.answer != answer:
        text += f" (was: {latest.answer})"
    text += ". You can change it until the meeting starts."
    if answer != AttendAnswer.NO and not names:
        text += f"\nSay who comes with, e.g.: meeting attend #{number} {answer} Somchai, Jane"
    return Reply(text=text)


def answering_for(ctx: Context, slug: str | None, what: str,
                  question: str = "whether it attends") -> tuple[str, int | None, str | None]:
    """Who the speaker answers for about ``what`` (``meeting #3``), of the working group
    ``slug`` or the network's: (shown name, agency id, partner organisation)."""
    partner = ctx.actor.partner
    if partner is not None:
        if slug is None or slug not in ctx.actor.partner_wgs:
            groups = ", ".join(sorted(ctx.actor.partner_wgs)) or "none yet"
            raise UserError(f"{partner} answers for the meetings of its working groups "
                            f"({groups}); {what} is not one of them.", "meeting list")
        return partner, None, partner
    if ctx.actor.agency is None or ctx.actor.agency_id is None:
        raise UserError(f"Only an agency's focal points answer {question}.", "whoami")
    return ctx.actor.agency, ctx.actor.agency_id, None


@dataclass(frozen=True)
class Expected:
    """Who is asked to a meeting: member agencies (with a focal point), and for a working
    group's meeting its agencies and partner organisations."""

    agencies: list[str]
    partners: list[str]


def expected(scope: Scope, wg_id: int | None) -> Expected:
    """Who is asked to the network's meetings (``wg_id`` None) or a working group's."""
    agencies = select(Agency.code).where(
        Agency.active, col(Agency.id).in_(select(Person.agency_id).where(Person.active)))
    if wg_id is None:
        return Expected(list(scope.session.exec(agencies.order_by(col(Agency.id))).all()), [])
    seats = select(WGAgency.agency_id).where(WGAgency.wg_id == wg_id)
    codes = scope.session.exec(
        agencies.where(col(Agency.id).in_(seats)).order_by(col(Agency.id))).all()
    partners = scope.session.exec(
        select(WGPartner.organisation).where(WGPartner.wg_id == wg_id)
        .order_by(col(WGPartner.organisation))).all()
    return Expected(list(codes), list(partners))


def _shown(answer: Answer) -> str:
    return f"{answer.who} ({answer.names})" if answer.names else answer.who


def attendance_fields(scope: Scope, meeting: Meeting) -> list[tuple[str, str]]:
    """``meeting show``'s lines: attending (with names), maybe, declined, not answered; the
    partners' answers apart."""
    assert meeting.id is not None
    answers = latest_answers(scope.session, meeting.id)
    invited = expected(scope, meeting.wg_id)
    agencies = [a for a in answers if a.agency is not None]
    fields = []
    for answer, label in LABELS.items():
        these = [_shown(a) for a in agencies if a.answer == answer]
        fields.append((f"{label} ({len(these)})", ", ".join(these) or "none"))
    answered = {a.agency for a in agencies}
    missing = [code for code in invited.agencies if code not in answered]
    fields.append((f"Not answered ({len(missing)})", ", ".join(missing) or "none"))
    partners = [a for a in answers if a.partner is not None]
    if partners or invited.partners:
        said = {a.partner for a in partners}
        shown = [f"{_shown(a)}: {a.answer}" for a in partners]
        shown += [f"{org}: not answered" for org in invited.partners if org not in said]
        fields.append(("Partners (not counted as agencies)", "; ".join(shown)))
    return fields


def people_of_missing(scope: Scope, missing: Expected) -> list[int]:
    """The active people of these agencies and partner organisations."""
    return [i for i in scope.session.exec(
        select(Person.id).join(Agency, col(Agency.id) == Person.agency_id, isouter=True)
        .where(Person.active, col(Agency.code).in_(missing.agencies)
               | col(Person.partner_org).in_(missing.partners))
        .order_by(col(Person.id))).all() if i is not None]


def not_answered(scope: Scope, meeting: Meeting) -> Expected:
    """The agencies and partners asked to ``meeting`` that have not answered."""
    assert meeting.id is not None
    said = {a.who for a in latest_answers(scope.session, meeting.id)}
    invited = expected(scope, meeting.wg_id)
    return Expected([c for c in invited.agencies if c not in said],
                    [p for p in invited.partners if p not in said])


# A day before the meeting: the job, and the reminder it sends to those who have not answered.
REMIND = declare(OutboxKind("meeting.attendance_remind"))


def _gone(scope: Scope, row: Outbox) -> str | None:
    """A reminder to answer is dropped once the meeting is cancelled or has started."""
    meeting = scope.session.get(Meeting, row.meeting_id) if row.meeting_id else None
    if meeting is None or meeting.status == MeetingStatus.CANCELLED:
        return f"meeting #{row.meeting_id} was cancelled"
    return f"meeting #{meeting.id} had started" if meeting.starts_at <= scope.now else None


NOT_ANSWERED = declare(OutboxKind("meeting.attendance_reminder", stale=_gone))
KINDS = (REMIND.name, NOT_ANSWERED.name)


def plan_reminder(scope: Scope, meeting: Meeting) -> None:
    """Queue the job that reminds those who have not answered, a day before the meeting
    (the caller has cancelled the meeting's earlier rows)."""
    due = meeting.starts_at - REMIND_BEFORE
    if due > scope.now:
        queue(scope, REMIND, Reply(text=f"Who has not answered about {describe(scope, meeting)}"),
              due_at=due, meeting_id=meeting.id)


@job(REMIND)
def remind_not_answered(scope: Scope, row: Outbox) -> None:
    meeting = scope.session.get(Meeting, row.meeting_id) if row.meeting_id else None
    if meeting is None or meeting.id is None or _gone(scope, row) is not None:
        return
    missing = not_answered(scope, meeting)
    people = people_of_missing(scope, missing)
    if not people:
        return
    who = listed(missing.agencies + missing.partners)
    text = (f"{describe(scope, meeting)} starts in a day. These have not said whether they "
            f"attend: {who}.\nAnswer with the buttons, or type: meeting attend "
            f"#{meeting.id} yes <names>, meeting attend #{meeting.id} maybe or meeting attend "
            f"#{meeting.id} no")
    queue(scope, NOT_ANSWERED,
          Reply(title=f"Meeting #{meeting.id}: will you attend?", text=text[0].upper() + text[1:],
                private=False, choices=attend_choices(meeting.id)),
          audience=Audience.of_people(people), meeting_id=meeting.id)
