"""A report over a span of years (``report 2030-2031``): each year's figures side by side with
their totals, for the Secretary-General's biennial reporting that the ToR names.

The totals are the span's own figures, taken from the years' lines (not sums of averages): the
average days to minutes is over every meeting of the span, and the regular meetings planned
are a year's target times the years.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial

from handlers.reports.report_data import AttendanceLine, ObjectiveLine, ReportData

Value = int | float | str  # "" where a year has no figure (no minutes, no average)
HELD, OBJECTIVE_ITEMS, OBJECTIVE_DECISIONS, ATTENDANCE, DECISIONS, POLLS, ACTIONS, MINUTES = \
    SECTIONS = ("Meetings held", "Agenda items per GCM objective", "Decisions per GCM objective",
                "Attendance", "Decisions", "Polls", "Action items", "Minutes")


@dataclass(frozen=True)
class Figure:
    """One figure of the report: its values for each year of the span, then the total."""

    section: str
    label: str
    values: tuple[Value, ...]
    objective: int | None = None  # the GCM objective it counts, for the per-objective ones

    @property
    def shown(self) -> str:
        """The values as a line of chat text: ``0 | 2 | 2``, a dash where there is none."""
        return " | ".join(str(value) if value != "" else "–" for value in self.values)


@dataclass(frozen=True)
class SpanReport:
    years: list[ReportData]
    total: ReportData

    @property
    def label(self) -> str:
        return f"{self.years[0].year}-{self.years[-1].year}"

    @cached_property
    def figures(self) -> list[Figure]:
        return span_figures(self)

    @property
    def sections(self) -> list[tuple[str, list[Figure]]]:
        """The figures by section, in order (a section may have none: Polls, when none)."""
        sections: dict[str, list[Figure]] = {name: [] for name in SECTIONS}
        for figure in self.figures:
            sections[figure.section].append(figure)
        return list(sections.items())

    @property
    def worked_on(self) -> list[tuple[int, Figure, Figure]]:
        """The GCM objectives with agenda items or decisions in the span: each with its
        agenda items' figure and its decisions' figure."""
        items = [f for f in self.figures if f.section == OBJECTIVE_ITEMS]
        decided = [f for f in self.figures if f.section == OBJECTIVE_DECISIONS]
        return [(i.objective or 0, i, d) for i, d in zip(items, decided, strict=True)
                if i.values[-1] or d.values[-1]]


def combined(years: list[ReportData]) -> ReportData:
    """The span as one report: meetings, decisions, polls, action items and minutes of all its
    years (the first year's number and settings)."""
    first = years[0]
    return ReportData(
        network=first.network, year=first.year, generated_on=first.generated_on,
        target_per_year=first.target_per_year, minutes_due_days=first.minutes_due_days,
        zone=first.zone,
        meetings=dict(sum((Counter(y.meetings) for y in years), Counter[str]())),
        objectives=[ObjectiveLine(line.number, line.text,
                                  sum(y.objectives[n].agenda_items for y in years),
                                  sum(y.objectives[n].decisions for y in years))
                    for n, line in enumerate(first.objectives)],
        decisions=[d for y in years for d in y.decisions],
        polls=dict(sum((Counter(y.polls) for y in years), Counter[str]())),
        actions=[a for y in years for a in y.actions],
        minutes=[m for y in years for m in y.minutes],
        attendance=_attendance_over(years),
        without_minutes=sum(y.without_minutes for y in years),
    )


def _attendance_over(years: list[ReportData]) -> list[AttendanceLine]:
    """Each agency that was a member in some year of the span (in order of first appearance):
    the meetings it attended and those held while it was a member, over the span."""
    attended: Counter[str] = Counter()
    held: Counter[str] = Counter()
    for year in years:
        for line in year.attendance:
            attended[line.agency] += line.attended
            held[line.agency] += line.held
    return [AttendanceLine(code, attended[code], held[code]) for code in held]


def span_figures(span: SpanReport) -> list[Figure]:
    """Every figure of the span, in the report's order, section by section."""
    figures: list[Figure] = []

    def add(section: str, label: str, value: Callable[[ReportData], Value],
            total: Value | None = None, objective: int | None = None) -> None:
        values = [value(year) for year in span.years]
        figures.append(Figure(section, label, (*values, value(span.total) if total is None
                                               else total), objective))

    add(HELD, "regular", lambda r: r.regular_held)
    add(HELD, "regular planned", lambda r: r.target_per_year,
        total=span.total.target_per_year * len(span.years))
    add(HELD, "ad-hoc", lambda r: r.meetings.get("adhoc", 0))
    add(HELD, "working group", lambda r: r.meetings.get("wg", 0))
    for section, count in ((OBJECTIVE_ITEMS, "agenda_items"), (OBJECTIVE_DECISIONS, "decisions")):
        for n, line in enumerate(span.total.objectives):
            add(section, f"{line.number}. {line.text}", partial(_objective_count, n, count),
                objective=line.number)
    for member in span.total.attendance:
        add(ATTENDANCE, member.agency, partial(_attended, member.agency))
    add(DECISIONS, "recorded", lambda r: len(r.decisions))
    for outcome in sorted(span.total.polls):
        add(POLLS, outcome, partial(_poll_count, outcome))
    for status in ("done", "open", "overdue"):
        add(ACTIONS, status, partial(_action_count, status))
    add(MINUTES, "meetings held", lambda r: len(r.minutes))
    add(MINUTES, f"first minutes within {span.total.minutes_due_days} days",
        lambda r: r.minutes_on_time)
    add(MINUTES, "still missing", lambda r: r.minutes_missing)
    add(MINUTES, "average days to first minutes",
        lambda r: "" if r.average_minutes_days is None else r.average_minutes_days)
    return figures


def _objective_count(n: int, count: str, report: ReportData) -> int:
    """A year's agenda items or decisions (``count``, by name) of its n-th objective."""
    return int(getattr(report.objectives[n], count))


def _attended(agency: str, report: ReportData) -> str:
    """An agency's attendance in a year or the span, "2 of 3" ("" when it was not a member)."""
    line = next((a for a in report.attendance if a.agency == agency), None)
    return "" if line is None else f"{line.attended} of {line.held}"


def _poll_count(outcome: str, report: ReportData) -> int:
    return report.polls.get(outcome, 0)


def _action_count(status: str, report: ReportData) -> int:
    return report.action_counts[status]
