"""The annual report: ``report [year]`` (or a span of years, ``report 2030-2031``), gathered
with a handful of aggregate queries.

Agenda items count towards the GCM objectives they are tagged with; a meeting's decisions count
towards the objectives of the items on that meeting's agenda (a withdrawn item was not on it;
poll decisions have no objective). Meetings count as held when they were not cancelled and have
started. Days to minutes are calendar days in the network's zone, from the day of the meeting
to the day of its first minutes.
"""

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from handlers.core import Context, Reply, Scope
from handlers.period import read_years, year_bounds
from handlers.record_years import first_year
from handlers.registry import command
from handlers.reports.report_data import (
    ActionLine,
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
    return data


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
