"""Calendar years in the network's zone, as UTC bounds for queries."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers.core import UserError

_YEAR = re.compile(r"^\d{4}$")


def year_bounds(year: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """1 January 00:00 of ``year`` and of the next year, local time, in UTC."""
    return (datetime(year, 1, 1, tzinfo=zone).astimezone(UTC),
            datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC))


def read_year(text: str, *, now: datetime, zone: ZoneInfo, example: str) -> int:
    """``2031`` -> 2031; empty -> the current year; anything else is refused."""
    text = text.strip()
    if not text:
        return now.astimezone(zone).year
    if not _YEAR.match(text) or not 2000 <= int(text) <= 2200:
        raise UserError(f"'{text}' is not a year.", example)
    return int(text)
