"""What a report is made of: a year's figures and lines, as ``gather`` reads them."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from storage.models import MeetingKind


@dataclass(frozen=True)
class ObjectiveLine:
    number: int
    text: str
    agenda_items: int
    decisions: int

    @property
    def activity(self) -> int:
        return self.agenda_items + self.decisions


@dataclass(frozen=True)
class DecisionLine:
    number: int
    decided_on: date
    text: str
    meeting: int | None
    poll: int | None
    source: str


@dataclass(frozen=True)
class ActionLine:
    number: int
    agency: str
    task: str
    meeting: int | None
    due_on: date | None
    status: str
    done_on: date | None
    overdue: bool


@dataclass(frozen=True)
class AttendanceLine:
    """An agency's attendance: the Network's meetings (regular and ad-hoc) held in the year
    that its latest minutes list it under #attendees, of those held while it was a member."""

    agency: str
    attended: int
    held: int


@dataclass(frozen=True)
class MinutesLine:
    meeting: int
    title: str
    held_on: date
    first_posted_on: date | None

    @property
    def days(self) -> int | None:
        """Calendar days from the meeting to its first minutes (both days in the network's
        zone): 23:30 on 20 Feb to 00:30 on 25 Feb is 5, although 4 days and an hour passed."""
        return (self.first_posted_on - self.held_on).days if self.first_posted_on else None


@dataclass
class ReportData:
    network: str
    year: int
    generated_on: date
    target_per_year: int
    minutes_due_days: int
    zone: str  # the network's, in which days are counted
    meetings: dict[str, int] = field(default_factory=dict)
    objectives: list[ObjectiveLine] = field(default_factory=list)
    decisions: list[DecisionLine] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=dict)
    actions: list[ActionLine] = field(default_factory=list)
    minutes: list[MinutesLine] = field(default_factory=list)
    attendance: list[AttendanceLine] = field(default_factory=list)
    without_minutes: int = 0  # network meetings held whose attendance no minutes record

    @property
    def regular_held(self) -> int:
        return self.meetings.get(MeetingKind.REGULAR, 0)

    @property
    def action_counts(self) -> dict[str, int]:
        counts = Counter("overdue" if a.overdue else a.status for a in self.actions)
        return {key: counts.get(key, 0) for key in ("done", "open", "overdue")}

    @property
    def minutes_on_time(self) -> int:
        return sum(1 for m in self.minutes if m.days is not None
                   and m.days <= self.minutes_due_days)

    @property
    def minutes_missing(self) -> int:
        return sum(1 for m in self.minutes if m.days is None)

    @property
    def average_minutes_days(self) -> float | None:
        days = [m.days for m in self.minutes if m.days is not None]
        return round(sum(days) / len(days), 1) if days else None
