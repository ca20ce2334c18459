"""What the meeting and agenda commands share: finding meetings, who may organise them, and
where agenda items go (the next meeting still open for items, else the backlog)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, bindparam, nulls_last
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from handlers.core import Actor, Role, Scope, UserError
from handlers.outbox_kinds import OutboxKind, declare
from handlers.timefmt import show_span
from storage.models import (
    Agency,
    AgendaItem,
    AgendaStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    WGAgency,
    WorkingGroup,
)

KIND_NAMES = {MeetingKind.REGULAR: "regular meeting", MeetingKind.ADHOC: "ad-hoc meeting",
              MeetingKind.WG: "working group meeting"}

def network_or_seated(wg_column: int | None, agency: str) -> ColumnElement[bool]:
    """Meetings or date polls (by their working group column) an agency is asked to: the
    Network's, and those of the working groups it holds a seat in."""
    seats = select(WGAgency.wg_id).join(Agency, col(Agency.id) == WGAgency.agency_id) \
        .where(Agency.code == agency)
    return col(wg_column).is_(None) | col(wg_column).in_(seats)


def group_slugs(scope: Scope, meetings: Sequence[Meeting]) -> dict[int | None, str]:
    """The slug of each working group, by id, for labelling ``meetings`` (no statement when
    none of them is a working group's)."""
    if not any(meeting.wg_id for meeting in meetings):
        return {}
    return dict(scope.session.exec(select(WorkingGroup.id, WorkingGroup.slug)).all())


# A meeting's agenda deadline, queued with the meeting (handlers.agenda publishes it then).
DEADLINE = declare(OutboxKind("agenda.deadline"))


def get_meeting(scope: Scope, meeting_id: int, example: str | None = None) -> Meeting:
    meeting = scope.session.get(Meeting, meeting_id)
    if meeting is None:
        raise UserError(f"There is no meeting #{meeting_id}. Type meeting list to see them.",
                        example)
    return meeting


def wg_slug(scope: Scope, meeting: Meeting) -> str | None:
    if meeting.wg_id is None:
        return None
    group = scope.session.get(WorkingGroup, meeting.wg_id)
    return group.slug if group else None


def may_organise(scope: Scope, actor: Actor, meeting: Meeting) -> bool:
    """The Chair and the Secretariat organise every meeting; a WG's chairs their WG's."""
    if actor.has(Role.CHAIR, Role.SECRETARIAT):
        return True
    slug = wg_slug(scope, meeting)
    return slug is not None and actor.chairs_wg(slug)


def agenda_closing(scope: Scope, starts_at: datetime) -> datetime:
    """When the agenda of a meeting (re)scheduled now to start then closes.

    ``meetings.agenda_deadline`` before the start; for a meeting closer than that, halfway
    from now to the start (on a quarter hour, when one is left before it), so that items can
    still be proposed and the compiled agenda still goes out before the meeting.
    """
    usual = starts_at - scope.config.meetings.agenda_deadline
    if usual > scope.now:
        return usual
    halfway = scope.now + (starts_at - scope.now) / 2
    local = halfway.astimezone(zone(scope))
    quarter = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    return quarter.astimezone(UTC) if quarter > scope.now else halfway


def describe(scope: Scope, meeting: Meeting) -> str:
    """``meeting #3 "Mid-year review" (Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane))``."""
    return f'meeting #{meeting.id} "{meeting.title}" ({when(scope, meeting)})'


def when(scope: Scope, meeting: Meeting) -> str:
    """``Fri 14 Mar 2031, 10:00–12:00 (Asia/Vientiane)``."""
    return show_span(meeting.starts_at, meeting.ends_at, zone(scope))


def zone(scope: Scope) -> ZoneInfo:
    return scope.config.network.zone


def next_open(scope: Scope, wg_id: int | None, after: Meeting | None = None) -> Meeting | None:
    """The earliest scheduled meeting of this family whose agenda deadline has not passed.

    The family is the network's own meetings (regular and ad-hoc, ``wg_id`` None) or one
    working group's meetings.
    """
    params: dict[str, Any] = {"now": scope.now}
    if wg_id is not None:
        params["wg_id"] = wg_id
    query = _NEXT_OPEN[wg_id is None]
    if after is not None:
        query = query.where(Meeting.starts_at > after.starts_at, Meeting.id != after.id)
    return scope.session.exec(query, params=params).first()


