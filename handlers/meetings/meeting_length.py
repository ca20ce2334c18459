"""A meeting's length as written after its start: ``10:00-12:30`` or ``for 90m``.

It is taken out of the date phrase before ``handlers.dates`` reads the start, which then sees
``10:00`` alone. The end is a time of day on the start's day (as on the wall clock), so the
length is the difference of the two times written. A dash with a space before it and none
after (``10:00 -05:00``) is a UTC offset, which ``handlers.dates`` reads, not an end.
"""

import re
from datetime import timedelta

from handlers.core import UserError
from handlers.timefmt import show_duration

_MERIDIEM = r"(?:am|pm|a\.m\.|p\.m\.)"
_CLOCK = rf"(?:\d{{1,2}}[:.]\d{{2}}(?:\s*{_MERIDIEM})?|\d{{1,2}}\s*{_MERIDIEM})"
_RANGE = re.compile(rf"(?i)(?<![\w:.])(?P<start>{_CLOCK})(?:[-–—]\s*|\s+[-–—]\s+|\s+to\s+)"
                    rf"(?P<end>{_CLOCK})(?![\w:.])")
_PARTS = re.compile(r"(?i)^(\d{1,2})(?:[:.](\d{2}))?\s*([ap])?")  # a clock _CLOCK found
_FOR = re.compile(r"(?i)(?:^|\s)for(?:\s+(?P<length>.*)|$)")
_LENGTH_PART = re.compile(r"(?i)(\d+)\s*(h|hrs?|hours?|m|mins?|minutes?)(?![a-z])")


def take_length(phrase: str, *, longest: timedelta,
                example: str) -> tuple[str, timedelta | None]:
    """``(the phrase without its end or length, the length written or None)``."""
    written = _FOR.search(phrase)
    ranged = _RANGE.search(phrase)
    if written and ranged:
        raise UserError("Give either the time the meeting ends (10:00-12:30) or its length "
                        "(for 90m), not both.", example)
    if written:
        length = _read_length(written.group("length") or "", example)
        phrase = phrase[:written.start()]
    elif ranged:
        start, end = _minutes(ranged.group("start"), example), _minutes(ranged.group("end"),
                                                                         example)
        if end <= start:
            raise UserError(f"The meeting would end at {ranged.group('end')}, not after it "
                            f"starts ({ranged.group('start')}). Write the end after the start "
                            "(on the same day), or the length with 'for'.", example)
        length = timedelta(minutes=end - start)
        phrase = phrase[:ranged.start()] + ranged.group("start") + phrase[ranged.end():]
    else:
        return phrase, None
    if length > longest:
        raise UserError(f"{show_duration(length)} is longer than a meeting can be (at most "
                        f"{show_duration(longest)}).", example)
    return phrase, length


def _read_length(text: str, example: str) -> timedelta:
    """``90m``, ``1h30m``, ``1h 30m``, ``2 hours``, ``90 minutes``."""
    compact = text.strip()
    parts = _LENGTH_PART.findall(compact)
    if not parts or _LENGTH_PART.sub("", compact).strip():
        raise UserError(f"I could not read '{compact}' as a meeting's length; write it like "
                        "90m, 2h or 1h30m.", example)
    length = sum((timedelta(hours=int(amount)) if unit.lower().startswith("h")
                  else timedelta(minutes=int(amount)) for amount, unit in parts), timedelta())
    if length <= timedelta(0):
        raise UserError("A meeting's length must be more than zero.", example)
    return length


def _minutes(clock: str, example: str) -> int:
    """Minutes after midnight of ``10:00``, ``9.30``, ``2pm`` or ``2:30 p.m.``."""
    hour_text, minute_text, meridiem = _PARTS.match(clock).groups()  # type: ignore[union-attr]
    hour, minute = int(hour_text), int(minute_text or 0)
    if meridiem:
        hour = hour % 12 + (12 if meridiem.lower() == "p" else 0) if 1 <= hour <= 12 else 99
    if hour > 23 or minute > 59:
        raise UserError(f"'{clock}' is not a time of day; use 00:00 to 23:59.", example)
    return hour * 60 + minute
