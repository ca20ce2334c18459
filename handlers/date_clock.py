"""The time of day written in a date phrase: ``10:00``, ``10.30``, ``10h30``, ``2pm``,
``2:30 p.m.``, ``noon``; read by us, to the minute, on a 24-hour clock unless am/pm is said.

``at 9`` (morning or evening?) and ``midnight`` (the start or the end of the day?) are refused
with the spelling that says which.
"""

import re
from dataclasses import dataclass

from handlers.core import UserError

_MERIDIEM = r"(am|pm|a\.m\.|p\.m\.)"
_HOURS = r"(?:\s*(?:hrs|hr|hours))?"  # "10:00 hrs", "1000hrs": as UN offices write them
_CLOCK = re.compile(r"(?i)(?<![\w/.:\-])(\d{1,2})([:.h])(\d{2})(?::(\d{2}))?(?:\s*"
                    + _MERIDIEM + r"|" + _HOURS + r")(?![\w/.:\-])")
_FOUR_DIGITS = re.compile(r"(?i)(?<![\w/.:\-])(\d{2})(\d{2})\s*(?:hrs|hr|hours)(?!\w)")
_HOUR_H = re.compile(r"(?i)(?<![\w/.:\-])(\d{1,2})h(?!\w)")
_HOUR_MERIDIEM = re.compile(r"(?i)(?<![\w/.:\-])(\d{1,2})\s*" + _MERIDIEM + r"(?!\w)")
_NOON = re.compile(r"(?i)(?<!\w)(?:12\s+)?(?:noon|midday)(?!\w)")
_MIDNIGHT = re.compile(r"(?i)(?<!\w)midnight(?!\w)")
_BARE_HOUR = re.compile(r"(?i)\bat\s+(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|"
                        r"eleven|twelve)(?!\w)(?!\s*[:.h]\d|\s*" + _MERIDIEM + ")")


@dataclass(frozen=True)
class ClockTime:
    hour: int
    minute: int


def take_time(text: str, phrase: str, example: str) -> tuple[str, ClockTime | None]:
    """Remove the time of day from the phrase and return it (None when none is written)."""
    bare = _BARE_HOUR.search(text)
    if bare:
        raise UserError(
            f"Which time did you mean by 'at {bare.group(1)}' in '{phrase}'? "
            "Write it as HH:MM on a 24-hour clock, or with am/pm.", "tomorrow 09:00")
    if _MIDNIGHT.search(text):
        raise UserError(f"'midnight' in '{phrase}' can be the start or the end of a day; write "
                        "00:00 for the start, 23:59 for the end.",
                        _MIDNIGHT.sub("23:59", phrase.strip()) if _MIDNIGHT.sub(
                            "", phrase).strip() else "today 23:59")
    times: list[ClockTime] = []

    def clock(match: re.Match[str]) -> str:
        hour, _, minute, second, meridiem = match.groups()
        if second is not None and int(second) != 0:
            raise UserError(f"'{phrase}' gives seconds; times are to the minute (HH:MM).",
                            example)
        times.append(_clock(int(hour), int(minute), meridiem, phrase, example))
        return " "

    def four_digits(match: re.Match[str]) -> str:
        times.append(_clock(int(match.group(1)), int(match.group(2)), None, phrase, example))
        return " "

    def hour_only(match: re.Match[str]) -> str:
        meridiem = match.group(2) if match.lastindex == 2 else None
        times.append(_clock(int(match.group(1)), 0, meridiem, phrase, example))
        return " "

    def noon(_: re.Match[str]) -> str:
        times.append(ClockTime(12, 0))
        return " "

    text = _CLOCK.sub(clock, text)
    text = _FOUR_DIGITS.sub(four_digits, text)
    text = _HOUR_MERIDIEM.sub(hour_only, text)
    text = _HOUR_H.sub(hour_only, text)
    text = _NOON.sub(noon, text)
    if len(times) > 1:
        raise UserError(f"'{phrase}' has more than one time of day.", example)
    return " ".join(text.split()), times[0] if times else None


def _clock(hour: int, minute: int, meridiem: str | None, phrase: str, example: str) -> ClockTime:
    if meridiem:
        if not 1 <= hour <= 12:
            raise UserError(f"{hour} {meridiem} is not a time of day.", example)
        hour = hour % 12 + (12 if meridiem.lower().startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise UserError(f"'{phrase}' has a time that does not exist; use 00:00 to 23:59.",
                        example)
    return ClockTime(hour, minute)
