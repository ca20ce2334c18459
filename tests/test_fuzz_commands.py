"""Fuzzing the command grammar: any line, from anyone, gets a friendly reply; a refusal
changes nothing in the database; every reply renders for Slack and Teams."""

import json

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.render_slack import render_messages
from bot.render_teams import render_cards
from handlers.core import Reply
from handlers.runner import INTERNAL_ERROR
from tests.conftest import BotHarness
from tests.db_state import restore, snapshot
from tests.strategies import SPEAKERS, any_lines

# Refusals that are not about what was typed but about who typed it; they point to help.
ABOUT_THE_SPEAKER = ("You are not on the roster of", "As a partner (")


def check_reply(reply: Reply) -> None:
    """What every reply must be: a non-empty text, no crash, an example with a refusal, and
    renderable on both platforms."""
    assert reply.text.strip()
    assert INTERNAL_ERROR not in reply.text
    if not reply.ok and not reply.text.startswith(ABOUT_THE_SPEAKER):
        assert "\nExample: " in reply.text, reply.text
    assert render_messages(reply)
    json.dumps(render_cards(reply))


# The busy_bot fixture is built once per test (and database); each example is compared with,
# then put back to, the snapshot taken before it, so examples do not see each other.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=any_lines(), speaker=st.sampled_from(SPEAKERS))
def test_any_line_from_anyone_is_answered_and_a_refusal_changes_nothing(
    busy_bot: BotHarness, line: str, speaker: str
) -> None:
    before = snapshot(busy_bot.engine)
    reply = busy_bot.say(line, as_=speaker)
    after = snapshot(busy_bot.engine)
    if after != before:
        restore(busy_bot.engine, before)
    event("accepted" if reply.ok else "refused: " + reply.text.split("\n")[0][:25])
    check_reply(reply)
    if not reply.ok:
        assert after == before, f"refused {line!r} but changed the database"
