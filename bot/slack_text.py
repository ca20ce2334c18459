"""What a person typed in ``/network``, from the escaped text Slack sends.

The manifest sets ``should_escape: true`` for the command, so Slack sends its own markup, as
documented in "Formatting text for app surfaces" (docs.slack.dev/messaging/formatting-message-
text): people picked with ``@`` arrive as ``<@U0123ABC|jane>`` (or ``<@U0123ABC>``), channels
as ``<#C0123|general>``, ``@here`` as ``<!here>``, links as ``<https://x.io|x.io>``, and the
three characters ``&``, ``<`` and ``>`` that a person typed as ``&amp;``, ``&lt;`` and ``&gt;``.

The core reads people's mentions in its neutral form ``<@ID|name>`` (the Teams adapter writes
the same form); everything else becomes the text the person saw while typing. A literal ``<``
typed by someone only ever arrives as ``&lt;``, so no typed text becomes a control sequence.
"""

import re
from collections.abc import Mapping

_SEQUENCE = re.compile(r"<([^<>]*)>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def unescape(text: str) -> str:
    """``&lt;`` ``&gt;`` ``&amp;`` back to the characters typed (``&amp;`` last: ``&amp;lt;``
    was typed as ``&lt;``)."""
    for entity, character in _ENTITIES:
        text = text.replace(entity, character)
    return text


def _readable(match: re.Match[str], names: Mapping[str, str]) -> str:
    target, _, label = match.group(1).partition("|")
    label = unescape(label).strip()
    if target.startswith("@"):  # a person: the core's neutral mention
        name = re.sub(r"[|<>]", "", label or names.get(target[1:], "")).strip()
        return f"<{target}|{name}>" if name else f"<{target}>"
    if target.startswith("#"):  # a channel
        return f"#{label or target[1:]}"
    if target.startswith("!"):  # @here, @channel, a user group, a date
        special = target[1:].split("^", 1)[0]
        if special in ("here", "channel", "everyone"):
            return f"@{special}"
        return label if label.startswith("@") or special == "date" else f"@{label or special}"
    link = unescape(target)
    return label or link.removeprefix("mailto:")


def from_slack(text: str, names: Mapping[str, str] | None = None) -> str:
    """The command line as the person typed it, with people's mentions in neutral form;
    ``names`` labels mentions that Slack sent without a name (by Slack user id)."""
    pieces: list[str] = []
    last = 0
    for match in _SEQUENCE.finditer(text):
        pieces.append(unescape(text[last:match.start()]))
        pieces.append(_readable(match, names or {}))
        last = match.end()
    pieces.append(unescape(text[last:]))
    return "".join(pieces)


def unlabelled_people(text: str) -> list[str]:
    """Slack ids of people mentioned without a name (``<@U0123ABC>``) in the text Slack sent."""
    return sorted(set(re.findall(r"<@([^|<>\s]+)>", text)))
