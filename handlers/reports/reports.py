"""The annual report: ``report [year]`` (or a span of years, ``report 2030-2031``), gathered
with a handful of aggregate queries.

Agenda items count towards the GCM objectives they are tagged with; a meeting's decisions count
towards the objectives of the items on that meeting's agenda (a withdrawn item was not on it;
poll decisions have no objective). Meetings count as held when they were not cancelled and have
started. Days to minutes are calendar days in the network's zone, from the day of the meeting
to the day of its first minutes. An agency attended a meeting when the meeting's latest
minutes list it under #attendees; attendance counts the Network's own meetings (regular and
ad-hoc) held while the agency was a member.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, Text, and_, cast, null, union_all
from sqlmodel import Session, col, func, select

from handlers.core import Context, Reply, Scope, UserError
from handlers.period import read_years, year_bounds
from handlers.record_years import first_year
from handlers.records.minutes_markers import Marker, parse_markers, split_codes
from handlers.registry import command
from handlers.reports.report_data import (
    ActionLine,
    AttendanceLine,
    DecisionLine,
    MinutesLine,
    ObjectiveLine,
    ReportData,
)
from handlers.reports.report_files import report_files, span_files
from handlers.reports.report_span import SpanReport, combined
from storage.models import (
    ActionItem,
    ActionStatus,
    Agency,
    AgendaItem,
    AgendaItemObjective,
    AgendaStatus,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
    Objective,
    Poll,
)
from templates import render

EXAMPLE = "report 2031"


@command(
    "report",
    reads_only=True,
    summary="The year's report: meetings, objectives, decisions, polls, actions, minutes",
    usage="report [year | first-last]",
    example=EXAMPLE,
    detail="Without a year, the current one. With two years, e.g. report 2030-2031 (up to "
           "10), each year's figures side by side and their totals. Comes with files: a "
           "Markdown report, CSV exports of decisions and action items (and, for a span, of "
           "the figures), and a bar chart of activity per GCM objective.",
)
def report(ctx: Context, args: str) -> Reply:
    years = read_years(args, now=ctx.now, zone=ctx.config.network.zone, command="report",
                       first=lambda: first_year(ctx))
    if len(years) == 1:
        data = gather(ctx, years[0])
        return Reply(title=f"{data.network}: report {data.year}",
                     text=render("report.txt.j2", r=data), files=report_files(data))
    per_year = [gather(ctx, year) for year in years]
    span = SpanReport(per_year, combined(per_year))
    return Reply(title=f"{span.total.network}: report {span.label}",
                 text=render("report_span.txt.j2", s=span, r=span.total),
                 files=span_files(span))


def gather(scope: Scope, year: int) -> ReportData:
    zone = scope.config.network.zone
    start, end = year_bounds(year, zone)
    held = (Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at >= start,
            Meeting.starts_at < end, Meeting.starts_at <= scope.now)
    session = scope.session

    def day(moment: datetime | None) -> date | None:
        return moment.astimezone(zone).date() if moment else None

    data = ReportData(
        network=scope.config.network.name, year=year,
        generated_on=scope.now.astimezone(zone).date(),
        target_per_year=scope.config.meetings.per_year,
        minutes_due_days=scope.config.meetings.minutes_due.days, zone=zone.key,
    )
    data.meetings = {kind: count for kind, count in session.exec(
        select(Meeting.kind, func.count()).where(*held).group_by(Meeting.kind)).all()}

    in_year = (Decision.superseded.is_(False),  # type: ignore[attr-defined]
               Decision.decided_at >= start, Decision.decided_at < end)
    agenda, decided = _objective_counts(session, held, in_year)
    data.objectives = [
        ObjectiveLine(o.number, o.text, agenda.get(o.number, 0), decided.get(o.number, 0))
        for o in session.exec(select(Objective).order_by(col(Objective.number))).all()]

    # Columns rather than whole rows: a year holds hundreds of decisions and action items.
    data.decisions = [
        DecisionLine(number, decided_at.astimezone(zone).date(), text, meeting_id, poll_id,
                     f"poll #{poll_id}: {question}" if poll_id
                     else f"meeting #{meeting_id}: {title}")
        for number, decided_at, text, meeting_id, poll_id, title, question in session.exec(
            select(Decision.id, Decision.decided_at, Decision.text,  # type: ignore[call-overload]
                   Decision.meeting_id, Decision.poll_id, Meeting.title, Poll.question)
            .join(Meeting, Meeting.id == Decision.meeting_id, isouter=True)
            .join(Poll, Poll.id == Decision.poll_id, isouter=True)
            .where(*in_year).order_by(Decision.decided_at, Decision.id)).all()]

    data.polls = {outcome: count for outcome, count in session.exec(
        select(func.coalesce(Poll.outcome, Poll.status), func.count())
        .where(Poll.opened_at >= start, Poll.opened_at < end)
        .group_by(func.coalesce(Poll.outcome, Poll.status))).all()}

    data.actions = [
        ActionLine(number, code, task, meeting_id, day(due_at), status, day(done_at),
                   status == ActionStatus.OPEN and due_at is not None and due_at < scope.now)
        for number, code, task, meeting_id, due_at, status, done_at in session.exec(
            select(ActionItem.id, Agency.code, ActionItem.task,  # type: ignore[call-overload]
                   ActionItem.meeting_id, ActionItem.due_at, ActionItem.status, ActionItem.done_at)
            .join(Agency, Agency.id == ActionItem.agency_id)
            .join(Meeting, Meeting.id == ActionItem.meeting_id)
            .where(*held, ActionItem.status != ActionStatus.SUPERSEDED)
            .order_by(ActionItem.id)).all()]

    data.minutes = [
        MinutesLine(meeting_id or 0, title, starts_at.astimezone(zone).date(), day(first))
        for meeting_id, title, starts_at, first in session.exec(
            select(Meeting.id, Meeting.title, Meeting.starts_at, func.min(Minutes.posted_at))
            .join(Minutes, col(Minutes.meeting_id) == Meeting.id, isouter=True)
            .where(*held).group_by(col(Meeting.id), col(Meeting.title), col(Meeting.starts_at))
            .order_by(col(Meeting.starts_at))).all()]
    data.attendance, data.without_minutes = _attendance(session, held, start, end)
    return data


def _attendance(session: Session, held: tuple[Any, ...], start: datetime,
                end: datetime) -> tuple[list[AttendanceLine], int]:
    """Per agency that was a member in the year: the Network's meetings held while it was a
    member that their latest minutes list it under #attendees, of those meetings; and how
    many of the meetings have no minutes. One statement: the agencies (code, joined, left),
    then the meetings (start, latest minutes' text, if any)."""
    latest = select(Minutes.meeting_id, func.max(Minutes.version).label("version")) \
        .group_by(col(Minutes.meeting_id)).subquery()
    agencies = select(Agency.code, Agency.joined_at, Agency.left_at,
                      cast(null(), Text).label("body")).where(
        Agency.joined_at < end, col(Agency.left_at).is_(None) | (col(Agency.left_at) >= start))
    meetings = select(cast(null(), String), Meeting.starts_at, Meeting.starts_at, Minutes.body) \
        .select_from(Meeting) \
        .join(latest, latest.c.meeting_id == Meeting.id, isouter=True) \
        .join(Minutes, and_(col(Minutes.meeting_id) == Meeting.id,
                            col(Minutes.version) == latest.c.version), isouter=True) \
        .where(*held, col(Meeting.kind).in_([MeetingKind.REGULAR, MeetingKind.ADHOC]))
    rows: Sequence[Any] = session.connection().execute(
        union_all(agencies, meetings)).all()
    members = [(code, joined, left) for code, joined, left, _ in rows if code is not None]
    held_at = [(at, _attendees(body)) for code, at, _, body in rows if code is None]
    lines = []
    for code, joined, left in members:
        during = [came for at, came in held_at if joined <= at and (left is None or at < left)]
        lines.append(AttendanceLine(code, sum(1 for came in during if came and code in came),
                                    len(during)))
    return lines, sum(1 for _, came in held_at if came is None)


def _attendees(body: str | None) -> set[str] | None:
    """The agencies a minutes text lists under #attendees (None: no minutes)."""
    if body is None:
        return None
    try:
        entries = parse_markers(body)
    except UserError:  # a stored text was read when it was posted: never expected here
        return set()
    return {code for e in entries if e.marker is Marker.ATTENDEES for code in split_codes(e.text)}


def _objective_counts(
    session: Session, held: tuple[Any, ...], in_year: tuple[Any, ...]
) -> tuple[Counter[int], Counter[int]]:
    """Per GCM objective: the items on the agendas of the meetings held, and the decisions of
    the meetings whose agenda has an item that carries the objective (a withdrawn item was
    taken off the agenda: neither it nor the meeting's decisions count towards its tags).

    One pass over the tags of the meetings concerned, counted per meeting and objective, then
    summed here: a year's meetings hold tens of thousands of tagged items, and reading them
    once instead of once per sum (or once per decision) is what keeps the report fast.
    """
    held_ids = set(session.exec(select(Meeting.id).where(*held)).all())
    decisions = dict(session.exec(
        select(Decision.meeting_id, func.count()).where(*in_year)
        .group_by(col(Decision.meeting_id))).all())
    tagged = session.exec(
        select(AgendaItem.meeting_id, AgendaItemObjective.objective_number, func.count())
        .join(AgendaItem, col(AgendaItem.id) == AgendaItemObjective.item_id)
        .where(col(AgendaItem.meeting_id).in_(held_ids | set(decisions) - {None}),
               AgendaItem.status != AgendaStatus.WITHDRAWN)
        .group_by(col(AgendaItem.meeting_id), col(AgendaItemObjective.objective_number))).all()
    agenda: Counter[int] = Counter()
    decided: Counter[int] = Counter()
    for meeting_id, number, items in tagged:
        if meeting_id in held_ids:
            agenda[number] += items  # each (item, objective) tag is unique
        decided[number] += decisions.get(meeting_id, 0)
    return agenda, decided
