"""The neutral Reply as Adaptive Cards 1.5 for Microsoft Teams.

Each line of text is a TextBlock of its own (wrapped; the lines of one paragraph without
spacing between them), because Teams takes TextBlock text as markdown, in which a single line
break is only a space. The core's bold (``handlers.core.bold``) becomes Adaptive Cards'
``**bold**`` and every markdown character is escaped, and ``&``, ``<`` and ``>`` are written as
HTML entities, since Teams would take ``<text>`` for a tag and drop it: user text shows as typed
and cannot format or link (Adaptive Cards never turn ``<at>`` text into a mention). Text with
no markdown (buttons, input labels) is given as it is, without the core's bold markers. Fields
become a FactSet, choices Action.Submit buttons whose data submits a form (its id, record
numbers and values; a row of them, ``Choice.row``, an ActionSet in the body), a file the bot
serves an Action.OpenUrl to download it, and a form becomes inputs with an Action.Submit
carrying the form's id and record numbers (Teams adds the inputs' values).

A reply too large for one message is split into several cards ("Part i of n"), by the size of
the activity as botbuilder posts it (see ``MESSAGE_BYTES``); a form's inputs stay on the last
card, with the buttons.
"""

import json
import re
from itertools import groupby
from typing import Any

from bot.render_text import emphasis
from bot.reply_pieces import headline, split_text
from handlers.core import Choice, Form, FormField, Reply, unmarked

# The bytes of one activity as posted. Microsoft's "Format your bot messages"
# (learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages) gives about
# 100 KB for a bot message counted as UTF-16 and recommends staying within 80 KB (earlier
# versions of the page: 40 KB); cards posted through Teams' connector or incoming webhooks may
# have about 28 KB. We keep to 28 KB of the ASCII JSON botbuilder sends, which is at most
# 56 KB as UTF-16: within all of them.
MESSAGE_BYTES = 28 * 1024
# What botbuilder adds to an activity from the conversation reference: the conversation, the
# bot and the person (ids and names, a long Lao name included), serviceUrl, locale.
ADDRESSING_BYTES = 3 * 1024
# A longer line is cut into TextBlocks of at most this many characters: 18,000 bytes even if
# every character took the 12 bytes of an escaped emoji, so one always fits in a card.
LINE_CHARS = 1500
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
FORM_KEY = "form"  # which of the server's forms a submit is, in its Action.Submit data
PARAMS_KEY = "params"  # the record numbers it is about; the inputs' values come beside them
STYLES = {"primary": "positive", "danger": "destructive"}

Element = dict[str, Any]
_INLINE = re.compile(r"([\\`*_\[\]~])")  # emphasis, code, links, strike-through
_LINE_START = re.compile(r"^(\s*)([#+\-])", re.MULTILINE)  # headings, lists
_NUMBERED = re.compile(r"^(\s*\d+)\.", re.MULTILINE)  # numbered lists
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})  # tags, entities, quotes (>)


def _literal(text: str) -> str:
    text = _INLINE.sub(r"\\\1", text.translate(_HTML))
    return _NUMBERED.sub(r"\1\\.", _LINE_START.sub(r"\1\\\2", text))


def escape(text: str) -> str:
    """Text as Adaptive Cards markdown shows it literally, except the core's bold."""
    return emphasis(_literal(text), "**")


