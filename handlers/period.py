"""Calendar years in the network's zone, as UTC bounds for queries."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers.core import UserError

_YEAR = re.compile(r"^\d{4}$")
# Two years joined by a hyphen or an en dash (what a phone or word processor makes of one).
_SPAN = re.compile(r"^(\d+)\s*[-–]\s*(\d+)$")
LAST_YEAR = 2200
FirstYear = Callable[[], int]  # the year the records start, asked when a past year needs it
LONGEST_SPAN = 10  # years: two five-year plans; a longer one is more likely a typing slip


def year_bounds(year: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """1 January 00:00 of ``year`` and of the next year, local time, in UTC."""
    return (datetime(year, 1, 1, tzinfo=zone).astimezone(UTC),
            datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC))


def read_year(text: str, *, now: datetime, zone: ZoneInfo, command: str, first: FirstYear,
              example: str | None = None) -> int:
    """``2031`` -> 2031; empty -> the current year; anything else is refused (with
    ``example``, or the command with this year), and so is a year before ``first()``, the year
    the Network's records start (``handlers.record_years``; asked only for a past year)."""
    text = text.strip()
    this_year = now.astimezone(zone).year
    if not text:
        return this_year
    if not _YEAR.match(text) or int(text) > LAST_YEAR:
        raise UserError(f"'{text}' is not a year.", example or f"{command} {this_year}")
    return _recorded(int(text), command, first, this_year)


def read_years(text: str, *, now: datetime, zone: ZoneInfo, command: str,
               first: FirstYear) -> range:
    """``2031`` (or nothing: this year) -> that one year; ``2030-2031`` -> the span of years
    from the first to the last, both included; anything else is refused."""
    text = text.strip()
    span = _SPAN.match(text)
    this_year = now.astimezone(zone).year
    span_example = f"{command} {this_year - 1}-{this_year}"
    if span is None:
        looks_like_a_span = "-" in text or "–" in text
        year = read_year(text, now=now, zone=zone, command=command, first=first,
                         example=span_example if looks_like_a_span else None)
        return range(year, year + 1)
    first_year, last = (int(part) for part in span.groups())
    if not all(_YEAR.match(part) and int(part) <= LAST_YEAR for part in span.groups()):
        raise UserError(f"'{text}' is not a span of years: write both years in full (up "
                        f"to {LAST_YEAR}).", span_example)
    if last < first_year:
        raise UserError(f"'{text}' runs backwards: give the earlier year first.",
                        f"{command} {last}-{first_year}")
    if last == first_year:
        raise UserError(f"'{text}' is a single year: a span has two or more years.",
                        f"{command} {first_year}")
    if last - first_year + 1 > LONGEST_SPAN:
        raise UserError(f"'{text}' spans {last - first_year + 1} years; a report covers at most "
                        f"{LONGEST_SPAN}.", span_example)
    _recorded(first_year, command, first, this_year)
    return range(first_year, last + 1)


def _recorded(year: int, command: str, first: FirstYear, this_year: int) -> int:
    """``year``, refused if the records start later (``first()``, asked only for a year
    before this one: the records have always started by now)."""
    if year < this_year and year < (start := first()):
        raise UserError(f"There are no records before {start}: the Network's records on this "
                        f"bot start in {start}.", f"{command} {start}")
    return year
