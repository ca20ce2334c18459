"""Who is speaking: a platform identity resolved to a person, their agency and roles."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from handlers.core import Actor, Role, Scope, Speaker, unmarked
from settings.schema import AppConfig
from storage.models import Agency, Identity, Person, WGAgency, WGPartner, WGRole, WorkingGroup

SHELL = "shell"


# The statements that find a speaker's person, built once: building a statement costs about as
# much CPU as the database takes to run it, and every command starts by finding its speaker.
# The roster's rows are read on the session's connection, not through the ORM (half the CPU),
# so its statement is SQLAlchemy's own select (typed for any number of columns).
_MATCHES: dict[str, ColumnElement[bool]] = {
    "id": col(Person.id) == bindparam("person_id"),  # the shell names people by id
    "identity": col(Person.id) == select(Identity.person_id).where(
        Identity.platform == bindparam("platform"),
        Identity.external_id == bindparam("external_id"),
    ).scalar_subquery(),
    "email": func.lower(Person.email) == bindparam("email"),
}
_CHAIRED = aliased(WorkingGroup)
_PARTNERED = aliased(WorkingGroup)
# The person's columns, their agency's, and one working group per row: one the agency chairs,
# or one the person's partner organisation takes part in (both active).
_ROSTER: Select[*tuple[Any, ...]] = (
    select_columns(col(Person.id), col(Person.name), col(Person.active), col(Person.partner_org),
                   col(Person.agency_id), col(Agency.code).label("agency"),
                   col(Agency.active).label("agency_active"),
                   col(_CHAIRED.slug).label("chaired_wg"), col(_PARTNERED.slug).label("partner_wg"))
    .select_from(Person)
    .outerjoin(Agency, col(Agency.id) == Person.agency_id)
    .outerjoin(WGAgency, and_(col(WGAgency.agency_id) == Agency.id,
                              col(WGAgency.role) == WGRole.CHAIR))
    .outerjoin(_CHAIRED, and_(col(_CHAIRED.id) == WGAgency.wg_id, col(_CHAIRED.active)))
    .outerjoin(WGPartner, col(WGPartner.organisation) == Person.partner_org)
    .outerjoin(_PARTNERED, and_(col(_PARTNERED.id) == WGPartner.wg_id, col(_PARTNERED.active)))
)
_PERSON_BY = {name: select(Person).where(match) for name, match in _MATCHES.items()}
_ROSTER_BY = {name: _ROSTER.where(match) for name, match in _MATCHES.items()}


def find_person(session: Session, speaker: Speaker) -> Person | None:
    """The active person behind a platform identity, or by e-mail when the platform gives one."""
    person = None
    for name, params in _matches(speaker):
        person = session.exec(_PERSON_BY[name], params=params).first()
        if person is not None:
            break
    return person if person is not None and person.active else None


def resolve_actor(session: Session, config: AppConfig, speaker: Speaker) -> Actor:
    """The speaker as the roster has them, in one statement when their identity is known
    (every command starts here): the person, their agency, the working groups it chairs, or,
    for a partner's person, their organisation's working groups."""
    rows: Sequence[Row[Any]] = []
    for name, params in _matches(speaker):
        rows = session.connection().execute(_ROSTER_BY[name], params).all()
        if rows:
            break
    person = rows[0] if rows else None
    if person is None or not person.active:
        return Actor(speaker=speaker,
                     name=unmarked(speaker.display_name) or speaker.external_id)
    rows = [row for row in rows if row.id == person.id]
    if person.partner_org:
        return Actor(speaker=speaker, person_id=person.id, name=person.name,
                     partner=person.partner_org, partner_wgs=_slugs(row.partner_wg for row in rows))
    if person.agency is None or not person.agency_active:
        return Actor(speaker=speaker, name=person.name)
    roles = {Role.MEMBER}
    if person.agency == config.network.chair:
        roles.add(Role.CHAIR)
    if person.agency == config.network.secretariat:
        roles.add(Role.SECRETARIAT)
    return Actor(speaker=speaker, person_id=person.id, name=person.name, agency=person.agency,
                 agency_id=person.agency_id, roles=frozenset(roles),
                 wg_chairs=_slugs(row.chaired_wg for row in rows))


def _matches(speaker: Speaker) -> list[tuple[str, dict[str, Any]]]:
    """How to find the speaker's person, in order: the shell's person id, or the platform
    identity and then the e-mail address the platform gives."""
    if speaker.platform == SHELL:
        return [("id", {"person_id": int(speaker.external_id)})] \
            if speaker.external_id.isdigit() else []
    found = [("identity", {"platform": speaker.platform, "external_id": speaker.external_id})]
    if speaker.email:
        found.append(("email", {"email": speaker.email.lower()}))
    return found


def _slugs(slugs: Iterable[str | None]) -> frozenset[str]:
    return frozenset(slug for slug in slugs if slug is not None)


def people_of(scope: Scope, *agency_codes: str) -> list[int]:
    """The active people of these agencies (e.g. the Chair's and the Secretariat's)."""
    ids = scope.session.exec(
        select(Person.id).join(Agency, col(Agency.id) == Person.agency_id)
        .where(col(Agency.code).in_(agency_codes), Person.active).order_by(col(Person.id))
    ).all()
    return [i for i in ids if i is not None]


def introduce(session: Session, speaker: Speaker) -> str:
    """``UNICEF Focal Point, focal point of UNICEF (United Nations Children's Fund)``; a guest
    is their name in quotes and not on the roster."""
    person = find_person(session, speaker)
    if person is None:
        return f"'{speaker.display_name}', who is not on the roster"
    agency = session.get(Agency, person.agency_id) if person.agency_id else None
    if agency is not None:
        return f"{person.name}, focal point of {agency.code} ({agency.name})"
    return f"{person.name}, of the partner {person.partner_org}"


def shell_speaker(session: Session, wanted: str) -> Speaker:
    """A shell speaker by agency code (its first focal point) or by a person's name.

    Anyone else becomes a guest who is not on the roster, which is how the shell lets you try
    what an outsider sees.
    """
    person = session.exec(
        select(Person).join(Agency, col(Agency.id) == Person.agency_id)
        .where(Agency.code == wanted.upper(), Person.active).order_by(col(Person.id))
    ).first() or session.exec(
        select(Person).where(func.lower(Person.name) == wanted.lower(), Person.active)
    ).first()
    if person is None:
        return Speaker(platform=SHELL, external_id=f"guest:{wanted}", display_name=wanted)
    return Speaker(platform=SHELL, external_id=str(person.id), display_name=person.name)
