"""Who is speaking: a platform identity resolved to a person, their agency and roles."""

from sqlmodel import Session, col, func, select

from bot.config import AppConfig
from handlers.core import Actor, Role, Scope, Speaker
from storage.models import Agency, Identity, Person, WGAgency, WGPartner, WGRole, WorkingGroup

SHELL = "shell"


def find_person(session: Session, speaker: Speaker) -> Person | None:
    """The active person behind a platform identity, or by e-mail when the platform gives one."""
    if speaker.platform == SHELL:
        person = session.get(Person, int(speaker.external_id)) if speaker.external_id.isdigit() \
            else None
    else:
        person = session.exec(
            select(Person).join(Identity, Identity.person_id == Person.id).where(
                Identity.platform == speaker.platform,
                Identity.external_id == speaker.external_id,
            )
        ).first()
        if person is None and speaker.email:
            person = session.exec(
                select(Person).where(func.lower(Person.email) == speaker.email.lower())
            ).first()
    return person if person is not None and person.active else None


def resolve_actor(session: Session, config: AppConfig, speaker: Speaker) -> Actor:
    person = find_person(session, speaker)
    if person is None:
        return Actor(speaker=speaker, name=speaker.display_name or speaker.external_id)
    if person.partner_org:
        return _partner_actor(session, speaker, person)
    agency = session.get(Agency, person.agency_id) if person.agency_id else None
    if agency is None or not agency.active:
        return Actor(speaker=speaker, name=person.name)
    roles = {Role.MEMBER}
    if agency.code == config.network.chair:
        roles.add(Role.CHAIR)
    if agency.code == config.network.secretariat:
        roles.add(Role.SECRETARIAT)
    chaired = frozenset(session.exec(
        select(WorkingGroup.slug).join(WGAgency, WGAgency.wg_id == WorkingGroup.id).where(
            WGAgency.agency_id == agency.id,
            WGAgency.role == WGRole.CHAIR,
            WorkingGroup.active,
        )
    ).all())
    return Actor(speaker=speaker, person_id=person.id, name=person.name, agency=agency.code,
                 roles=frozenset(roles), wg_chairs=chaired)


def _partner_actor(session: Session, speaker: Speaker, person: Person) -> Actor:
    groups = frozenset(session.exec(
        select(WorkingGroup.slug).join(WGPartner, WGPartner.wg_id == WorkingGroup.id).where(
            WGPartner.organisation == person.partner_org, WorkingGroup.active)
    ).all())
    return Actor(speaker=speaker, person_id=person.id, name=person.name,
                 partner=person.partner_org, partner_wgs=groups)


def people_of(scope: Scope, *agency_codes: str) -> list[int]:
    """The active people of these agencies (e.g. the Chair's and the Secretariat's)."""
    ids = scope.session.exec(
        select(Person.id).join(Agency, Agency.id == Person.agency_id)
        .where(col(Agency.code).in_(agency_codes), Person.active).order_by(Person.id)
    ).all()
    return [i for i in ids if i is not None]


def shell_speaker(session: Session, wanted: str) -> Speaker:
    """A shell speaker by agency code (its first focal point) or by a person's name.

    Anyone else becomes a guest who is not on the roster, which is how the shell lets you try
    what an outsider sees.
    """
    person = session.exec(
        select(Person).join(Agency, Agency.id == Person.agency_id)
        .where(Agency.code == wanted.upper(), Person.active).order_by(Person.id)
    ).first() or session.exec(
        select(Person).where(func.lower(Person.name) == wanted.lower(), Person.active)
    ).first()
    if person is None:
        return Speaker(platform=SHELL, external_id=f"guest:{wanted}", display_name=wanted)
    return Speaker(platform=SHELL, external_id=str(person.id), display_name=person.name)
