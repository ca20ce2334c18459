"""Reading the fields of a Slack payload without trusting its shape.

Slack always sends the fields the listeners read, but a request that passed the signature
check can still be odd (an API change, a replayed or hand-made payload): a missing key or a
value of the wrong type is a ``Malformed`` payload, which the listeners refuse with a warning
instead of failing with a KeyError deep inside.
"""

import math
from typing import Any


class Malformed(ValueError):
    """A payload without a field the bot needs, or with one of the wrong type."""


def text(payload: Any, *path: str) -> str:
    """The string at ``path`` (keys of nested objects), or Malformed."""
    found = optional_text(payload, *path)
    if found is None:
        raise Malformed(f"no text at {'.'.join(path)}")
    return found


def optional_text(payload: Any, *path: str) -> str | None:
    """The string at ``path``, or None when it is missing or not a string."""
    for key in path:
        payload = payload.get(key) if isinstance(payload, dict) else None
    return payload if isinstance(payload, str) else None


def number(payload: Any, *path: str) -> float:
    """The finite number written at ``path`` (Slack writes timestamps as strings), or
    Malformed."""
    written = text(payload, *path)
    try:
        found = float(written)
    except ValueError:
        found = math.nan
    if not math.isfinite(found):
        raise Malformed(f"{'.'.join(path)} is not a number")
    return found
