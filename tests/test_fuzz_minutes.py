"""Fuzzing minutes bodies: posted minutes store exactly what the reply says was recorded,
refusals change nothing, and what members wrote never pings anyone on Slack."""

import re

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from handlers.core import Reply
from handlers.grammar import tidy
from handlers.records.minutes_markers import Marker, parse_markers
from storage.models import ActionItem, ActionStatus, Agency, Decision, Minutes, Outbox
from tests.conftest import BotHarness
from tests.fuzz_checks import attempted, check_reply
from tests.strategies import minutes_bodies

HELD = 2  # the ad-hoc meeting busy_bot has already held, with minutes version 1
_COUNTED = re.compile(r"(no|\d+) (decision|action item)s?(?: \(([^)]*)\))?")


def _said(reply: Reply) -> dict[str, set[int]]:
    """The record numbers the reply says were recorded: {"decision": {...}, ...}."""
    said: dict[str, set[int]] = {"decision": set(), "action item": set()}
    for count, noun, listed in _COUNTED.findall(reply.text.split("\n")[0]):
        said[noun] = {int(n) for n in re.findall(r"#(\d+)", listed)}
        assert len(said[noun]) == (0 if count == "no" else int(count))
    return said


def _stored(bot: BotHarness) -> tuple[Minutes, dict[int, str], dict[int, tuple[str, str]]]:
    with bot.session() as session:
        latest = session.exec(select(Minutes).where(Minutes.meeting_id == HELD)
                              .order_by(Minutes.version.desc())).first()  # type: ignore[attr-defined]
        decisions = session.exec(select(Decision).where(
            Decision.meeting_id == HELD, Decision.superseded.is_(False))).all()  # type: ignore[attr-defined]
        actions = session.exec(select(ActionItem, Agency.code).join(
            Agency, Agency.id == ActionItem.agency_id).where(
            ActionItem.meeting_id == HELD, ActionItem.status != ActionStatus.SUPERSEDED)).all()
        assert latest is not None
        return (latest, {d.id or 0: d.text for d in decisions},
                {a.id or 0: (code, a.task) for a, code in actions})


def _posted(bot: BotHarness) -> Reply:
    with bot.session() as session:
        row = session.exec(select(Outbox).where(Outbox.kind == "minutes.posted")
                           .order_by(Outbox.id.desc())).first()  # type: ignore[union-attr]
        assert row is not None
        return Reply.from_dict(row.payload)


# busy_bot is built once per test and database; each example is undone (see fuzz_checks).
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=minutes_bodies(), speaker=st.sampled_from(["IOM", "IOM", "IOM", "RCO"]))
def test_posted_minutes_are_what_the_reply_says_and_refusals_change_nothing(
    busy_bot: BotHarness, body: str, speaker: str
) -> None:
    with attempted(busy_bot, f"minutes #{HELD}\n{body}", speaker) as (reply, changed):
        event("posted" if reply.ok else "refused: " + reply.text.split("\n")[0][:30])
        # A body of nothing but invisible break hints (a soft hyphen) is empty once tidied,
        # like an empty one: it shows the minutes (or opens their form).
        if reply.ok and tidy(body).strip():
            assert changed
            _check_recorded(busy_bot, reply, body)


def _check_recorded(bot: BotHarness, reply: Reply, body: str) -> None:
    """The body is stored as typed (tidied: tabs as spaces, invisible break hints removed);
    the stored records are those the reply numbers and those the body lists; the minutes sent
    out and shown again render safely."""
    latest, decisions, actions = _stored(bot)
    assert latest.body.split() == tidy(body).split()
    entries = parse_markers(latest.body)
    said = _said(reply)
    assert set(decisions) == said["decision"]
    assert set(actions) == said["action item"]
    assert set(decisions.values()) == {e.text for e in entries if e.marker is Marker.AGREED}
    assert set(actions.values()) == {(e.agency, e.text) for e in entries
                                     if e.marker is Marker.ACTION}
    check_reply(_posted(bot))
    shown = bot.say(f"minutes #{HELD}")
    assert shown.ok
    check_reply(shown)
