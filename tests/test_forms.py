"""A submitted form is rebuilt from the server's own definition (handlers/forms.py): the client
sends a form id, record numbers and values, never a template or command text."""

import pytest

from handlers import registry
from handlers.core import UserError
from handlers.forms import FORMS, NOT_OURS, command_for, form_fields

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
