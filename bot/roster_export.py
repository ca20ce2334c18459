"""``network-bot roster export``: the roster as the database holds it, in app.yaml's schema.

app.yaml seeds a deployment; afterwards the database is the truth. Exporting lets the
Secretariat keep the current roster under version control and seed the next deployment.
"""

from typing import Any

import yaml
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.config import parse_config
from settings.schema import AppConfig
from storage.models import (
    Agency,
    Identity,
    Partner,
    Person,
    WGAgency,
    WGPartner,
    WGRole,
    WorkingGroup,
)


def export_roster(engine: Engine, config: AppConfig) -> str:
    """The current roster as YAML, checked to load back as a valid app.yaml."""
    with Session(engine) as session:
        data = config.model_dump(mode="json", exclude_none=True)
        data["objectives"] = {int(number): text for number, text in data["objectives"].items()}
        agencies = session.exec(select(Agency).where(Agency.active).order_by(col(Agency.id))).all()
        codes = {a.id: a.code for a in agencies}
        data["agencies"] = [{"code": a.code, "name": a.name} for a in agencies]
        data["people"] = [_person(session, p, codes) for p in session.exec(
            select(Person).where(Person.active).order_by(col(Person.id))).all()
            if p.partner_org or p.agency_id in codes]
        data["partners"] = list(session.exec(
            select(Partner.organisation).order_by(Partner.organisation)).all())
        data["working_groups"] = [_working_group(session, wg, codes) for wg in session.exec(
            select(WorkingGroup).where(WorkingGroup.active).order_by(col(WorkingGroup.id))).all()]
    parse_config(data, "roster export")
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return text


def _person(session: Session, person: Person, codes: dict[int | None, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": person.name}
    if person.partner_org:
        entry["partner"] = person.partner_org
    else:
        entry["agency"] = codes[person.agency_id]
    for identity in session.exec(select(Identity).where(Identity.person_id == person.id)):
        entry[identity.platform] = identity.external_id
    if person.email:
        entry["email"] = person.email
    return entry


def _working_group(
    session: Session, wg: WorkingGroup, codes: dict[int | None, str]
) -> dict[str, Any]:
    seats = session.exec(select(WGAgency).where(WGAgency.wg_id == wg.id)).all()
    entry: dict[str, Any] = {"slug": wg.slug, "name": wg.name}
    if wg.mandate:
        entry["mandate"] = wg.mandate
    entry["chairs"] = [codes[s.agency_id] for s in seats
                       if s.role == WGRole.CHAIR and s.agency_id in codes]
    entry["members"] = [codes[s.agency_id] for s in seats
                        if s.role == WGRole.MEMBER and s.agency_id in codes]
    entry["partners"] = list(session.exec(
        select(WGPartner.organisation).where(WGPartner.wg_id == wg.id)).all())
    return entry
