"""A submitted form, or a pressed button, is rebuilt from the server's own definition
(handlers/forms.py): the client sends a form id, record numbers and values, never a template or
command text."""

import pytest

from handlers import registry
from handlers.core import Reply, UserError
from handlers.forms import FORMS, NOT_OURS, button, command_for, decoded, encoded, form_fields
from handlers.polls.poll_state import vote_choices

registry.load_all()  # the domains register their forms


def test_the_domains_forms_rebuild_their_commands() -> None:
    assert command_for("objection", {"poll": 3}, {"reason": " Not discussed "}) == \
        "vote #3 object Not discussed"
    assert command_for("objection", {"poll": "3"}, {"reason": "x"}) == "vote #3 object x"
    assert command_for("minutes", {}, {"meeting": "#8", "body": "#agreed A"}) == \
        "minutes #8 #agreed A"
    assert form_fields("minutes") == ("meeting", "body") and form_fields("nope") == ()


@pytest.mark.parametrize(("form_id", "params", "values"), [
    ("vote #1 object {reason}", {}, {"reason": "x"}),  # a template is not a form id
    (None, {}, {}),
    (["objection"], {"poll": 1}, {"reason": "x"}),
    ("objection", {}, {"reason": "x"}),
    ("objection", {"poll": "1 agree"}, {"reason": "x"}),
    ("objection", {"poll": 0}, {"reason": "x"}),
    ("objection", "poll=1", {"reason": "x"}),
    ("objection", {"poll": 1}, {"reason": {"nested": "x"}}),
])
def test_anything_but_a_form_the_server_defines_is_refused(
    form_id: object, params: object, values: dict
) -> None:
    with pytest.raises(UserError) as refused:
        command_for(form_id, params, values)
    assert refused.value.problem == NOT_OURS and refused.value.example == "help"


def test_values_are_data_never_format_strings() -> None:
    assert command_for("objection", {"poll": 1}, {"reason": "{x.__class__} {0} {x:>9}"}) == \
        "vote #1 object {x.__class__} {0} {x:>9}"


def test_a_menu_value_that_is_not_a_record_number_is_refused_under_its_field() -> None:
    with pytest.raises(UserError) as refused:
        command_for("minutes", {}, {"meeting": "#1 #agreed injected", "body": "#info x"})
    assert refused.value.about == "meeting"


def test_every_registered_form_names_its_fields_without_reserved_keys() -> None:
    assert set(FORMS) >= {"objection", "minutes"}
    for spec in FORMS.values():
        assert not {"form", "params", "command"} & set(spec.fields)


def test_the_bots_buttons_are_submissions_of_its_forms() -> None:
    """A button carries a form id, record numbers and values like a form (Slack's value is
    the JSON text of them, within Slack's documented 2,000 characters of a button value)."""
    agree, abstain, object_ = vote_choices(7)
    assert (agree.form, agree.params, agree.values) == ("vote", {"poll": 7}, {"position": "agree"})
    assert [command_for(c.form, c.params, c.values) for c in (agree, abstain, object_)] == \
        ["vote #7 agree", "vote #7 abstain", "vote #7 object"]
    assert decoded(encoded(agree)) == ("vote", {"poll": 7}, {"position": "agree"})
    assert command_for("action-done", {"item": 4}, {}) == "action done #4"
    assert command_for("members-approve", {}, {"code": "UNFPA"}) == "members approve UNFPA"
    assert command_for("minutes-replace", {"meeting": 2}, {"body": "#agreed A"}) == \
        "minutes #2 --replace #agreed A"


@pytest.mark.parametrize("value", [
    "vote #1 agree",  # a button of the version whose buttons carried a command line
    '{"form": "vote", "params": {"poll": 1}}',  # no values
    '{"form": "vote #1 agree", "params": {}, "values": {}}',
    '{"form": "vote", "params": {"poll": "1 agree"}, "values": {"position": "agree"}}',
    "[]", "", "null",
])
def test_a_button_value_that_is_not_one_of_ours_is_refused(value: str) -> None:
    with pytest.raises(UserError) as refused:
        command_for(*decoded(value))
    assert refused.value.problem == NOT_OURS


def test_a_button_is_checked_against_its_form_where_it_is_made() -> None:
    with pytest.raises(RuntimeError):
        button("Agree", "vote", params={"poll": 1})  # no position
    with pytest.raises(RuntimeError):
        button("Agree", "vote #1 agree")


def test_a_stored_reply_with_buttons_of_the_older_form_loads_without_them() -> None:
    """Outbox rows queued before the upgrade carry ``{"label", "command"}`` buttons: the
    message still goes out (its text says what to type), without a button that runs text."""
    stored = Reply(text="Poll #1", choices=vote_choices(1)).to_dict()
    stored["choices"] = [{"label": "Agree", "command": "vote #1 agree", "style": None}]
    assert Reply.from_dict(stored).choices == []
    assert Reply.from_dict(Reply(choices=vote_choices(1)).to_dict()).choices == vote_choices(1)
