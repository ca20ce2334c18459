"""Sync the roster in app.yaml into the database at start, idempotently.

app.yaml seeds a new deployment. Afterwards the database is the truth for what the network
changed from chat (working groups adopted by consensus, agencies joining or leaving), so the
sync only adds what is missing and refreshes names and chat ids; it never deletes.
"""

from typing import TYPE_CHECKING

from sqlmodel import Session, select

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
    from bot.config import AppConfig
    from bot.config import Person as ConfiguredPerson


def sync_roster(session: Session, config: "AppConfig") -> None:
    agencies = _sync_agencies(session, config)
    _sync_partners(session, config)
    for configured in config.people:
        _sync_person(session, configured, agencies.get(configured.agency or ""))
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


def _sync_person(
    session: Session, configured: "ConfiguredPerson", agency: Agency | None
) -> None:
    ids = {p: getattr(configured, p) for p in ("slack", "teams") if getattr(configured, p)}
    person = _find_person(session, configured, ids)
    if person is None:
        person = Person(name=configured.name, agency_id=agency.id if agency else None,
                        partner_org=configured.partner, email=configured.email)
        session.add(person)
        session.flush()
    else:
        person.name = configured.name
        person.email = configured.email or person.email
    for platform, external_id in ids.items():
        identity = session.exec(
            select(Identity).where(Identity.platform == platform,
                                   Identity.person_id == person.id)
        ).first()
        if identity is None:
            session.add(Identity(person_id=person.id, platform=platform, external_id=external_id))
        else:
            identity.external_id = external_id


def _find_person(
    session: Session, configured: "ConfiguredPerson", ids: dict[str, str]
) -> Person | None:
    for platform, external_id in ids.items():
        person = session.exec(
            select(Person).join(Identity, Identity.person_id == Person.id).where(
                Identity.platform == platform, Identity.external_id == external_id)
        ).first()
        if person:
            return person
    if configured.email:
        person = session.exec(select(Person).where(Person.email == configured.email)).first()
        if person:
            return person
    return session.exec(select(Person).where(Person.name == configured.name)).first()


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
        for organisation in configured.partners:
            session.add(WGPartner(wg_id=wg.id, organisation=organisation))
        seats = {(code, WGRole.MEMBER) for code in [*configured.members, *configured.chairs]}
        seats |= {(code, WGRole.CHAIR) for code in configured.chairs}
        for code, role in sorted(seats):
            session.add(WGAgency(wg_id=wg.id, agency_id=agencies[code].id, role=role))


def _sync_objectives(session: Session, objectives: dict[int, str]) -> None:
    existing = {o.number: o for o in session.exec(select(Objective)).all()}
    for number, text in objectives.items():
        if number in existing:
            existing[number].text = text
        else:
            session.add(Objective(number=number, text=text))
