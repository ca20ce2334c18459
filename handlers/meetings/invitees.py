"""Who a meeting's invitation is from and to: the Secretariat organises, focal points attend.

Only people with an e-mail on the roster (``email:`` in app.yaml, or kept from chat) can be
written into a calendar invitation; the others still see the meeting in chat.
"""

from dataclasses import dataclass

from sqlmodel import col, select

from handlers.core import Scope
from storage.models import Agency, Meeting, Person, WGAgency, WGPartner, WGRole

CHAIR = "CHAIR"
REQUIRED = "REQ-PARTICIPANT"
OPTIONAL = "OPT-PARTICIPANT"


@dataclass(frozen=True)
class Invitee:
    name: str
    email: str
    role: str = REQUIRED  # RFC 5545 ROLE


def organizer(scope: Scope) -> Invitee | None:
    """The Secretariat's first active focal point with an e-mail, if there is one."""
    person = scope.session.exec(
        select(Person).join(Agency, col(Agency.id) == Person.agency_id)
        .where(Agency.code == scope.config.network.secretariat, Agency.active, Person.active,
               col(Person.email).is_not(None))
        .order_by(col(Person.id))).first()
    return Invitee(f"{person.name} (Secretariat)", person.email or "") if person else None


def attendees(scope: Scope, meeting: Meeting) -> list[Invitee]:
    """A network meeting's attendees are the member agencies' focal points (the Chair's as
    CHAIR); a working group's, its agencies' focal points (its chairs' as CHAIR) and its
    partners' people (optional)."""
    people = select(Person.name, Person.email, Agency.code).join(
        Agency, col(Agency.id) == Person.agency_id).where(
        Agency.active, Person.active, col(Person.email).is_not(None)).order_by(col(Person.id))
    if meeting.wg_id is None:
        chairs = {scope.config.network.chair}
        rows = scope.session.exec(people).all()
    else:
        chairs = set(scope.session.exec(
            select(Agency.code).join(WGAgency, col(WGAgency.agency_id) == Agency.id)
            .where(WGAgency.wg_id == meeting.wg_id, WGAgency.role == WGRole.CHAIR)).all())
        seats = select(WGAgency.agency_id).where(WGAgency.wg_id == meeting.wg_id)
        rows = scope.session.exec(people.where(col(Agency.id).in_(seats))).all()
    found = [Invitee(name, email or "", CHAIR if code in chairs else REQUIRED)
             for name, email, code in rows]
    if meeting.wg_id is not None:
        found += [Invitee(name, email or "", OPTIONAL) for name, email in scope.session.exec(
            select(Person.name, Person.email)
            .join(WGPartner, col(WGPartner.organisation) == Person.partner_org)
            .where(WGPartner.wg_id == meeting.wg_id, Person.active,
                   col(Person.email).is_not(None)).order_by(col(Person.id))).all()]
    return found
