"""Durations as written in app.yaml and in commands: ``7d``, ``24h``, ``1h30m``, ``2w``."""

import re
from datetime import timedelta

_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_PATTERN = re.compile(r"^(?:\d+[wdhms])+$")
_PART = re.compile(r"(\d+)([wdhms])")


def parse_duration(text: str) -> timedelta:
    """Parse ``7d`` or ``1d12h``; raise ValueError with an example on anything else."""
    compact = str(text).strip().lower().replace(" ", "")
    if not _PATTERN.match(compact):
        raise ValueError(f"'{text}' is not a duration; write it like 7d, 24h, 90m or 1d12h")
    total = timedelta()
    for amount, unit in _PART.findall(compact):
        total += timedelta(**{_UNITS[unit]: int(amount)})
    if total <= timedelta(0):
        raise ValueError(f"'{text}' must be longer than zero")
    return total


def duration_parts(length: timedelta) -> list[tuple[int, str]]:
    """``length`` in days, hours, minutes and seconds, the units that are not zero, to the
    second: ``[(2, "hour"), (30, "minute")]``."""
    seconds, parts = int(length.total_seconds()), []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append((amount, unit))
    return parts


def format_duration(value: timedelta) -> str:
    """The inverse of parse_duration, in days and smaller units: ``1d12h``, ``14d``."""
    return "".join(f"{amount}{unit[0]}" for amount, unit in duration_parts(value)) or "0s"
