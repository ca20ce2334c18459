"""What a corrected version of the minutes takes out of a meeting's record.

A correction keeps the decisions and action items still in its text and supersedes the
others. Those are named one by one (a done action item as done) before anything is removed,
so a one-line repost cannot wipe a meeting's record unnoticed.
"""

from sqlmodel import Session, col, select

from handlers.records.minutes_markers import Entry, Marker, short
from storage.models import ActionItem, ActionStatus, Decision

ActionKey = tuple[str, str]  # (the owner's agency code, the task)


def current_decisions(session: Session, meeting_id: int) -> dict[str, Decision]:
    """The meeting's decisions in its latest minutes, by text."""
    return {d.text: d for d in session.exec(
        select(Decision).where(Decision.meeting_id == meeting_id,
                               Decision.minutes_id.is_not(None),  # type: ignore[union-attr]
                               Decision.superseded.is_(False))  # type: ignore[attr-defined]
        .order_by(col(Decision.id))).all()}


def current_actions(session: Session, meeting_id: int,
                    code_of: dict[int, str]) -> dict[ActionKey, ActionItem]:
    """The meeting's action items not superseded, by owner and task."""
    return {(code_of.get(a.agency_id, ""), a.task): a for a in session.exec(
        select(ActionItem).where(ActionItem.meeting_id == meeting_id,
                                 ActionItem.status != ActionStatus.SUPERSEDED)
        .order_by(col(ActionItem.id))).all()}


def describe_decision(decision: Decision) -> str:
    return f"decision #{decision.id} ({short(decision.text)})"


def describe_action(item: ActionItem, code: str) -> str:
    done = ", done" if item.status == ActionStatus.DONE else ""
    return f"action item #{item.id} ({code}: {short(item.task)}{done})"


def removals(session: Session, meeting_id: int, entries: list[Entry],
             code_of: dict[int, str]) -> list[str]:
    """The decisions and action items a version with these entries would supersede."""
    agreed = {e.text for e in entries if e.marker is Marker.AGREED}
    actions = {(e.agency, e.text) for e in entries if e.marker is Marker.ACTION}
    return ([describe_decision(d) for text, d in current_decisions(session, meeting_id).items()
             if text not in agreed]
            + [describe_action(a, key[0]) for key, a in
               current_actions(session, meeting_id, code_of).items() if key not in actions])
