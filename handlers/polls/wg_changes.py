"""Applying a working-group change the network adopted by consensus to the registry.

The proposal is checked again first (``proposals.describe``), so a change that no longer
fits the registry (say, its short name was taken meanwhile) is refused rather than forced.
"""

from datetime import datetime

from sqlmodel import Session, col, delete, select

from handlers.polls.proposals import Params, active_wg, agencies_named, describe, seats
from handlers.wording import plural
from storage.models import Agency, WGAgency, WGPartner, WGRole, WorkingGroup


def apply_change(session: Session, kind: str, params: Params, now: datetime) -> str:
    """Apply an adopted ``wg.*`` change; returns what changed, in words."""
    describe(session, kind, params)
    sub = kind.removeprefix("wg.")
    if sub == "create":
        wg = _create(session, params["slug"], params["name"], params.get("mandate"), now)
        return (f"The working group \"{wg.name}\" ({wg.slug}) is created. The Chair or the "
                f"Secretariat proposes its chairs and members next (poll wg chairs {wg.slug}, "
                f"poll wg members {wg.slug}).")
    wg = active_wg(session, params["slug"], "wg")
    if sub == "dissolve":
        _dissolve(wg, now)
        return f"The working group \"{wg.name}\" ({wg.slug}) is dissolved."
    if sub == "replace":
        _dissolve(wg, now)
        new = _create(session, params["new_slug"], params["name"], params.get("mandate"), now)
        for role in (WGRole.MEMBER, WGRole.CHAIR):
            _seat(session, new, seats(session, wg, role), role)
        assert new.id is not None
        for partner in session.exec(select(WGPartner).where(WGPartner.wg_id == wg.id)).all():
            session.add(WGPartner(wg_id=new.id, organisation=partner.organisation))
        return (f"The working group \"{wg.name}\" ({wg.slug}) is dissolved and replaced by "
                f"\"{new.name}\" ({new.slug}).")
    if sub == "rename":
        old, wg.name = wg.name, params["name"]
        return f"The working group \"{old}\" ({wg.slug}) is now called \"{wg.name}\"."
    if sub == "chairs":
        session.exec(delete(WGAgency).where(
            col(WGAgency.wg_id) == wg.id, col(WGAgency.role) == WGRole.CHAIR))
        members = seats(session, wg, WGRole.MEMBER)
        _seat(session, wg, [c for c in params["chairs"] if c not in members], WGRole.MEMBER)
        _seat(session, wg, params["chairs"], WGRole.CHAIR)
        chairs = params["chairs"]
        verb = plural(len(chairs), "chairs", "chair")  # ILO chairs, ILO, WHO chair
        return f"{', '.join(chairs)} now {verb} \"{wg.name}\" ({wg.slug})."
    _seat(session, wg, params["add"], WGRole.MEMBER)
    leaving = [a.id for a in agencies_named(session, params["remove"], "wg")]
    session.exec(delete(WGAgency).where(
        col(WGAgency.wg_id) == wg.id, col(WGAgency.role) == WGRole.MEMBER,
        col(WGAgency.agency_id).in_(leaving)))
    session.flush()
    return (f"The members of \"{wg.name}\" ({wg.slug}) are now "
            f"{', '.join(seats(session, wg, WGRole.MEMBER)) or 'none'}.")


def _create(
    session: Session, slug: str, name: str, mandate: str | None, now: datetime
) -> WorkingGroup:
    wg = WorkingGroup(slug=slug, name=name, mandate=mandate, created_at=now)
    session.add(wg)
    session.flush()
    return wg


def _dissolve(wg: WorkingGroup, now: datetime) -> None:
    wg.active = False
    wg.dissolved_at = now


def _seat(session: Session, wg: WorkingGroup, codes: list[str], role: WGRole) -> None:
    """Seat the active agencies among ``codes`` (one that left the network is not seated)."""
    assert wg.id is not None
    for agency in session.exec(select(Agency).where(Agency.active,
                                                    col(Agency.code).in_(codes))).all():
        assert agency.id is not None
        session.add(WGAgency(wg_id=wg.id, agency_id=agency.id, role=role))
    session.flush()

