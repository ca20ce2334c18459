"""Reading attendance answers: every answer is kept, the latest of each agency (or partner
organisation) counts."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Agency, Attendance, AttendAnswer, Person


@dataclass(frozen=True)
class Answer:
    """The answer that counts for one agency (``agency``) or partner organisation
    (``partner``) on one meeting."""

    agency: str | None
    partner: str | None
    answer: AttendAnswer
    names: str | None
    by: str  # the person who gave it
    at: datetime

    @property
    def who(self) -> str:
        return self.agency or self.partner or ""


def latest_answers(session: Session, meeting_id: int) -> list[Answer]:
    """The answer that counts for each agency and partner organisation that answered about
    meeting ``meeting_id``: its latest (the agencies in the roster's order, then the
    partners by name)."""
    rows = session.exec(
        select(Attendance, Agency.code, Person.name)
        .join(Agency, col(Agency.id) == Attendance.agency_id, isouter=True)
        .join(Person, col(Person.id) == Attendance.person_id)
        .where(Attendance.meeting_id == meeting_id)
        .order_by(col(Attendance.id))
    ).all()
    latest: dict[tuple[int | None, str | None], Answer] = {}
    for row, code, name in rows:
        latest[row.agency_id, row.partner_org] = Answer(
            code, row.partner_org, AttendAnswer(row.answer), row.names, name, row.answered_at)
    return [latest[key] for key in sorted(latest, key=roster_order)]


def roster_order(key: tuple[int | None, str | None]) -> tuple[bool, int, str]:
    """Answers keyed (agency id, partner organisation): the agencies in the roster's order,
    then the partners by name."""
    return key[0] is None, key[0] or 0, key[1] or ""


def attending_agencies(session: Session, meeting_id: int) -> list[str]:
    """The codes of the agencies whose answer that counts is yes."""
    return [a.agency for a in latest_answers(session, meeting_id)
            if a.agency is not None and a.answer == AttendAnswer.YES]