def text_block(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": escape(text), "wrap": True, **style}


def _paragraphs(text: str) -> list[Element]:
    """A TextBlock a line, the lines of a paragraph without spacing between them; a line
    longer than ``LINE_CHARS`` is cut at a space."""
    blocks = []
    for paragraph in text.split("\n\n"):
        pieces = [piece for line in paragraph.split("\n")
                  for piece in split_text(line, LINE_CHARS)]
        blocks += [text_block(piece, **({"spacing": "None"} if n else {}))
                   for n, piece in enumerate(pieces)]
    return blocks


def _facts(fields: list[tuple[str, str]]) -> list[Element]:
    if not fields:
        return []
    return [{"type": "FactSet",
             "facts": [{"title": escape(label), "value": escape(value)}
                       for label, value in fields]}]


def _button(choice: Choice) -> Element:
    action: Element = {"type": "Action.Submit", "title": unmarked(choice.label),
                       "data": {FORM_KEY: choice.form, PARAMS_KEY: choice.params,
                                **choice.values}}
    if choice.style in STYLES:
        action["style"] = STYLES[choice.style]
    return action


def _button_rows(choices: list[Choice]) -> list[Element]:
    """An ActionSet per row of buttons (``Choice.row``), in the card's body: Teams shows only
    the first few of a card's own actions, and a date poll has three a slot."""
    return [{"type": "ActionSet", "actions": [_button(choice) for choice in row]}
            for _, row in groupby(choices, key=lambda choice: choice.row)]


def _input(field: FormField) -> Element:
    element: Element
    if field.options:
        element = {"type": "Input.ChoiceSet", "style": "compact",
                   "choices": [{"title": unmarked(label), "value": value}
                               for value, label in field.options]}
        if field.multiple:  # Teams submits the values chosen joined with commas
            element["isMultiSelect"] = True
    else:
        element = {"type": "Input.Text", "isMultiline": field.multiline}
        if field.placeholder:
            element["placeholder"] = unmarked(field.placeholder)
    label = unmarked(field.label)
    element.update(id=field.name, label=label, isRequired=field.required)
    if field.initial:
        element["value"] = unmarked(field.initial)
    if field.required:
        element["errorMessage"] = f"{label} is needed."
    return element


def _form_action(form: Form) -> Element:
    return {"type": "Action.Submit", "title": unmarked(form.submit_label),
            "data": {FORM_KEY: form.id, PARAMS_KEY: form.params}}


def _card(body: list[Element], actions: list[Element]) -> Element:
    card: Element = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION,
                     "body": body or [text_block("(no text)")]}
    if actions:
        card["actions"] = actions
    return card


def wire_size(value: Any) -> int:
    """Bytes of ``value`` in an activity as botbuilder posts it: msrest sends ``json.dumps``,
    ASCII with ``\\uXXXX`` escapes (a Lao letter takes 6 bytes, an emoji 12)."""
    return len(json.dumps(value))


def _part(n: int, total: int) -> Element:
    return text_block(f"Part {n} of {total}", isSubtle=True)


def _room(reply: Reply) -> int:
    """The bytes a card of ``reply`` may take within ``MESSAGE_BYTES``."""
    around = {"type": "message", "summary": summary(reply), "attachments": [attachment({})]}
    return MESSAGE_BYTES - ADDRESSING_BYTES - wire_size(around)


def _parts(body: list[Element], form: list[Element], actions: list[Element],
           room: int) -> list[Element]:
    """Cards of at most ``room`` bytes each; the form and the buttons go on the last one."""
    space = room - wire_size(_card([_part(999, 999)], []))
    groups: list[list[Element]] = [[]]
    used = 0
    for element in body:
        size = wire_size(element) + 2  # and the ", " before it
        if groups[-1] and used + size > space:
            groups.append([])
            used = 0
        groups[-1].append(element)
        used += size
    if groups[-1] and wire_size(_card([*groups[-1], *form, _part(999, 999)], actions)) > room:
        groups.append([])
    groups[-1] += form
    total = len(groups)
    return [_card([*group, _part(n, total)], actions if n == total else [])
            for n, group in enumerate(groups, start=1)]


def render_cards(reply: Reply, files_url: str | None = None) -> list[Element]:
    """The reply as one Adaptive Card, or several when one message would be too large.

    A file the bot's web server serves (``Attachment.link``) becomes a download button when
    ``files_url``, the server's public address, is known; other files are only named."""
    body: list[Element] = []
    if reply.title:
        body.append(text_block(reply.title, weight="Bolder", size="Medium"))
    body += _paragraphs(reply.text)
    body += _facts(reply.fields)
    served = [file for file in reply.files if file.link and files_url]
    if unserved := [file.filename for file in reply.files if file not in served]:
        body.append(text_block(f"Files ({', '.join(unserved)}) are sent to Slack and the "
                               "shell only.", isSubtle=True))
    body += _button_rows([choice for choice in reply.choices if choice.row])
    actions = [_button(choice) for choice in reply.choices if not choice.row]
    actions += [{"type": "Action.OpenUrl", "title": f"Download {file.filename}",
                 "url": f"{files_url}/{file.link}"} for file in served]
    form: list[Element] = []
    if reply.form:
        if reply.form.title and reply.form.title != reply.title:
            form.append(text_block(reply.form.title, weight="Bolder"))
        form += [_input(field) for field in reply.form.fields]
        actions.append(_form_action(reply.form))
    whole = _card(body + form, actions)
    room = _room(reply)
    return [whole] if wire_size(whole) <= room else _parts(body, form, actions, room)


def attachment(card: Element) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": card}


def summary(reply: Reply) -> str:
    """A short plain line for notifications."""
    return headline(reply)[:300]
