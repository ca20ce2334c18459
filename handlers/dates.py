"""Understanding the dates members type, without ever storing a time they did not mean.

A phrase is a day, a time of day and maybe a zone, in any order. Each is read by rules of
our own (``handlers.date_days``, ``handlers.date_clock``, ``handlers.date_zones``), which
understand what names exactly one instant and refuse the rest with an example that does:

* every word must be a date word: "blah 14 March 10:00" is refused, not read as 14 March;
* a day must be named ("10:00", "next week 10:00", "March 2031 10:00" are refused), and a
  time of day written ("tomorrow" alone, or "tomorrow at 9", gets a question, not a guess);
* dates are day first; a month-first date (3/14/2031) is refused with its day-first spelling;
* relative days ("today", "tomorrow", "in 2 weeks", "Friday") are the network's days, even
  when the time of day is given in another zone ("tomorrow 10:00 UTC");
* a weekday must match its date ("Sat 7 Mar 2031" is a Friday);
* impossible dates (31/02), local times that a daylight-saving change skips or repeats, and
  times in the past are refused.

dateparser is not used: every defect it brought was a guess (a missing day filled in from
today, month arithmetic landing on the 1st, a relative day taken in another zone's calendar).
"""

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from handlers.core import UserError
from handlers.date_clock import ClockTime, take_time
from handlers.date_days import (
    FILLERS,
    MONTHS,
    NUMBERS,
    RELATIVE_WORDS,
    WEEKDAYS,
    DayReader,
    clean,
    spell,
)
from handlers.date_zones import EXAMPLE, take_zone
from handlers.timefmt import show_time

__all__ = ["EXAMPLE", "understand_when"]

_ISO_T = re.compile(r"(?i)(?<![\w\-])(\d{4}-\d{1,2}-\d{1,2})t(\d{1,2}:\d{2}(?::\d{2})?)(?:\.0+)?"
                    r"(z|[+-]\d{2}:?\d{2})?(?!\w)")
_DURATION = re.compile(r"in (\d{1,4}|" + "|".join(NUMBERS) + r") (hours?|hrs?|minutes?|mins?)")
_DURATION_WORDS = frozenset({"hour", "hours", "hr", "hrs", "minute", "minutes", "min", "mins"})
VOCABULARY = frozenset(MONTHS) | frozenset(WEEKDAYS) | frozenset(NUMBERS) | FILLERS \
    | RELATIVE_WORDS | _DURATION_WORDS | {"tonight"}
_NUMERIC_TOKEN = re.compile(r"[\d/.\-]+|\d+(?:st|nd|rd|th)", re.IGNORECASE)
_END_OF_DAY = ClockTime(23, 59)


def understand_when(
    phrase: str, *, zone: ZoneInfo, now: datetime, require_time: bool = True,
    example: str = EXAMPLE, command: str | None = None,
) -> datetime:
    """The UTC instant a member meant by ``phrase``, or a UserError saying what to write.

    With ``require_time=False`` (due dates) a date alone means the end of that day. When a
    refusal suggests a date of its own and ``command`` (the member's command, holding
    ``phrase``) is given, the example is that command with the suggested date in its place.
    """
    try:
        return _understand(phrase, zone, now, require_time, example)
    except UserError as refusal:
        if not command or refusal.example in (None, example) or phrase not in command:
            raise
        raise UserError(refusal.problem, command.replace(phrase, refusal.example or "", 1),
                        refusal.about) from None


