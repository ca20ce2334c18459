"""Who an outbox row goes to on one platform: the network channel, or people's chat ids."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from handlers.people import SHELL
from storage.models import Identity, Person


def platform_ids(session: Session, platform: str, person_ids: Sequence[int]) -> tuple[str, ...]:
    """The active people's ids on ``platform`` (the shell knows people by their person id)."""
    if not person_ids:
        return ()
    if platform == SHELL:
        found = session.exec(select(Person.id).where(
            col(Person.id).in_(person_ids), col(Person.active))
            .order_by(col(Person.id))).all()
        return tuple(str(i) for i in found)
    return tuple(session.exec(
        select(Identity.external_id).join(Person, col(Person.id) == col(Identity.person_id)).where(
            Identity.platform == platform,
            col(Identity.person_id).in_(person_ids),
            Person.active,
        ).order_by(col(Identity.person_id))
    ).all())
