"""Fuzzing the command grammar: any line, from anyone, gets a friendly reply; a refusal
changes nothing in the database; every reply renders for Slack and Teams."""

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from handlers.core import Choice, Reply, UserError
from handlers.forms import command_for
from storage.models import Outbox
from tests.conftest import BotHarness, pressed
from tests.fuzz_checks import attempted
from tests.strategies import SPEAKERS, SPECS, any_lines


# busy_bot is built once per test and database; fuzz_checks.attempted undoes every example.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=any_lines(), speaker=st.sampled_from(SPEAKERS))
def test_any_line_from_anyone_is_answered_and_a_refusal_changes_nothing(
    busy_bot: BotHarness, line: str, speaker: str
) -> None:
    with attempted(busy_bot, line, speaker) as (reply, _):
        event("accepted" if reply.ok else "refused: " + reply.text.split("\n")[0][:25])


SEEDS = sorted({line for spec in SPECS for line in (spec.name, spec.example)})
FORMS = ("minutes", "vote #1 object")  # lines answered with a form (for the Secretariat)


def buttons(bot: BotHarness, reply: Reply) -> list[Choice]:
    """The buttons on a reply and on every notification in the outbox."""
    with bot.session() as session:
        notices = [Reply.from_dict(row.payload) for row in session.exec(select(Outbox)).all()]
    return [choice for shown in [reply, *notices]
            for choice in shown.choices]


# Buttons and forms run commands too: anyone may press a button of a public message, and a
# form comes back with whatever was typed (or chosen) in its fields.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.one_of(st.sampled_from(SEEDS), st.sampled_from(FORMS)),
       speaker=st.sampled_from(SPEAKERS), data=st.data())
def test_the_buttons_and_forms_of_any_reply_are_answered_and_refusals_change_nothing(
    busy_bot: BotHarness, line: str, speaker: str, data: st.DataObject
) -> None:
    with attempted(busy_bot, line, speaker) as (reply, _):
        if choices := buttons(busy_bot, reply):
            choice = data.draw(st.sampled_from(choices))
            presser = data.draw(st.sampled_from(SPEAKERS))
            with attempted(busy_bot, pressed(choice), presser) as (answer, _):
                event(f"button: {'accepted' if answer.ok else 'refused'}")
        if reply.form:
            values = {field.name: data.draw(
                st.one_of(st.sampled_from([v for v, _ in field.options]), any_lines())
                if field.options else any_lines()) for field in reply.form.fields}
            try:
                filled_in = command_for(reply.form.id, reply.form.params, values)
            except UserError as refusal:  # e.g. a meeting that is not a #N: nothing to run
                # ... said with an example, under the field that was wrong (or the whole form).
                assert refusal.example
                assert refusal.about in {field.name for field in reply.form.fields} | {None}
                return
            with attempted(busy_bot, filled_in, speaker) as (filled, _):
                event(f"form: {'accepted' if filled.ok else 'refused'}")