def _understand(phrase: str, zone: ZoneInfo, now: datetime, require_time: bool,
                example: str) -> datetime:
    text = " ".join(phrase.replace(",", " ").split())
    if not text:
        raise UserError("Please say when.", example)
    text = _ISO_T.sub(lambda m: " ".join(part for part in m.groups() if part), text)
    text, explicit_zone, zone_written = take_zone(text)
    text, written = take_time(text, phrase, example)
    _refuse_unknown_words(text, phrase, example)
    words = _tonight(clean(text), written, phrase)
    if duration := _DURATION.fullmatch(words):
        if written is not None:
            raise UserError(f"'{phrase}' has more than one time of day.", example)
        return _after(duration, now, zone, example)
    clock = f"{written.hour:02d}:{written.minute:02d}" if written else \
        ("10:00" if require_time else "")
    suffix = f"{clock} {zone_written}".strip()
    today = now.astimezone(zone).date()
    day = DayReader(today, phrase, suffix, example).read(words)
    if day is None:
        if written is None:
            raise UserError(f"I could not read '{phrase}' as a date.", example)
        raise UserError(f"'{phrase}' does not say which day; write today {suffix} or "
                        f"tomorrow {suffix}, or the date.", f"tomorrow {suffix}")
    if written is None:
        if require_time and day < today:
            raise UserError(f"{spell(day)} is in the past; please give a future date.", example)
        if require_time:
            raise UserError(f"'{phrase}' has no time of day. Add one, written as HH:MM.",
                            f"{phrase.strip()} 10:00")
        written = _END_OF_DAY
    moment = _localise(day, written, explicit_zone or zone, example)
    if moment <= now:
        raise UserError(f"{show_time(moment, zone)} is in the past; please give a future date.",
                        example)
    return moment


def _refuse_unknown_words(text: str, phrase: str, example: str) -> None:
    """Whole words as written (a Lao word stays one word), not pieces of them."""
    unknown = [word for word in text.split() if word.lower() not in VOCABULARY
               and not _NUMERIC_TOKEN.fullmatch(word)]
    if unknown:
        raise UserError(f"I did not understand '{' '.join(unknown)}' in '{phrase}'.", example)


def _tonight(words: str, written: ClockTime | None, phrase: str) -> str:
    """``tonight 20:00`` is today; before noon, tonight's small hours are another day."""
    if "tonight" not in words.split():
        return words
    if written is None or written.hour < 12:
        clock = f"{written.hour:02d}:{written.minute:02d}" if written else "20:00"
        raise UserError(f"'tonight' in '{phrase}' needs an evening time; for the small hours "
                        "write tomorrow and the time.", f"tomorrow {clock}")
    return " ".join("today" if word == "tonight" else word for word in words.split())


def _after(duration: re.Match[str], now: datetime, zone: ZoneInfo, example: str) -> datetime:
    """``in 2 hours``: from now, to the minute."""
    count, unit = duration.groups()
    amount = NUMBERS[count] if count in NUMBERS else int(count)
    delta = timedelta(hours=amount) if unit.startswith("h") else timedelta(minutes=amount)
    moment = now.astimezone(UTC).replace(second=0, microsecond=0) + delta
    if moment <= now:
        raise UserError(f"{show_time(moment, zone)} is in the past; please give a future date.",
                        example)
    return moment


def _localise(day: date, clock: ClockTime, zone: tzinfo, example: str) -> datetime:
    """The instant of that wall-clock time in ``zone``, refusing a time that a daylight-saving
    change skips or repeats (which of the two 02:30s?)."""
    wall = datetime.combine(day, time(clock.hour, clock.minute))
    try:
        first, second = wall.replace(tzinfo=zone), wall.replace(tzinfo=zone, fold=1)
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
            raise UserError(f"{wall:%H:%M} on {wall.day} {wall:%b %Y} does not exist in "
                            f"{_name(zone)} (the clocks change that night).", example)
        if first.utcoffset() != second.utcoffset():
            offsets = [_offset(moment) for moment in (first, second)]
            raise UserError(
                f"{wall:%H:%M} on {wall.day} {wall:%b %Y} happens twice in {_name(zone)} (the "
                f"clocks go back that night): write {wall:%H:%M} {offsets[0]} for the first, "
                f"{wall:%H:%M} {offsets[1]} for the second.",
                f"{spell(day)} {wall:%H:%M} {offsets[0]}")
        return first.astimezone(UTC)
    except OverflowError:
        raise UserError("That date is too far ahead.", example) from None


def _name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", zone))


def _offset(moment: datetime) -> str:
    minutes = int((moment.utcoffset() or timedelta()).total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
