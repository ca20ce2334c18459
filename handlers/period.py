"""Calendar years in the network's zone, as UTC bounds for queries."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers.core import UserError

_YEAR = re.compile(r"^\d{4}$")
# Two years joined by a hyphen or an en dash (what a phone or word processor makes of one).
_SPAN = re.compile(r"^(\d+)\s*[-–]\s*(\d+)$")
FIRST_YEAR, LAST_YEAR = 2000, 2200
LONGEST_SPAN = 10  # years: two five-year plans; a longer one is more likely a typing slip


def year_bounds(year: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """1 January 00:00 of ``year`` and of the next year, local time, in UTC."""
    return (datetime(year, 1, 1, tzinfo=zone).astimezone(UTC),
            datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC))


def read_year(text: str, *, now: datetime, zone: ZoneInfo, example: str) -> int:
    """``2031`` -> 2031; empty -> the current year; anything else is refused."""
    text = text.strip()
    if not text:
        return now.astimezone(zone).year
    if not _YEAR.match(text) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise UserError(f"'{text}' is not a year.", example)
    return int(text)


def read_years(text: str, *, now: datetime, zone: ZoneInfo, example: str,
               span_example: str) -> range:
    """``2031`` (or nothing: this year) -> that one year; ``2030-2031`` -> the span of years
    from the first to the last, both included; anything else is refused."""
    text = text.strip()
    span = _SPAN.match(text)
    if span is None:
        looks_like_a_span = "-" in text or "–" in text
        year = read_year(text, now=now, zone=zone,
                         example=span_example if looks_like_a_span else example)
        return range(year, year + 1)
    first, last = (int(part) for part in span.groups())
    if not all(_YEAR.match(part) and FIRST_YEAR <= int(part) <= LAST_YEAR
               for part in span.groups()):
        raise UserError(f"'{text}' is not a span of years: write both years in full (from "
                        f"{FIRST_YEAR} to {LAST_YEAR}).", span_example)
    if last < first:
        raise UserError(f"'{text}' runs backwards: give the earlier year first.",
                        f"report {last}-{first}")
    if last == first:
        raise UserError(f"'{text}' is a single year: a span has two or more years.",
                        f"report {first}")
    if last - first + 1 > LONGEST_SPAN:
        raise UserError(f"'{text}' spans {last - first + 1} years; a report covers at most "
                        f"{LONGEST_SPAN}.", span_example)
    return range(first, last + 1)
