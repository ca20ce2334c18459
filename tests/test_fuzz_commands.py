"""Fuzzing the command grammar: any line, from anyone, gets a friendly reply; a refusal
changes nothing in the database; every reply renders for Slack and Teams."""

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import BotHarness
from tests.fuzz_checks import attempted
from tests.strategies import SPEAKERS, any_lines


# busy_bot is built once per test and database; fuzz_checks.attempted undoes every example.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=any_lines(), speaker=st.sampled_from(SPEAKERS))
def test_any_line_from_anyone_is_answered_and_a_refusal_changes_nothing(
    busy_bot: BotHarness, line: str, speaker: str
) -> None:
    with attempted(busy_bot, line, speaker) as (reply, _):
        event("accepted" if reply.ok else "refused: " + reply.text.split("\n")[0][:25])
