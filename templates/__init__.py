"""jinja2 templates for agendas, minutes, reminders, poll results and reports.

Templates produce the neutral Reply text (plain text, ``*bold*`` the only markup); the platform
renderers escape it, so templates never escape for a platform themselves.
"""

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    undefined=StrictUndefined,
)


def render(name: str, **values: Any) -> str:
    """Render ``templates/<name>`` with the given values."""
    return _environment.get_template(name).render(**values).strip()
