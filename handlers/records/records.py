"""The record: ``decisions`` (the register) and ``actions`` / ``action done`` / ``action due``."""

import re
from datetime import datetime

from sqlalchemy import ColumnElement, case
from sqlmodel import col, func, select

from handlers.core import Context, Reply, Role, UserError, bold
from handlers.dates import understand_when
from handlers.grammar import parse_ref
from handlers.paging import PAGE, more
from handlers.period import read_year, year_bounds
from handlers.record_years import first_year
from handlers.records.action_reminders import cancel_reminders, reschedule_reminders, show_due
from handlers.records.minutes import meeting_by_ref
from handlers.registry import command
from handlers.timefmt import show_date
from handlers.wording import counted
from storage.models import ActionItem, ActionStatus, Agency, Decision, Meeting


@command(
    "decisions",
    reads_only=True,
    summary="The decisions register: every decision agreed in minutes or by a poll",
    usage="decisions [year | #N]",
    example="decisions 2031",
    detail="Without an argument, this year's decisions. With a year, that year's. With #N, "
           f"the decisions of meeting #N. A long register shows its latest {PAGE}; the CSV file "
           "of report <year> has every one.",
)
def decisions(ctx: Context, args: str) -> Reply:
    wanted = args.strip()
    zone = ctx.config.network.zone
    conditions: list[ColumnElement[bool]] = [
        Decision.superseded.is_(False)]  # type: ignore[attr-defined]
    if wanted.startswith("#"):
        meeting = meeting_by_ref(ctx, wanted)
        conditions.append(Decision.meeting_id == meeting.id)  # type: ignore[arg-type]
        scope = f"meeting #{meeting.id} ({meeting.title})"
        year = meeting.starts_at.astimezone(zone).year
    else:
        year = read_year(wanted, now=ctx.now, zone=zone, command="decisions",
                         first=lambda: first_year(ctx))
        start, end = year_bounds(year, zone)
        conditions += [Decision.decided_at >= start, Decision.decided_at < end]  # type: ignore[list-item]
        scope = str(year)
    total, latest = latest_decisions(ctx, PAGE, *conditions)
    if not total:
        return Reply(title="Decisions", text=f"No decisions recorded for {scope}.")
    lines = [more(total - PAGE, "decisions before these",
                  f"the CSV file of report {year} has them all.")] \
        if total > PAGE else []
    lines += [decision_line(ctx, decision, title) for decision, title in reversed(latest)]
    lines.append(f"\n{counted(total, 'decision')} for {scope}.")
    return Reply(title=f"Decisions: {scope}", text="\n".join(lines))


def latest_decisions(ctx: Context, limit: int, *among: ColumnElement[bool]
                     ) -> tuple[int, list[tuple[Decision, str | None]]]:
    """How many decisions ``among`` picks, and the latest ``limit`` of them with the title of
    their meeting, newest first."""
    total = ctx.session.exec(select(func.count()).select_from(Decision).where(*among)).one()
    latest = ctx.session.exec(
        select(Decision, Meeting.title)
        .join(Meeting, col(Meeting.id) == Decision.meeting_id, isouter=True)
        .where(*among)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(limit)).all() if total else []
    return total, list(latest)


def decision_line(ctx: Context, decision: Decision, meeting_title: str | None) -> str:
    """``#4 14 Mar 2031 — Send a joint team — meeting #2 (Flood response)``."""
    return (f"{bold(f'#{decision.id}')} {show_date(decision.decided_at, ctx.config.network.zone)}"
            f" — {decision.text}{_source(decision, meeting_title)}")


@command(
    "actions",
    reads_only=True,
    summary="List action items: open ones, all, your agency's, or another agency's",
    usage="actions [mine | open | all | AGENCY]",
    example="actions mine",
    detail="Without an argument, every open item. mine and AGENCY show that agency's open "
           "items; all shows done ones too. Overdue items are marked OVERDUE. A long list "
           f"shows its first {PAGE}, open ones first and the soonest due first.",
)
def actions(ctx: Context, args: str) -> Reply:
    wanted = args.strip().upper() or "OPEN"
    conditions: list[ColumnElement[bool]] = []
    if wanted != "ALL":
        conditions.append(ActionItem.status == ActionStatus.OPEN)  # type: ignore[arg-type]
    else:
        conditions.append(ActionItem.status != ActionStatus.SUPERSEDED)  # type: ignore[arg-type]
    scope = {"OPEN": "open action items", "ALL": "all action items"}.get(wanted)
    if scope is None:
        code = ctx.actor.agency if wanted == "MINE" else wanted
        known = ctx.session.exec(select(Agency.code).where(Agency.active)).all()
        if code not in known:
            raise UserError(f"'{args.strip()}' is not mine, open, all or an agency code. "
                            f"Known agencies: {', '.join(sorted(known))}.")
        conditions.append(Agency.code == code)  # type: ignore[arg-type]
        scope = f"open action items of {code}"
    total, late, rows = action_items(ctx, PAGE, *conditions)
    if not total:
        return Reply(title="Action items", text=f"There are no {scope}.")
    lines = [describe_action(ctx, item, code) for item, code in rows]
    if total > PAGE:
        lines.append(more(total - PAGE, "action items", "narrow the list with actions mine or "
                          "actions AGENCY, or get a year's as a CSV file with report <year>."))
    lines.append(f"\n{counted(total, 'item')}" + (f", {late} overdue." if late else "."))
    return Reply(title=scope[0].upper() + scope[1:], text="\n".join(lines))


