"""The twice-yearly rhythm: ``meeting plan`` and the check two months before a half-year ends.

A ``meetings.plan_check`` outbox row is a job due two months before the end of each half-year
(1 May and 1 November, 09:00 in the network's zone). If no regular meeting is scheduled in that
half-year it nudges the Chair and the Secretariat, then it makes sure the next check exists.
A check that runs late, after its half-year ended (the bot was down), cannot ask for a meeting
any more: it tells them, for the record, that none was held.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from handlers.core import Context, Reply, Scope, bold
from handlers.jobs import job
from handlers.meetings.meeting_common import when, zone
from handlers.meetings.meeting_notes import WEEKEND
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.people import people_of
from handlers.period import read_year
from handlers.record_years import first_year
from handlers.registry import command
from handlers.timefmt import show_date
from settings.schema import AppConfig
from storage.audience import Audience
from storage.models import Meeting, MeetingKind, MeetingStatus, Outbox
from templates import render

CHECK = declare(OutboxKind("meetings.plan_check"))
NUDGE = declare(OutboxKind("meetings.plan_nudge"))
NOTE = declare(OutboxKind("meetings.plan_note"))  # the check ran after its half-year had ended
CHECK_HOUR = 9


@dataclass(frozen=True)
class HalfYear:
    year: int
    half: int  # 1: January to June, 2: July to December

    @classmethod
    def of(cls, moment: datetime, scope: Scope) -> "HalfYear":
        local = moment.astimezone(zone(scope))
        return cls(local.year, 1 if local.month <= 6 else 2)

    @property
    def name(self) -> str:
        return f"{'January to June' if self.half == 1 else 'July to December'} {self.year}"

    def start(self, scope: Scope) -> datetime:
        return datetime(self.year, 1 if self.half == 1 else 7, 1, tzinfo=zone(scope))

    def end(self, scope: Scope) -> datetime:
        """The first moment after it (for queries)."""
        return self.following.start(scope)

    def last_day(self, scope: Scope) -> str:
        """``30 Jun 2031`` or ``31 Dec 2031``."""
        return show_date(self.end(scope) - timedelta(days=1), zone(scope))

    def check_at(self, scope: Scope) -> datetime:
        """Two months before the end: 1 May or 1 November, 09:00 local."""
        return datetime(self.year, 5 if self.half == 1 else 11, 1, CHECK_HOUR,
                        tzinfo=zone(scope))

    @property
    def following(self) -> "HalfYear":
        return HalfYear(self.year, 2) if self.half == 1 else HalfYear(self.year + 1, 1)


def regular_meetings(scope: Scope, half: HalfYear) -> list[Meeting]:
    return list(scope.session.exec(
        select(Meeting).where(
            Meeting.kind == MeetingKind.REGULAR, Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at >= half.start(scope), Meeting.starts_at < half.end(scope),
        ).order_by(Meeting.starts_at)  # type: ignore[arg-type]
    ).all())


def ensure_plan_checks(session: Session, config: AppConfig, now: datetime) -> Outbox:
    """Make sure the next twice-yearly check is queued (idempotent); returns its row."""
    scope = Scope(session, config, now)
    half = HalfYear.of(now, scope)
    if half.check_at(scope) <= now:
        half = half.following
    return _ensure_check(scope, half)


def _ensure_check(scope: Scope, half: HalfYear) -> Outbox:
    due = half.check_at(scope)
    existing = scope.session.exec(
        select(Outbox).where(Outbox.kind == CHECK.name, Outbox.due_at == due)).first()
    if existing is not None:
        return existing
    return queue(scope, CHECK, Reply(text=f"Check the meeting plan for {half.name}."),
                 due_at=due)


@job(CHECK)
def plan_check(scope: Scope, row: Outbox) -> None:
    half = HalfYear.of(row.due_at, scope)
    if not regular_meetings(scope, half):
        config = scope.config
        values = {"half": half.name, "network": config.network.name,
                  "per_year": config.meetings.per_year, "ends": half.last_day(scope)}
        audience = Audience.of_people(people_of(scope, config.network.chair,
                                                config.network.secretariat))
        if scope.now >= half.end(scope):
            queue(scope, NOTE, Reply(text=render(
                "plan_note.j2", due=show_date(row.due_at, zone(scope)),
                ran=show_date(scope.now, zone(scope)), year=half.year, **values)),
                audience=audience)
        else:
            queue(scope, NUDGE, Reply(text=render(
                "plan_nudge.j2", example_when=show_date(_example_day(scope, half), zone(scope))
                + " 10:00", example_title=f"Regular meeting, {half.name}", **values)),
                audience=audience)
    _ensure_check(scope, half.following)


def _example_day(scope: Scope, half: HalfYear) -> datetime:
    """A weekday for the nudge's example: three weeks on, or sooner to stay in the
    half-year (a check that ran late), and never today."""
    local = scope.now.astimezone(zone(scope))
    days_left = (half.end(scope) - local).days
    for ahead in range(min(21, days_left), 0, -1):
        day = local + timedelta(days=ahead)
        if day.weekday() not in WEEKEND:
            return day
    return local + timedelta(days=1)


@command(
    "meeting plan",
    reads_only=True,
    summary="The twice-yearly plan: regular meetings held and scheduled per half-year",
    usage="meeting plan [year]",
    example="meeting plan 2031",
    detail="Shows a year's two half-years (this year's without one) against "
           "meetings.per_year in app.yaml. Two months before a half-year ends without a "
           "regular meeting, the Chair and the Secretariat are reminded.",
)
def meeting_plan(ctx: Context, args: str) -> Reply:
    per_year = ctx.config.meetings.per_year
    year = read_year(args, now=ctx.now, zone=zone(ctx), command="meeting plan",
                     first=lambda: first_year(ctx))
    lines, total = [], 0
    for half in (HalfYear(year, 1), HalfYear(year, 2)):
        meetings = regular_meetings(ctx, half)
        held = [m for m in meetings if m.starts_at <= ctx.now]
        total += len(meetings)
        lines.append(f"{bold(half.name)}: {len(held)} held, {len(meetings) - len(held)} scheduled")
        lines += [f"  #{m.id} {when(ctx, m)} — {m.title}"
                  + (" (held)" if m in held else "") for m in meetings]
    lines.append(f"\n{year}: {total} of {per_year} regular meetings a year.")
    return Reply(title=f"Meeting plan {year}", text="\n".join(lines))
