"""The neutral Reply as Slack Block Kit: messages, modals for forms, and Slack's limits.

Every character of the core's text shows literally in mrkdwn: ``&``, ``<``, ``>`` are escaped, so
an agenda item reading ``<!channel>`` pings nobody, and mrkdwn's formatting characters are
disarmed, so ``*migration*`` typed by a member is not bold; only the core's own bold (its
markers, ``handlers.core.bold``) becomes mrkdwn ``*bold*``. Text is cut into sections of at
most 3,000 characters, and a reply is always one message: a message holds at most 50 blocks
and about 12,000 characters (Slack answers ``msg_blocks_too_long`` well below its documented
40,000), and a command's ``response_url`` takes at most 5 messages in 30 minutes, so a reply
that does not fit shows its beginning and comes whole as a text file
(``SlackMessage.overflow``), never as a series of follow-ups.

A form's free-text field longer than Slack's 3,000 characters an input is shown as several
inputs ("continued") whose values are joined again when the form is submitted.
"""

import json
import re
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from bot.render_text import emphasis, render_text
from bot.reply_pieces import ZWSP, headline, split_text
from handlers.core import (
    Attachment,
    Choice,
    Form,
    FormField,
    Reply,
    bold,
    unmarked,
)
from handlers.forms import encoded

SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
BUTTONS_PER_BLOCK = 25
BLOCK_LIMIT = 50
MESSAGE_CHARS = 12000
HEADER_LIMIT = 150
BUTTON_LABEL_LIMIT = 75
MODAL_TITLE_LIMIT = 24
MODAL_BLOCK_LIMIT = 100
OPTION_LIMIT = 100
FALLBACK_LIMIT = 300
INPUT_LIMIT = 3000  # characters of a plain_text_input (its max_length)
CONTINUED = "~"  # block id of a field's further inputs: body~2, body~3, ...

CHOICE_ACTION = "network_choice_"  # + the choice's number; its value: the form it submits
FORM_CALLBACK = "network_form"

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """One chat message: ``text`` is the notification fallback, ``blocks`` what is shown, and
    ``overflow`` the whole reply as a file when it was too long for the message."""

    text: str
    blocks: list[Block]
    overflow: Attachment | None = None

    def files(self, reply: Reply) -> list[Attachment]:
        """The reply's files, and the overflow file if there is one."""
        return [*reply.files, *([self.overflow] if self.overflow else [])]


# mrkdwn's three control characters as entities (``&`` first), and a zero-width space after
# each character that would open or close bold, italics, strike-through or code (mrkdwn has no
# escape character). Chained str.replace: ~10 times faster than a regex or str.translate here.
_LITERAL = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"),
            *((mark, mark + ZWSP) for mark in "*_~`"))


def _literal(text: str) -> str:
    """Text as mrkdwn shows it literally, the core's bold markers left for ``emphasis``."""
    for character, shown in _LITERAL:
        text = text.replace(character, shown)
    return text


def escape(text: str) -> str:
    """Text as mrkdwn shows it: literally (no links, mentions, ``<!channel>`` or formatting),
    except the core's bold."""
    return emphasis(_literal(text), "*")


def mrkdwn_pieces(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """``text`` as mrkdwn (see ``escape``), in pieces of at most ``limit`` characters."""
    return [emphasis(piece, "*") for piece in split_text(_literal(text), limit)]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str) -> dict[str, Any]:
    """A plain_text object: Slack shows it as it is, and it has no bold."""
    return {"type": "plain_text", "text": unmarked(text), "emoji": True}


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def context(mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn}]}


def text_sections(text: str) -> list[Block]:
    return [section(piece) for piece in mrkdwn_pieces(text)]


def _field_blocks(fields: list[tuple[str, str]]) -> list[Block]:
    """Label/value pairs, ten to a section; a value too long for a field gets its own sections."""
    blocks: list[Block] = []
    group: list[dict[str, str]] = []

    def flush() -> None:
        if group:
            blocks.append({"type": "section", "fields": list(group)})
            group.clear()

    for label, value in fields:
        text = f"{bold(label)}\n{value}"
        shown = escape(text)
        if len(shown) > FIELD_LIMIT:
            flush()
            blocks += text_sections(text)
            continue
        group.append({"type": "mrkdwn", "text": shown})
        if len(group) == FIELDS_PER_SECTION:
            flush()
    flush()
    return blocks


