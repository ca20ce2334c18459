"""The Reply as plain text, for the shell (and anything else that only has text).

The core's bold (``handlers.core.bold``) shows as ``*bold*``; ``emphasis`` does the same for
the markdown renderers, with their own markup.
"""

import re

from handlers.core import BOLD_CLOSE, BOLD_OPEN, Reply, unmarked

_BOLD = re.compile(f"{BOLD_OPEN}([^{BOLD_OPEN}{BOLD_CLOSE}]*){BOLD_CLOSE}")
_LINE_WORDS = re.compile(r"\S(?:[^\n]*\S)?")  # a line's text, without the spaces around it


def emphasis(text: str, strong: str) -> str:
    """``text`` with the core's bold as ``strong`` around each line of it, hugging the words
    (markdown bolds ``*a b*``, never ``* a b*``, and never across a line break); a marker
    without its partner is dropped."""
    def lines(bold: re.Match[str]) -> str:
        return _LINE_WORDS.sub(lambda words: f"{strong}{words.group()}{strong}", bold.group(1))

    return unmarked(_BOLD.sub(lines, text))


def render_text(reply: Reply) -> str:
    lines: list[str] = []
    if reply.title:
        lines.append(f"== {reply.title} ==")
    if reply.text:
        lines.append(reply.text)
    lines += [f"  {label}: {value}" for label, value in reply.fields]
    lines += [f"  [{n}] {choice.label}" for n, choice in enumerate(reply.choices, start=1)]
    if reply.choices:
        lines.append("  (type a number to choose)")
    lines += [f"  file: {attachment.filename}" for attachment in reply.files]
    return emphasis("\n".join(lines), "*")

