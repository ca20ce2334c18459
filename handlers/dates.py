"""Understanding the dates members type, without ever storing a time they did not mean.

dateparser reads the phrase (English only, day-first, future preferred, relative to "now" in
the network's zone). Around it, checks that dateparser does not make:

* every word must be a date word: "blah 14 March 10:00" is refused, not read as 14 March;
* a time of day must be written: "tomorrow" alone, or "tomorrow at 9" (dateparser drops the
  "at 9" and keeps the current time of day), gets a question, not a guess;
* the time read must be the time written ("25:00" is refused, not ignored);
* a weekday must match its date ("Sat 7 Mar 2031" is a Friday);
* impossible dates (31/02), local times skipped by a daylight-saving change, and times in the
  past are refused.

An explicit zone ("10:00 UTC", "10:00 Europe/Zurich", "10:00 +02:00") is converted.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.core import UserError
from handlers.timefmt import show_time

LANGUAGES = ["en"]
EXAMPLE = "14 Mar 2031 10:00"

_MONTHS = ("january february march april may june july august september october november "
           "december jan feb mar apr jun jul aug sep sept oct nov dec")
_WEEKDAYS = ("monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu "
             "thur thurs fri sat sun")
_RELATIVE = ("today tomorrow tonight next this coming in on at the of day days week weeks month "
             "months year years hour hours minute minutes min mins after from now a an and "
             "noon midnight am pm one two three four five six seven eight nine ten eleven twelve")
VOCABULARY = frozenset(f"{_MONTHS} {_WEEKDAYS} {_RELATIVE}".split())
_WEEKDAY_NUMBER = {name: i % 7 for i, name in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])} | {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
    "sat": 5, "sun": 6}

_IANA_ZONE = re.compile(r"\b([A-Za-z]+(?:/[A-Za-z_+\-]+)+)\b")
_UTC_ZONE = re.compile(r"(?i)\b(?:utc|gmt|z)\b(?:\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?)?")
_OFFSET = re.compile(r"(?<![\d:])([+-])(\d{2}):?(\d{2})\b")
_CLOCK = re.compile(r"(?i)\b(\d{1,2})[:.](\d{2})\s*(am|pm|a\.m\.|p\.m\.)?(?![\d/.])")
_HOUR_MERIDIEM = re.compile(r"(?i)(?<![\d:.])\b(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.)(?!\w)")
_NAMED_TIME = re.compile(r"(?i)\b(noon|midnight)\b")
_BARE_HOUR = re.compile(r"(?i)\bat\s+(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|"
                        r"eleven|twelve)\b(?!\s*[:.]\d|\s*(?:am|pm|a\.m\.|p\.m\.))")
_WORD = re.compile(r"[^\W\d_]+")
_PERIODS_WITHOUT_TIME = {"day", "week", "month", "year"}


@dataclass(frozen=True)
class _ClockTime:
    hour: int
    minute: int


def understand_when(
    phrase: str, *, zone: ZoneInfo, now: datetime, require_time: bool = True,
    example: str = EXAMPLE,
) -> datetime:
    """The UTC instant a member meant by ``phrase``, or a UserError saying what to write.

    With ``require_time=False`` (due dates) a date alone means the end of that day.
    """
    text = " ".join(phrase.replace(",", " ").split())
    if not text:
        raise UserError("Please say when.", example)
    text, explicit_zone = _take_zone(text)
    _refuse_unknown_words(text, phrase, example)
    written = _written_time(text, phrase, example)
    if written is None and require_time:
        raise UserError(f"'{phrase}' has no time of day. Add one, written as HH:MM.",
                        f"{phrase.strip()} 10:00" if phrase.strip() else example)
    local_zone = explicit_zone or zone
    base = now.astimezone(local_zone).replace(tzinfo=None)
    # Imported here, not at the top: dateparser (with its regex tables) is about a tenth of a
    # second that start-up need not pay; the first date a process reads pays it instead.
    from dateparser.date import DateDataParser

    parser = DateDataParser(languages=LANGUAGES, settings={
        "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY", "RELATIVE_BASE": base,
        "RETURN_TIME_AS_PERIOD": True, "PREFER_DAY_OF_MONTH": "first",
    })
    data = parser.get_date_data(_CLOCK.sub(_colon_time, text))
    if data.date_obj is None:
        raise UserError(f"I could not read '{phrase}' as a date: is it a real date, "
                        "written day first?", example)
    parsed = data.date_obj
    if written is None:
        if data.period not in _PERIODS_WITHOUT_TIME:
            raise UserError(f"'{phrase}' has no clear time of day; write it as HH:MM.", example)
        parsed = parsed.replace(hour=23, minute=59, second=0, microsecond=0)
    elif (parsed.hour, parsed.minute) != (written.hour, written.minute):
        raise UserError(f"I could not make sense of the time in '{phrase}'.", example)
    _check_weekday(text, parsed, phrase, example)
    moment = _localise(parsed.replace(second=0, microsecond=0), parsed.tzinfo or local_zone,
                       phrase, example)
    if moment <= now:
        raise UserError(f"{show_time(moment, zone)} is in the past; please give a future date.",
                        example)
    return moment.astimezone(UTC)


def _take_zone(text: str) -> tuple[str, tzinfo | None]:
    """Remove an explicit zone from the phrase and return it."""
    match = _IANA_ZONE.search(text)
    if match:
        try:
            zone: tzinfo = ZoneInfo(match.group(1))
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError(f"I don't know the time zone '{match.group(1)}'.",
                            f"{EXAMPLE} Europe/Zurich") from None
        return _cut(text, match), zone
    match = _UTC_ZONE.search(text)
    if match:
        sign, hours, minutes = match.groups()
        return _cut(text, match), _fixed(sign or "+", hours or "0", minutes or "0")
    match = _OFFSET.search(text)
    if match:
        return _cut(text, match), _fixed(*match.groups())
    return text, None


def _cut(text: str, match: re.Match[str]) -> str:
    return " ".join((text[:match.start()] + " " + text[match.end():]).split())


_WIDEST_OFFSET = timedelta(hours=14)  # the world's clocks run from UTC-12:00 to UTC+14:00


def _fixed(sign: str, hours: str, minutes: str) -> tzinfo:
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    if int(minutes) > 59 or offset > _WIDEST_OFFSET:
        raise UserError(f"UTC{sign}{int(hours):02d}:{int(minutes):02d} is not a time zone; "
                        "offsets go up to 14 hours either side of UTC.", f"{EXAMPLE} +07:00")
    return timezone(-offset if sign == "-" else offset)


def _colon_time(match: re.Match[str]) -> str:
    """``10.30`` -> ``10:30``: dateparser reads only colons in times."""
    return f"{match.group(1)}:{match.group(2)}" + (f" {match.group(3)}" if match.group(3) else "")


def _refuse_unknown_words(text: str, phrase: str, example: str) -> None:
    lowered = re.sub(r"(?i)\b(\d+)(st|nd|rd|th)\b", r"\1", text).replace("a.m.", "am")
    unknown = [w for w in _WORD.findall(lowered.replace("p.m.", "pm"))
               if w.lower() not in VOCABULARY]
    if unknown:
        raise UserError(f"I did not understand '{' '.join(unknown)}' in '{phrase}'.", example)


def _written_time(text: str, phrase: str, example: str) -> _ClockTime | None:
    """The time of day the member wrote, read by us rather than trusted to dateparser."""
    bare = _BARE_HOUR.search(text)
    if bare:
        raise UserError(
            f"Which time did you mean by 'at {bare.group(1)}' in '{phrase}'? "
            "Write it as HH:MM on a 24-hour clock, or with am/pm.",
            "tomorrow 09:00",
        )
    times: list[_ClockTime] = []
    for match in _CLOCK.finditer(text):
        times.append(_clock(int(match.group(1)), int(match.group(2)), match.group(3), phrase,
                            example))
    for match in _HOUR_MERIDIEM.finditer(text):
        times.append(_clock(int(match.group(1)), 0, match.group(2), phrase, example))
    for match in _NAMED_TIME.finditer(text):
        times.append(_ClockTime(12 if match.group(1).lower() == "noon" else 0, 0))
    if len(times) > 1:
        raise UserError(f"'{phrase}' has more than one time of day.", example)
    return times[0] if times else None


def _clock(hour: int, minute: int, meridiem: str | None, phrase: str, example: str) -> _ClockTime:
    if meridiem:
        if not 1 <= hour <= 12:
            raise UserError(f"{hour} {meridiem} is not a time of day.", example)
        hour = hour % 12 + (12 if meridiem.lower().startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise UserError(f"'{phrase}' has a time that does not exist; use 00:00 to 23:59.",
                        example)
    return _ClockTime(hour, minute)


def _check_weekday(text: str, parsed: datetime, phrase: str, example: str) -> None:
    """A weekday written next to an explicit date must be that date's weekday."""
    if not re.search(r"\d{1,2}\s*[/.\-\s]\s*(?:\d|[A-Za-z]{3})", text):
        return
    for word in _WORD.findall(text.lower()):
        day = _WEEKDAY_NUMBER.get(word)
        if day is not None and day != parsed.weekday() and not re.search(
                r"(?i)\b(next|this|coming|in)\b", text):
            raise UserError(f"{parsed.day} {parsed:%b %Y} is a {parsed:%A}, not a "
                            f"{list(_WEEKDAY_NUMBER)[day].capitalize()}.", example)


def _localise(wall: datetime, zone: tzinfo, phrase: str, example: str) -> datetime:
    """Attach the zone, refusing wall-clock times that a daylight-saving change skips."""
    if wall.tzinfo is not None:
        return wall
    local = wall.replace(tzinfo=zone)
    round_trip = local.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != wall:
        raise UserError(f"{wall:%H:%M} on {wall.day} {wall:%b %Y} does not exist in "
                        f"{getattr(zone, 'key', zone)} (the clocks change that night).", example)
    return local

