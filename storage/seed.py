"""Sync the roster in app.yaml into the database at start, idempotently.

app.yaml seeds a new deployment. Afterwards the database is the truth for what the network
changed from chat (working groups adopted by consensus, agencies joining or leaving), so the
sync only adds what is missing and refreshes names and chat ids; it never deletes.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from storage.models import (
    Agency,
    Identity,
    Objective,
    Partner,
    Person,
    WGAgency,
    WGPartner,
    WGRole,
    WorkingGroup,
)

if TYPE_CHECKING:
    from settings.schema import AppConfig
    from settings.schema import Person as ConfiguredPerson


def sync_roster(session: Session, config: "AppConfig") -> None:
    agencies = _sync_agencies(session, config)
    _sync_partners(session, config)
    known = _KnownPeople(session)
    for configured in config.people:
        _sync_person(session, known, configured, agencies.get(configured.agency or ""))
    _sync_working_groups(session, config, agencies)
    _sync_objectives(session, config.objectives)
    session.flush()


def _sync_agencies(session: Session, config: "AppConfig") -> dict[str, Agency]:
    existing = {a.code: a for a in session.exec(select(Agency)).all()}
    for configured in config.agencies:
        agency = existing.get(configured.code)
        if agency is None:
            agency = Agency(code=configured.code, name=configured.name)
            session.add(agency)
            existing[configured.code] = agency
        elif agency.name != configured.name:
            agency.name = configured.name
    session.flush()
    return existing


def _sync_partners(session: Session, config: "AppConfig") -> None:
    known = set(session.exec(select(Partner.organisation)).all())
    wanted = [*config.partners, *(o for wg in config.working_groups for o in wg.partners)]
    for organisation in dict.fromkeys(wanted):
        if organisation not in known:
            session.add(Partner(organisation=organisation))


class _KnownPeople:
    """Everyone the database has, with their chat identities: read in two statements for the
    whole roster rather than a few per person (every start of the bot runs the sync)."""

    def __init__(self, session: Session) -> None:
        self.people = list(session.exec(select(Person).order_by(col(Person.id))).all())
        self.identities = {(i.person_id, i.platform): i
                           for i in session.exec(select(Identity)).all()}

    def find(self, configured: "ConfiguredPerson", ids: dict[str, str]) -> Person | None:
        """The person by a chat identity, else by e-mail, else by name."""
        for platform, external_id in ids.items():
            for (person_id, known_platform), identity in self.identities.items():
                if (known_platform, identity.external_id) == (platform, external_id):
                    return next(person for person in self.people if person.id == person_id)
        by_email_then_name: tuple[Callable[[Person], bool], ...] = (
            lambda p: bool(configured.email) and p.email == configured.email,
            lambda p: p.name == configured.name)
        for matches in by_email_then_name:
            found = next((person for person in self.people if matches(person)), None)
            if found is not None:
                return found
        return None


def _sync_person(
    session: Session, known: _KnownPeople, configured: "ConfiguredPerson",
    agency: Agency | None,
) -> None:
    ids = {p: getattr(configured, p) for p in ("slack", "teams") if getattr(configured, p)}
    person = known.find(configured, ids)
    if person is None:
        person = Person(name=configured.name, agency_id=agency.id if agency else None,
                        partner_org=configured.partner, email=configured.email)
        session.add(person)
        session.flush()
        known.people.append(person)
    else:
        person.name = configured.name
        person.email = configured.email or person.email
    person_id = _saved_id(person.id)
    for platform, external_id in ids.items():
        identity = known.identities.get((person_id, platform))
        if identity is None:
            identity = Identity(person_id=person_id, platform=platform, external_id=external_id)
            session.add(identity)
            known.identities[(person_id, platform)] = identity
        else:
            identity.external_id = external_id


def _sync_working_groups(
    session: Session, config: "AppConfig", agencies: dict[str, Agency]
) -> None:
    known = set(session.exec(select(WorkingGroup.slug)).all())
    for configured in config.working_groups:
        if configured.slug in known:
            continue
        wg = WorkingGroup(slug=configured.slug, name=configured.name, mandate=configured.mandate)
        session.add(wg)
        session.flush()
        wg_id = _saved_id(wg.id)
        for organisation in configured.partners:
            session.add(WGPartner(wg_id=wg_id, organisation=organisation))
        seats = {(code, WGRole.MEMBER) for code in [*configured.members, *configured.chairs]}
        seats |= {(code, WGRole.CHAIR) for code in configured.chairs}
        for code, role in sorted(seats):
            session.add(WGAgency(wg_id=wg_id, agency_id=_saved_id(agencies[code].id), role=role))


def _saved_id(row_id: int | None) -> int:
    """A row's id, which the database has given once the row is flushed."""
    if row_id is None:
        raise ValueError("the row has no id: it was not flushed")
    return row_id


def _sync_objectives(session: Session, objectives: dict[int, str]) -> None:
    existing = {o.number: o for o in session.exec(select(Objective)).all()}
    for number, text in objectives.items():
        if number in existing:
            existing[number].text = text
        else:
            session.add(Objective(number=number, text=text))
