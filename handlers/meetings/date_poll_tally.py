"""A date poll's tally: per slot, which agencies said Yes, If need be or No and who has not
answered; the best slot (most Yes, then fewest No, then the earliest); and its buttons.

Partners answer a working group's slots and are shown apart: they never count as agencies,
so they neither make a slot the best nor are they counted among the agencies not answered.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import col, select

from handlers.core import Choice, Scope
from handlers.forms import button, form
from handlers.meetings.attendance import Expected, expected
from handlers.meetings.meeting_common import zone
from handlers.timefmt import show_span
from storage.attendance import Answer
from storage.date_answers import latest_slot_answers
from storage.models import AttendAnswer, DatePoll, DateSlot

DATE_ANSWER_FORM = "date-answer"
DATE_PICK_FORM = "date-pick"
DATE_AVAILABILITY_FORM = "date-availability"
LABELS = {AttendAnswer.YES: "Yes", AttendAnswer.MAYBE: "If need be", AttendAnswer.NO: "No"}
STYLES = {AttendAnswer.YES: "primary", AttendAnswer.MAYBE: None, AttendAnswer.NO: "danger"}


@form(DATE_ANSWER_FORM, params=("poll",), fields=("slot", "answer"))
def _answer(params: Mapping[str, int], values: Mapping[str, str]) -> str:
    return f"meeting available #{params['poll']} {values['slot']} {values['answer']}"


@form(DATE_PICK_FORM, params=("poll",), fields=("slot",))
def _pick(params: Mapping[str, int], values: Mapping[str, str]) -> str:
    return f"meeting pick #{params['poll']} {values['slot']}"


@form(DATE_AVAILABILITY_FORM, params=("poll",), fields=())
def _availability(params: Mapping[str, int], _: Mapping[str, str]) -> str:
    return f"meeting availability #{params['poll']}"


@dataclass(frozen=True)
class SlotTally:
    slot: DateSlot
    agencies: dict[AttendAnswer, list[str]]  # the agencies' codes, per answer
    partners: list[Answer]
    missing: list[str]  # the agencies asked that have not answered this slot

    def count(self, answer: AttendAnswer) -> int:
        return len(self.agencies[answer])

    def rank(self) -> tuple[int, int, int]:
        """Lower is better: most Yes, then fewest No, then the earliest proposed."""
        return -self.count(AttendAnswer.YES), self.count(AttendAnswer.NO), self.slot.number

    def summary(self) -> str:
        """``3 yes, 1 if need be, 2 no``."""
        return ", ".join(f"{self.count(a)} {label.lower()}" for a, label in LABELS.items())


def slots_of(scope: Scope, poll_id: int) -> list[DateSlot]:
    return list(scope.session.exec(select(DateSlot).where(DateSlot.poll_id == poll_id)
                                   .order_by(col(DateSlot.number))).all())


def slot_when(scope: Scope, slot: DateSlot) -> str:
    """``Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)``."""
    return show_span(slot.starts_at, slot.ends_at, zone(scope))


def tally(scope: Scope, poll: DatePoll, slots: list[DateSlot]) -> list[SlotTally]:
    assert poll.id is not None
    answers = latest_slot_answers(scope.session, poll.id)
    asked = expected(scope, poll.wg_id)
    tallies = []
    for slot in slots:
        said = answers.get(slot.number, [])
        agencies = {a: [s.who for s in said if s.agency and s.answer == a] for a in LABELS}
        answered = {s.agency for s in said if s.agency}
        tallies.append(SlotTally(slot, agencies, [s for s in said if s.partner],
                                 [code for code in asked.agencies if code not in answered]))
    return tallies


def best_slot(scope: Scope, tallies: list[SlotTally]) -> SlotTally | None:
    """The best of the slots that have not started (none when all have)."""
    open_slots = [t for t in tallies if t.slot.starts_at > scope.now]
    return min(open_slots, key=SlotTally.rank) if open_slots else None


def not_answered(scope: Scope, poll: DatePoll) -> Expected:
    """The agencies and partners asked that have answered no slot of ``poll``."""
    assert poll.id is not None
    said = {a.who for answers in latest_slot_answers(scope.session, poll.id).values()
            for a in answers}
    asked = expected(scope, poll.wg_id)
    return Expected([c for c in asked.agencies if c not in said],
                    [p for p in asked.partners if p not in said])


def tally_fields(scope: Scope, tallies: list[SlotTally]) -> list[tuple[str, str]]:
    """A field per slot: its time, then who said what and who has not answered."""
    fields = []
    for slot in tallies:
        parts = [f"{label} ({slot.count(a)}): {', '.join(slot.agencies[a]) or 'none'}"
                 for a, label in LABELS.items()]
        parts.append(f"Not answered ({len(slot.missing)}): {', '.join(slot.missing) or 'none'}")
        if slot.partners:
            parts.append("Partners (not counted as agencies): " + ", ".join(
                f"{p.who} {LABELS[p.answer].lower()}" for p in slot.partners))
        started = " (started)" if slot.slot.starts_at <= scope.now else ""
        fields.append((f"Slot {slot.slot.number}: {slot_when(scope, slot.slot)}{started}",
                       "; ".join(parts)))
    return fields


def answer_choices(scope: Scope, poll_id: int, slots: list[DateSlot]) -> list[Choice]:
    """Yes / If need be / No for each slot that has not started, a row a slot."""
    return [button(f"{slot.number}: {label}", DATE_ANSWER_FORM, params={"poll": poll_id},
                   values={"slot": str(slot.number), "answer": answer},
                   style=STYLES[answer], row=slot.number)
            for slot in slots if slot.starts_at > scope.now
            for answer, label in LABELS.items()]


def availability_choice(poll_id: int) -> Choice:
    return button("Who said what", DATE_AVAILABILITY_FORM, params={"poll": poll_id})


def pick_choice(poll_id: int, slot: DateSlot) -> Choice:
    return button(f"Pick slot {slot.number}", DATE_PICK_FORM, params={"poll": poll_id},
                  values={"slot": str(slot.number)}, style="primary")
