"""Teams' message action "Add to agenda": the agenda-item form as a dialog (task module).

The manifest declares it as a message extension's action command (``composeExtensions``:
id ``addToAgenda``, context ``message``, ``fetchTask``; bot/teams_manifest.py). Choosing it
on a message sends the bot two invokes (learn.microsoft.com/microsoftteams/platform/
messaging-extensions/how-to/action-commands/create-task-module):

- ``composeExtension/fetchTask``, with the message (``messagePayload``: its HTML ``body`` and
  ``linkToMessage``). The bot runs ``agenda new <text> <link>`` as the person and answers with
  a dialog showing the core's form as an Adaptive Card (bot/render_teams.py): ``{"task":
  {"type": "continue", "value": {"title": ..., "card": <attachment>}}}``; a refusal (a
  visitor's) comes as ``{"task": {"type": "message", "value": <text>}}``.
- ``composeExtension/submitAction``, with the card's inputs and its Action.Submit data in
  ``data``: submitted like any form (the server rebuilds ``agenda add`` from it). Done, the
  dialog says so and the reply goes into the conversation as a command's does; refused, the
  dialog shows the form again with the answers given and what was wrong.
"""

from dataclasses import replace
from typing import Any

from botbuilder.core import InvokeResponse
from botbuilder.schema import Activity

from bot.render_teams import attachment, render_cards
from bot.teams_manifest import COMMAND_ID
from bot.teams_text import html_to_text
from handlers.agenda.agenda_form import ACTION, LINK, TEXT, opening_line
from handlers.core import Reply, unmarked

FETCH = "composeExtension/fetchTask"
SUBMIT = "composeExtension/submitAction"


def is_agenda_action(activity: Activity) -> bool:
    """Whether an invoke is this message action (other message extensions are not ours)."""
    value = activity.value
    return activity.name in (FETCH, SUBMIT) and isinstance(value, dict) \
        and value.get("commandId") == COMMAND_ID


def fetch_line(value: dict[str, Any]) -> str:
    """``agenda new`` with the message's text and link, from a fetchTask's value."""
    body = _text_at(value, "messagePayload", "body", "content")
    html = (_text_at(value, "messagePayload", "body", "contentType") or "html") == "html"
    text = html_to_text(body) if html else body
    return opening_line(text, _text_at(value, "messagePayload", "linkToMessage"))


def _text_at(value: Any, *path: str) -> str:
    """The string at ``path`` (keys of nested objects), or ""."""
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


def submitted(value: dict[str, Any]) -> dict[str, Any]:
    """The card's inputs and Action.Submit data of a submitAction."""
    data = value.get("data")
    return data if isinstance(data, dict) else {}


def again_line(data: dict[str, Any]) -> str:
    """``agenda new`` with the text and link submitted: the form to show again."""
    return opening_line(_text_at(data, TEXT), _text_at(data, LINK))


def with_answers(form_reply: Reply, refusal: Reply, data: dict[str, Any]) -> Reply:
    """The form again, holding the answers submitted, under what was wrong with them."""
    if form_reply.form is None:
        return refusal
    fields = [replace(field, initial=data[field.name])
              if isinstance(data.get(field.name), str) else field
              for field in form_reply.form.fields]
    return replace(form_reply, text=refusal.text,
                   form=replace(form_reply.form, fields=fields))


def task_response(reply: Reply) -> InvokeResponse:
    """A reply holding a form as a dialog with its card; any other as a dialog message."""
    if reply.form is None:
        return InvokeResponse(status=200, body={"task": {
            "type": "message", "value": unmarked(reply.text) or ACTION}})
    card = render_cards(reply)[-1]  # the form is on the last card
    return InvokeResponse(status=200, body={"task": {"type": "continue", "value": {
        "title": ACTION, "card": attachment(card)}}})