def action_items(ctx: Context, limit: int, *among: ColumnElement[bool]
                 ) -> tuple[int, int, list[tuple[ActionItem, str]]]:
    """How many action items ``among`` picks (conditions on the item and its agency), how
    many of them are overdue, and the first ``limit`` with their agency's code: open ones
    first, the soonest due first."""
    listed = select(ActionItem, Agency.code).join(Agency, col(Agency.id) == ActionItem.agency_id) \
        .where(*among)
    overdue = overdue_clause(ctx.now)
    total, late = ctx.session.exec(
        select(func.count(), func.coalesce(func.sum(case((overdue, 1), else_=0)), 0))
        .select_from(ActionItem).join(Agency, col(Agency.id) == ActionItem.agency_id)
        .where(*among)).one()
    rows = ctx.session.exec(listed.order_by(
        col(ActionItem.status).desc(), col(ActionItem.due_at).is_(None), col(ActionItem.due_at),
        col(ActionItem.id)).limit(limit)).all() if total else []
    return total, late, list(rows)


@command(
    "action done",
    summary="Mark an action item done (its agency's focal points or the Secretariat)",
    usage="action done #A",
    example="action done #4",
)
def action_done(ctx: Context, args: str) -> Reply:
    item, code = _own_item(ctx, args.strip())
    item.status = ActionStatus.DONE
    item.done_at = ctx.now
    cancel_reminders(ctx, item)
    return Reply(text=f"Action item #{item.id} for {code} is done: {item.task}", private=False)


@command(
    "action due",
    summary="Change an action item's due date (its agency's focal points or the Secretariat)",
    usage="action due #A <date>",
    example="action due #4 30 Jun 2031",
    detail="The reminders move with it: a day before and on the day.",
)
def action_due(ctx: Context, args: str) -> Reply:
    ref, _, phrase = args.strip().partition(" ")
    item, code = _own_item(ctx, ref)
    if not phrase.strip():
        raise UserError(f"When is action item #{item.id} due?")
    due = understand_when(phrase, zone=ctx.config.network.zone, now=ctx.now,
                          require_time=False, example=ctx.spec.example,
                          command=f"action due {args.strip()}")
    reminders = reschedule_reminders(ctx, item, due, code)
    return Reply(text=f"Action item #{item.id} for {code} is now due "
                      f"{show_due(due, ctx.config.network.zone)}: {item.task}\n"
                      f"{counted(len(reminders), 'reminder')} scheduled for {code}'s focal points.",
                 private=False)


def describe_action(ctx: Context, item: ActionItem, code: str) -> str:
    zone = ctx.config.network.zone
    parts = [f"{bold(f'#{item.id}')} {code} — {item.task}"]
    if item.due_at:
        parts.append(f"due {show_due(item.due_at, zone)}")
    if item.status == ActionStatus.DONE and item.done_at:
        parts.append(f"done {show_date(item.done_at, zone)}")
    elif is_overdue(item, ctx.now):
        parts.append(bold("OVERDUE"))
    if item.meeting_id:
        parts.append(f"meeting #{item.meeting_id}")
    return " — ".join(parts)


def is_overdue(item: ActionItem, now: datetime) -> bool:
    return item.status == ActionStatus.OPEN and item.due_at is not None and item.due_at < now


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """``is_overdue`` as SQL."""
    return (col(ActionItem.status) == ActionStatus.OPEN) & (col(ActionItem.due_at) < now)


def _own_item(ctx: Context, ref: str) -> tuple[ActionItem, str]:
    """The open action item ``#A`` if the speaker may change it, with its agency's code."""
    number = parse_ref(ref, "action item")
    found = ctx.session.exec(
        select(ActionItem, Agency.code).join(Agency, col(Agency.id) == ActionItem.agency_id)
        .where(ActionItem.id == number)
    ).first()
    if found is None:
        raise UserError(f"There is no action item #{number}. Type actions to list them.")
    item, code = found
    if item.status == ActionStatus.SUPERSEDED:
        raise UserError(f"Action item #{number} was left out of the corrected minutes of "
                        f"meeting #{item.meeting_id}, so it is closed.", "actions open")
    if ctx.actor.agency != code and not ctx.actor.has(Role.SECRETARIAT):
        raise UserError(f"Action item #{number} belongs to {code}: only its focal points or "
                        f"the Secretariat ({ctx.config.network.secretariat}) can change it.",
                        "actions mine")
    if item.status == ActionStatus.DONE:
        raise UserError(f"Action item #{number} was already done on "
                        f"{show_date(item.done_at or ctx.now, ctx.config.network.zone)}.",
                        "actions open")
    return item, code


def _source(decision: Decision, meeting_title: str | None) -> str:
    """`` — meeting #1 (title)``, or `` — poll #2`` unless the decision's text names its poll,
    as a decision adopted by a poll does (``handlers.polls.poll_state``)."""
    if decision.poll_id is None:
        return f" — meeting #{decision.meeting_id} ({meeting_title})"
    poll = f"poll #{decision.poll_id}"
    return "" if re.search(rf"\b{poll}\b", decision.text) else f" — {poll}"

