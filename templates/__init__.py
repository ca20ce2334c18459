"""jinja2 templates for agendas, minutes, reminders, poll results and reports.

Templates produce the neutral Reply text (plain text, the ``bold`` filter the only markup); the
platform renderers escape it, so templates never escape for a platform themselves. The report's
Markdown file (``report.md.j2``) is a file, not chat text, and is Markdown of its own: every
value a ``.md.j2`` template writes is made literal Markdown (``literal_markdown``), as HTML
templates autoescape, so that what members typed reads as typed and never adds a link, a
heading or emphasis to the report.
"""

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from handlers.core import bold
from handlers.wording import counted

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    undefined=StrictUndefined,
)
_environment.filters["bold"] = bold
_environment.filters["counted"] = counted

# CommonMark's backslash escapes for the ASCII punctuation that makes Markdown in running text
# (code, emphasis, links and images, and the strike-through and table cells of GitHub's and
# markdown-it's tables), and the backslash itself; HTML entities for & < > (raw HTML,
# autolinks such as <https://...>, entity references). A line break becomes a space, since what
# a member typed must never start a line, where # is a heading, - a list item, | a table row.
# The rest reads literally where the templates put values: within a line, after their own text.
_MARKDOWN_LITERAL = str.maketrans({
    **{character: "\\" + character for character in "\\`*_[]~|"},
    "&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": " ",
})
# Most values hold none of them: looking first is 4 times faster than translating every value.
_MARKDOWN_SYNTAX = re.compile("[" + re.escape("".join(map(chr, _MARKDOWN_LITERAL))) + "]")


def literal_markdown(value: Any) -> Any:
    """A value as Markdown that shows it as it is (text escaped; numbers and dates as they are)."""
    if isinstance(value, str) and _MARKDOWN_SYNTAX.search(value):
        return value.translate(_MARKDOWN_LITERAL)
    return value


_markdown = _environment.overlay(finalize=literal_markdown)


def render(name: str, **values: Any) -> str:
    """Render ``templates/<name>`` with the given values (as literal Markdown in ``.md.j2``)."""
    environment = _markdown if name.endswith(".md.j2") else _environment
    return environment.get_template(name).render(**values).strip()