def _button(number: int, choice: Choice) -> Block:
    button: Block = {
        "type": "button",
        "text": plain(clip(choice.label, BUTTON_LABEL_LIMIT)),
        "action_id": f"{CHOICE_ACTION}{number}",
        "value": encoded(choice),
    }
    if choice.style in ("primary", "danger"):
        button["style"] = choice.style
    return button


def _button_blocks(choices: list[Choice]) -> list[Block]:
    """An actions block per row of buttons (``Choice.row``), of at most
    ``BUTTONS_PER_BLOCK``."""
    blocks: list[Block] = []
    for _, numbered in groupby(enumerate(choices, start=1), key=lambda pair: pair[1].row):
        buttons = [_button(n, choice) for n, choice in numbered]
        blocks += [{"type": "actions", "elements": buttons[i:i + BUTTONS_PER_BLOCK]}
                   for i in range(0, len(buttons), BUTTONS_PER_BLOCK)]
    return blocks


def _attached(names: list[str]) -> Block:
    return context(escape(clip(f"Attached: {', '.join(names)}", FIELD_LIMIT)))


def _size(block: Block) -> int:
    return len(json.dumps(block, ensure_ascii=False))


def fallback_text(reply: Reply) -> str:
    """The plain line Slack shows in notifications (escaped: it is mrkdwn too)."""
    return escape(clip(headline(reply), FALLBACK_LIMIT)) or "(no text)"


def overflow_name(reply: Reply) -> str:
    """``agenda-of-meeting-3.txt`` from the reply's title."""
    words = re.findall(r"[a-z0-9]+", (reply.title or "reply").lower())
    return "-".join(words)[:60].strip("-") + ".txt" if words else "reply.txt"


def reply_blocks(reply: Reply) -> tuple[list[Block], list[Block], list[Block]]:
    """The reply's blocks in three parts, for a surface to fit into its limits: the title's
    header, the text and fields, then the note of its files and its buttons."""
    head = [{"type": "header", "text": plain(clip(reply.title, HEADER_LIMIT))}] \
        if reply.title else []
    body = text_sections(reply.text) + _field_blocks(reply.fields)
    names = [attachment.filename for attachment in reply.files]
    tail = [*([_attached(names)] if names else []), *_button_blocks(reply.choices)]
    return head, body, tail


def render_message(reply: Reply) -> SlackMessage:
    """The reply as one message; when it exceeds Slack's limits for one, its beginning with
    the whole reply attached as a text file."""
    head, body, tail = reply_blocks(reply)
    names = [attachment.filename for attachment in reply.files]
    fallback = fallback_text(reply)
    blocks = head + body + tail
    if len(blocks) <= BLOCK_LIMIT and sum(map(_size, blocks)) <= MESSAGE_CHARS:
        return SlackMessage(fallback, blocks or [section(fallback)])
    whole = render_text(Reply(text=reply.text, title=reply.title, fields=reply.fields))
    overflow = Attachment(overflow_name(reply), (whole + "\n").encode(), "text/plain",
                          reply.title or "The whole reply")
    tail = [context(escape(f"This reply is too long for one Slack message, so only its "
                           f"beginning is shown: the whole of it is in {overflow.filename}.")),
            _attached([*names, overflow.filename]), *tail[1 if names else 0:]]
    room_blocks = BLOCK_LIMIT - len(head) - len(tail)
    room_chars = MESSAGE_CHARS - sum(map(_size, head + tail))
    shown: list[Block] = []
    for block in body:
        room_chars -= _size(block)
        if len(shown) == room_blocks or room_chars < 0:
            break
        shown.append(block)
    return SlackMessage(fallback, head + shown + tail, overflow)


@dataclass(frozen=True)
class FormOrigin:
    """What a modal carries in its ``private_metadata``: which of the server's forms it is,
    the record numbers it is about, and where to answer (channel and response URL). The
    command is rebuilt from the server's definition of the form (``handlers.forms``)."""

    form: str
    params: dict[str, int]
    channel: str
    response_url: str | None = None
    home: bool = False  # opened from the app's Home tab (answered in the person's DM)

    def dump(self) -> str:
        data = {"f": self.form, "p": self.params, "c": self.channel, "r": self.response_url}
        return json.dumps({**data, "h": True} if self.home else data, separators=(",", ":"))

    @classmethod
    def load(cls, metadata: str) -> "FormOrigin":
        """The origin ``dump`` wrote; ValueError for anything else."""
        data = json.loads(metadata)
        if not (isinstance(data, dict) and isinstance(data.get("f"), str)
                and isinstance(data.get("p"), dict)
                and isinstance(data.get("c"), str)
                and isinstance(data.get("r"), str | None)):
            raise ValueError("not the private_metadata of a network-bot form")
        return cls(form=data["f"], params=data["p"], channel=data["c"],
                   response_url=data.get("r"), home=data.get("h") is True)


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(clip(label, BUTTON_LABEL_LIMIT)), "value": value}


