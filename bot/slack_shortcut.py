"""Slack's message shortcut "Add to agenda": the agenda-item form, opened with a message.

Slack sends a ``message_action`` payload (docs.slack.dev/reference/interaction-payloads/
shortcuts-interaction-payload) with the message, its channel, the person who clicked, a
``trigger_id`` to open a modal with (within 3 seconds) and a ``response_url`` into the channel.
The adapter reads it here, asks Slack for the message's permalink (``chat.getPermalink``) and
runs ``agenda new <text> <link>`` as the person: the core answers with its agenda-item form
(``handlers.agenda.agenda_form``), or with the refusal it gives anyone (a visitor's), and the
form's submit is an ordinary form submission. (slack_sdk is not loaded here: the manifest
uses this module, and the shell and the server load no Slack code.)
"""

from dataclasses import dataclass
from typing import Any

from bot.slack_payload import optional_text, text
from handlers.agenda.agenda_form import ACTION, ACTION_DESCRIPTION

CALLBACK = "add_to_agenda"


@dataclass(frozen=True)
class MessageShortcut:
    """What the bot reads of a message shortcut's payload."""

    team: str
    user: str
    name: str
    channel: str
    trigger_id: str
    response_url: str | None
    message_ts: str
    message_text: str  # as Slack sends it: mrkdwn, mentions by id, ``&amp;``-escaped

    @classmethod
    def read(cls, body: dict[str, Any]) -> "MessageShortcut":
        """The shortcut in ``body``; ``Malformed`` when a field the bot needs is missing."""
        return cls(team=optional_text(body, "team", "id") or "", user=text(body, "user", "id"),
                   name=optional_text(body, "user", "username")
                   or optional_text(body, "user", "name") or "",
                   channel=text(body, "channel", "id"), trigger_id=text(body, "trigger_id"),
                   response_url=optional_text(body, "response_url"),
                   message_ts=text(body, "message", "ts"),
                   message_text=optional_text(body, "message", "text") or "")

    @property
    def key(self) -> str:
        return f"slack:shortcut:{self.team}:{self.user}:{self.trigger_id}"


def manifest_entry() -> dict[str, str]:
    """The shortcut as the app manifest declares it (``features.shortcuts``)."""
    return {"name": ACTION, "type": "message", "callback_id": CALLBACK,
            "description": ACTION_DESCRIPTION}