def _next_open(network: bool) -> SelectOfScalar[Meeting]:
    query = select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED, Meeting.agenda_closes_at > bindparam("now"),
    ).order_by(Meeting.starts_at, Meeting.id)  # type: ignore[arg-type]
    family = col(Meeting.wg_id)
    return query.where(family.is_(None) if network else family == bindparam("wg_id"))


# Built once (agenda add and the meeting commands look for the next meeting every time).
_NEXT_OPEN = {network: _next_open(network) for network in (False, True)}


def move_items(scope: Scope, items: list[AgendaItem], meeting: Meeting | None) -> None:
    """Append items, in their order, to a meeting's agenda (or the backlog), closing the gaps
    they leave where they were.

    A deferred item that moves is proposed again where it arrives.
    """
    target = meeting.id if meeting else None
    sources = {item.meeting_id for item in items} - {target}
    for item in items:
        item.meeting_id, item.position = target, None
        if item.status == AgendaStatus.DEFERRED:
            item.status = AgendaStatus.PROPOSED
        scope.session.add(item)
    scope.session.flush()
    moved = {item.id for item in items}
    staying = [item for item in open_items(scope, target) if item.id not in moved]
    number_items(scope, staying + items)
    for source in sources:
        number_items(scope, open_items(scope, source))


def take_off(scope: Scope, item: AgendaItem) -> None:
    """Take a withdrawn item off its agenda: it loses its place, and the items after it move
    up one."""
    item.position = None
    scope.session.add(item)
    scope.session.flush()
    number_items(scope, open_items(scope, item.meeting_id))


def number_items(scope: Scope, items: list[AgendaItem]) -> None:
    """Number the items of one agenda 1..n in the order given (all of them that are on it).

    Positions are unique at every step (``storage.models.AgendaItem``), so the items that
    move are first taken off their places, then put on their new ones.
    """
    moving = [(number, item) for number, item in enumerate(items, start=1)
              if item.position != number]
    for _, item in moving:
        item.position = None
        scope.session.add(item)
    scope.session.flush()
    for number, item in moving:
        item.position = number
    scope.session.flush()


def _of_meeting(meeting_id: int | None) -> ColumnElement[bool]:
    column = col(AgendaItem.meeting_id)
    return column.is_(None) if meeting_id is None else column == meeting_id


def open_items(scope: Scope, meeting_id: int | None) -> list[AgendaItem]:
    """The items on a meeting's agenda (or the backlog's), not withdrawn, in order."""
    return list(scope.session.exec(
        select(AgendaItem)
        .where(_of_meeting(meeting_id), AgendaItem.status != AgendaStatus.WITHDRAWN)
        .order_by(*AGENDA_ORDER)
    ).all())


# Placed items by place; one just taken off its place (in the middle of a move) after them.
AGENDA_ORDER = (nulls_last(col(AgendaItem.position)), col(AgendaItem.id))


def carry_over(scope: Scope, wg_id: int | None) -> dict[int, int]:
    """Bring waiting items onto the family's next meetings open for items.

    The backlog joins the network's next open meeting; an item deferred on a meeting rolls to
    the next open meeting after it (any next one if that meeting was cancelled) and is
    proposed there again. Returns how many items joined
    each meeting.
    """
    joined: dict[int, int] = {}
    target = next_open(scope, None) if wg_id is None else None
    if target is not None:
        backlog = open_items(scope, None)
        move_items(scope, backlog, target)
        joined[target.id or 0] = len(backlog)
    deferred = scope.session.exec(
        select(AgendaItem, Meeting).join(Meeting, col(Meeting.id) == AgendaItem.meeting_id)
        .where(AgendaItem.status == AgendaStatus.DEFERRED,
               col(Meeting.wg_id).is_(None) if wg_id is None else Meeting.wg_id == wg_id)
        .order_by(Meeting.starts_at, *AGENDA_ORDER)  # type: ignore[arg-type]
    ).all()
    for item, meeting in deferred:
        cancelled = meeting.status == MeetingStatus.CANCELLED
        later = next_open(scope, wg_id, after=None if cancelled else meeting)
        if later is not None:
            move_items(scope, [item], later)
            joined[later.id or 0] = joined.get(later.id or 0, 0) + 1
    return joined