def _inputs(field: FormField) -> list[Block]:
    """The field's input; a text field longer than one input allows, as several."""
    if field.options or not field.max_length or field.max_length <= INPUT_LIMIT:
        return [_input(field, field.name, field.label, field.max_length)]
    parts = -(-field.max_length // INPUT_LIMIT)
    return [_input(field, field.name, field.label, INPUT_LIMIT)] + [
        _input(FormField(field.name, field.label, multiline=field.multiline, required=False),
               f"{field.name}{CONTINUED}{n}", f"{field.label} (continued, {n} of {parts})",
               min(INPUT_LIMIT, field.max_length - (n - 1) * INPUT_LIMIT))
        for n in range(2, parts + 1)]


def _input(field: FormField, block_id: str, label: str, max_length: int | None) -> Block:
    element: dict[str, Any]
    if field.options and field.multiple:
        options = [_option(value, label) for value, label in field.options[:OPTION_LIMIT]]
        element = {"type": "multi_static_select", "action_id": field.name, "options": options}
        chosen = set(field.initial.split(","))
        if initial_options := [o for o in options if o["value"] in chosen]:
            element["initial_options"] = initial_options
    elif field.options:
        options = [_option(value, label) for value, label in field.options[:OPTION_LIMIT]]
        element = {"type": "static_select", "action_id": field.name, "options": options}
        initial = next((o for o in options if o["value"] == field.initial), None)
        if initial:
            element["initial_option"] = initial
    else:
        element = {"type": "plain_text_input", "action_id": field.name,
                   "multiline": field.multiline,
                   "max_length": min(max_length or INPUT_LIMIT, INPUT_LIMIT)}
        if field.initial:
            element["initial_value"] = unmarked(field.initial)[:INPUT_LIMIT]
    if field.placeholder:
        element["placeholder"] = plain(clip(field.placeholder, HEADER_LIMIT))
    return {"type": "input", "block_id": block_id, "optional": not field.required,
            "label": plain(clip(label, FIELD_LIMIT)), "element": element}


def modal_view(form: Form, text: str, origin: FormOrigin) -> dict[str, Any]:
    """The form as a modal; the reply's text, if any, is shown above the inputs."""
    inputs = [block for field in form.fields for block in _inputs(field)]
    if len(inputs) > len(form.fields):
        text = (text + "\n" if text else "") + (
            f"Slack takes {INPUT_LIMIT:,} characters a box: longer text goes on in the next "
            "box, and the boxes are joined with a line break.")
    intro = text_sections(text)[: MODAL_BLOCK_LIMIT - len(inputs)]
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": plain(clip(form.title or "Network", MODAL_TITLE_LIMIT)),
        "submit": plain(clip(form.submit_label, MODAL_TITLE_LIMIT)),
        "close": plain("Cancel"),
        "private_metadata": origin.dump(),
        "blocks": intro + inputs,
    }


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """Each field's value from a submitted modal's state, by field name (a field shown as
    several inputs: their values joined with line breaks, in order; a multi-select's: the
    chosen values joined with commas)."""
    parts: dict[str, dict[int, str]] = {}
    state = view.get("state")
    blocks = state.get("values") if isinstance(state, dict) else None
    for block_id, actions in (blocks if isinstance(blocks, dict) else {}).items():
        name, _, part = str(block_id).partition(CONTINUED)
        for element in (actions.values() if isinstance(actions, dict) else ()):
            if not isinstance(element, dict):
                continue
            selected = element.get("selected_option")
            value = selected.get("value") if isinstance(selected, dict) else element.get("value")
            if isinstance(several := element.get("selected_options"), list):  # a multi-select
                value = ",".join(str(option.get("value")) for option in several
                                 if isinstance(option, dict))
            parts.setdefault(name, {})[int(part) if part.isdigit() else 1] = \
                value if isinstance(value, str) else ""
    return {name: "\n".join(text for _, text in sorted(pieces.items()) if text.strip())
            for name, pieces in parts.items()}
