"""What Slack itself says about the messages, modals and methods the bot uses.

Independent of the bot's own code, so that a test compares the bot with Slack rather than with
itself:

- ``METHOD_SCOPES``: the bot scopes each Web API method requires, transcribed from Slack's
  method reference (docs.slack.dev/reference/methods/<method>, "Required scopes", bot token).
  ``conversations.open`` takes one of im:write, mpim:write, channels:manage or groups:write by
  conversation type; a 1:1 DM, the only kind the bot opens, needs im:write. ``users.info``
  leaves ``profile.email`` out unless the token also has users:read.email (the users:read.email
  scope's page).
- ``message_problems`` / ``view_problems``: slack_sdk's own Block Kit and View models
  (``Block.parse(...).validate_json()``, ``View(**view).validate_json()``), a round trip through
  them (a key they do not know is a key Slack refuses), and the limits Slack documents that
  the models do not check (docs.slack.dev/reference/block-kit/...: button text 75 and value
  2,000 characters, option text 75 and value 150, a plain-text input at most 3,000, context
  texts 3,000; a message at most 50 blocks and its text 40,000 characters; a modal or a Home
  tab 100 blocks). ``views.publish`` needs no scope beyond the bot token (its reference lists
  none).
"""

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "chat.getPermalink": frozenset(),  # "No scope required" for bot and user tokens
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "conversations.open": frozenset({"im:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "users.info": frozenset({"users:read"}),
    "views.open": frozenset(),
    "views.publish": frozenset(),
    "views.update": frozenset(),
}
# Methods called with the app-level token (xapp-...), and the scope that token needs.
APP_LEVEL_SCOPES: dict[str, frozenset[str]] = {
    "apps.connections.open": frozenset({"connections:write"}),
}
EMAIL_SCOPE = "users:read.email"
# Scopes a manifest feature needs: the commands scope "enables shortcuts and slash commands
# for a workspace" (docs.slack.dev/reference/scopes/commands).
FEATURE_SCOPES: dict[str, str] = {"slash_commands": "commands", "shortcuts": "commands"}

MESSAGE_BLOCKS = 50
MESSAGE_TEXT = 40000
MODAL_BLOCKS = 100
RESPONSE_URL_USES = 5  # "up to 5 times within 30 minutes" (handling user interaction)

_TEXT_LIMITS = {  # (block or element type, key) -> characters, where the models do not check
    ("button", "value"): 2000,
    ("plain_text_input", "initial_value"): 3000,
}


def _text(value: Any) -> str:
    return value.get("text", "") if isinstance(value, dict) else str(value or "")


def _element_problems(element: dict[str, Any]) -> list[str]:
    kind = element.get("type")
    problems = []
    if kind == "button" and len(_text(element.get("text"))) > 75:
        problems.append("button text over 75 characters")
    for option in element.get("options", []):
        if len(_text(option.get("text"))) > 75 or len(str(option.get("value", ""))) > 150:
            problems.append("option text over 75 or value over 150 characters")
    if kind == "plain_text_input" and not 0 < element.get("max_length", 3000) <= 3000:
        problems.append("plain_text_input max_length outside 1..3000")
    if kind == "mrkdwn" and len(element.get("text", "")) > 3000:
        problems.append("context text over 3000 characters")
    for (of, key), limit in _TEXT_LIMITS.items():
        if kind == of and len(str(element.get(key, ""))) > limit:
            problems.append(f"{of} {key} over {limit} characters")
    return problems


def block_problems(block: dict[str, Any]) -> list[str]:
    """What Slack would refuse in one block (empty: nothing)."""
    parsed = Block.parse(block)
    if parsed is None:
        return [f"unknown block type {block.get('type')!r}"]
    try:
        parsed.validate_json()
        again = parsed.to_dict()
    except SlackObjectFormationError as problem:
        return [f"{block.get('type')}: {problem}"]
    if again != block:
        return [f"{block.get('type')}: keys slack_sdk does not know: {block}"]
    elements = list(block.get("elements", []))
    if isinstance(block.get("element"), dict):
        elements.append(block["element"])
    return [problem for element in elements for problem in _element_problems(element)]


def message_problems(message: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a message (chat.postMessage, chat.update, an ack, a
    response_url post)."""
    blocks = message.get("blocks") or []
    if isinstance(blocks, str):  # form-encoded calls send blocks as JSON text
        blocks = json.loads(blocks)
    problems = [problem for block in blocks for problem in block_problems(block)]
    if len(blocks) > MESSAGE_BLOCKS:
        problems.append(f"{len(blocks)} blocks (at most {MESSAGE_BLOCKS})")
    if len(message.get("text") or "") > MESSAGE_TEXT:
        problems.append("text over 40,000 characters")
    if not blocks and not (message.get("text") or "").strip():
        problems.append("neither text nor blocks")
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a modal (views.open) or a Home tab (views.publish): both
    hold at most 100 blocks (docs.slack.dev/surfaces/app-home, .../surfaces/modals)."""
    try:
        parsed = View(**view)
        parsed.validate_json()
    except (SlackObjectFormationError, TypeError) as problem:
        return [f"view: {problem}"]
    problems = [problem for block in view.get("blocks", []) for problem in block_problems(block)]
    if len(view.get("blocks", [])) > MODAL_BLOCKS:
        problems.append(f"{len(view['blocks'])} blocks (at most {MODAL_BLOCKS})")
    return problems
