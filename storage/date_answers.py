"""Reading a date poll's answers: every answer is kept, the latest of each agency (or partner
organisation) to each slot counts."""

from sqlmodel import Session, col, select

from storage.attendance import Answer, roster_order
from storage.models import Agency, AttendAnswer, DateAnswer, Person


def latest_slot_answers(session: Session, poll_id: int) -> dict[int, list[Answer]]:
    """Per slot number, the answer that counts for each agency and partner organisation that
    answered it (the agencies in the roster's order, then the partners by name)."""
    rows = session.exec(
        select(DateAnswer, Agency.code, Person.name)
        .join(Agency, col(Agency.id) == DateAnswer.agency_id, isouter=True)
        .join(Person, col(Person.id) == DateAnswer.person_id)
        .where(DateAnswer.poll_id == poll_id)
        .order_by(col(DateAnswer.id))
    ).all()
    latest: dict[int, dict[tuple[int | None, str | None], Answer]] = {}
    for row, code, name in rows:
        latest.setdefault(row.slot, {})[row.agency_id, row.partner_org] = Answer(
            code, row.partner_org, AttendAnswer(row.answer), None, name, row.answered_at)
    return {slot: [answers[key] for key in sorted(answers, key=roster_order)]
            for slot, answers in latest.items()}
