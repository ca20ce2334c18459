"""jinja2 templates for agendas, minutes, reminders, poll results and reports.

Templates produce the neutral Reply text (plain text, the ``bold`` filter the only markup); the
platform renderers escape it, so templates never escape for a platform themselves. The report's
Markdown file (``report.md.j2``) is a file, not chat text, and is Markdown of its own.
"""

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from handlers.core import bold

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    undefined=StrictUndefined,
)
_environment.filters["bold"] = bold


def render(name: str, **values: Any) -> str:
    """Render ``templates/<name>`` with the given values."""
    return _environment.get_template(name).render(**values).strip()
