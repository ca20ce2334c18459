"""The calendar day a date phrase names, once its time of day and zone are taken out.

Relative days (``today``, ``in 2 weeks``, ``Friday``) count from ``today``, the network's day.
What does not name exactly one day is refused with the day(s) spelled out as examples:
a month or a year without a day, ``next week``, month-first numbers (``3/14/2031``),
``next Friday`` when it can be this week's or next week's, a bare weekday that is today,
``in 1 month`` from a 31st.
"""

import calendar
import re
from datetime import date, timedelta

from handlers.core import UserError

MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for name in names}
WEEKDAYS = {name: number for number, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
    ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
    ("sunday", "sun"))) for name in names}
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
FILLERS = frozenset({"at", "on", "the", "of", "by"})
RELATIVE_WORDS = frozenset({
    "today", "tomorrow", "yesterday", "day", "days", "week", "weeks", "month", "months", "year",
    "years", "next", "this", "coming", "in", "after", "before", "from", "now", "ago"})
YEARLESS_HORIZON = 183  # days: a date without a year further ahead than this asks for the year

_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_WEEKDAY = "(" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + ")"
_N = r"(\d{1,4}|" + "|".join(NUMBERS) + ")"
_UNIT = r"(days?|weeks?|months?|years?)"


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text.replace("MONTH", _MONTH).replace("WEEKDAY", _WEEKDAY)
                      .replace("UNIT", _UNIT).replace("N", _N))


_ISO = _pattern(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_NUMERIC = _pattern(r"(\d{1,2})([-/.])(\d{1,2})(?:\2(\d+))?")
_DAY_MONTH = _pattern(r"(?P<day>\d{1,2}) (?P<month>MONTH)(?: (?P<year>\d{4}))?")
_MONTH_DAY = _pattern(r"(?P<month>MONTH) (?P<day>\d{1,2})(?: (?P<year>\d{4}))?")
_NO_DAY = _pattern(r"MONTH(?: \d{4})?|\d{4}(?: MONTH)?|\d{1,2}[-/.]\d{4}|\d{1,2}|(?:this |next "
                   r"|coming )?(?:week|month|year)")
_NAMED_DAY = _pattern(r"today|tomorrow|day after tomorrow|yesterday|day before yesterday")
_IN = _pattern(r"in N UNIT")
_FROM = _pattern(r"N UNIT from (today|tomorrow|now)")
_AGO = _pattern(r"N UNIT ago")
_WEEKDAY_ALONE = _pattern(r"(this coming |coming |this |next )?WEEKDAY")
_WEEKDAY_OF_WEEK = _pattern(r"WEEKDAY (this|next) week|(this|next) week WEEKDAY")
_WITH_WEEKDAY = _pattern(r"WEEKDAY (.+)|(.+) WEEKDAY")


def clean(text: str) -> str:
    """Lower case, ordinals as numbers (``14th`` -> ``14``), no filler words."""
    text = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", text.lower())
    return " ".join(word for word in text.split() if word not in FILLERS)


def spell(day: date) -> str:
    """``Fri 7 Mar 2031``: how a refusal spells a day, which the bot reads back as that day."""
    return f"{day:%a} {day.day} {day:%b %Y}"


class DayReader:
    """Reads the day part of one phrase; ``clock`` is appended to the examples it gives."""

    def __init__(self, today: date, phrase: str, clock: str, example: str) -> None:
        self.today, self.phrase, self.clock, self.example = today, phrase, clock, example

    def refuse(self, problem: str, *days: date) -> UserError:
        if days:
            problem += " Write the date, e.g. " + " or ".join(
                f"'{self.suggest(day)}'" for day in days) + "."
            return UserError(problem, self.suggest(days[0]))
        return UserError(problem, self.example)

    def written(self, cleaned: str) -> str:
        """``cleaned`` words as the member wrote them (their case), when they are there."""
        found = re.search(r"\s+".join(map(re.escape, cleaned.split())), self.phrase, re.I)
        return found.group(0) if found else cleaned

    def suggest(self, day: date) -> str:
        return f"{spell(day)} {self.clock}".strip()

    def read(self, text: str) -> date | None:
        """The day named by ``text`` (cleaned), None when it names none (only a time)."""
        if not text:
            return None
        for pattern, reader in (
            (_ISO, self._iso), (_NUMERIC, self._numeric), (_DAY_MONTH, self._month_named),
            (_MONTH_DAY, self._month_named), (_NAMED_DAY, self._named), (_IN, self._in),
            (_FROM, self._from), (_AGO, self._ago), (_WEEKDAY_ALONE, self._weekday),
            (_WEEKDAY_OF_WEEK, self._weekday_of_week), (_NO_DAY, self._no_day),
        ):
            if match := pattern.fullmatch(text):
                return reader(match)
        if match := _WITH_WEEKDAY.fullmatch(text):
            weekday, rest = (match.group(1), match.group(2)) if match.group(1) \
                else (match.group(4), match.group(3))
            return self._checked_weekday(self.read(rest), WEEKDAYS[weekday])
        raise self.unreadable()

    def unreadable(self) -> UserError:
        return UserError(f"I could not read '{self.phrase}' as a date: is it a real date, "
                         "written day first?", self.example)

    def _checked_weekday(self, day: date | None, weekday: int) -> date | None:
        if day is not None and day.weekday() != weekday:
            name = calendar.day_name[weekday]
            raise UserError(f"{day.day} {day:%b %Y} is a {day:%A}, not a {name}.",
                            self.suggest(day))
        return day

    def _iso(self, match: re.Match[str]) -> date:
        year, _, month, day = match.groups()
        return self._date(int(year), int(month), int(day))

    def _numeric(self, match: re.Match[str]) -> date:
        first, separator, second, year = match.groups()
        if year is not None and len(year) != 4:
            raise self.refuse(f"Write the year in full (four digits) in '{self.phrase}'.")
        day, month = int(first), int(second)
        if month > 12 and 1 <= day <= 12:
            swapped = f"{month:02d}{separator}{day:02d}" + (f"{separator}{year}" if year else "")
            raise UserError(f"'{match.group(0)}' reads month first; dates are written day first "
                            f"here: {swapped}.", self.phrase.replace(match.group(0), swapped)
                            if match.group(0) in self.phrase else swapped)
        return self._date(int(year), month, day) if year else self._yearless(month, day)

    def _month_named(self, match: re.Match[str]) -> date:
        """``14 March [2031]`` or ``March 14 [2031]``: with the month's name, either order."""
        day, month, year = int(match["day"]), MONTHS[match["month"]], match["year"]
        return self._date(int(year), month, day) if year else self._yearless(month, day)

    def _date(self, year: int, month: int, day: int) -> date:
        try:
            return date(year, month, day)
        except ValueError:
            raise self.unreadable() from None

    def _yearless(self, month: int, day: int) -> date:
        """The next such day from today on, if it is near; otherwise ask for the year."""
        for year in range(self.today.year, self.today.year + 5):
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if candidate >= self.today:
                if (candidate - self.today).days > YEARLESS_HORIZON:
                    raise self.refuse(f"'{self.phrase}' has no year and is more than six "
                                      "months ahead.", candidate)
                return candidate
        return self._date(self.today.year, month, day)

    def _named(self, match: re.Match[str]) -> date:
        return self.today + timedelta(days={
            "today": 0, "tomorrow": 1, "day after tomorrow": 2, "yesterday": -1,
            "day before yesterday": -2}[match.group(0)])

    def _in(self, match: re.Match[str]) -> date:
        return self._add(self.today, _number(match.group(1)), match.group(2))

    def _from(self, match: re.Match[str]) -> date:
        base = self.today + timedelta(days=1 if match.group(3) == "tomorrow" else 0)
        return self._add(base, _number(match.group(1)), match.group(2))

    def _ago(self, match: re.Match[str]) -> date:
        return self._add(self.today, -_number(match.group(1)), match.group(2))

    def _add(self, base: date, count: int, unit: str) -> date:
        try:
            if unit.startswith("day"):
                return base + timedelta(days=count)
            if unit.startswith("week"):
                return base + timedelta(weeks=count)
            months = count * (12 if unit.startswith("year") else 1)
            year, month = divmod(base.month - 1 + months, 12)
            last = calendar.monthrange(base.year + year, month + 1)[1]
            if base.day > last:
                end = date(base.year + year, month + 1, last)
                raise self.refuse(f"{base.day} {calendar.month_abbr[month + 1]} "
                                  f"{base.year + year} does not exist, so '{self.phrase}' is "
                                  "not one day.", end, end + timedelta(days=1))
            return base.replace(year=base.year + year, month=month + 1)
        except (OverflowError, ValueError):
            raise UserError(f"'{self.phrase}' is too far ahead.", self.example) from None

    def _weekday(self, match: re.Match[str]) -> date:
        qualifier, name = (match.group(1) or "").strip(), match.group(2)
        weekday = WEEKDAYS[name]
        ahead = (weekday - self.today.weekday()) % 7
        coming = self.today + timedelta(days=ahead or 7)
        if qualifier == "this":
            this_week = self._week_start(0) + timedelta(days=weekday)
            if this_week < self.today:
                raise self.refuse(f"'{self.written(match.group(0))}' was {spell(this_week)}, "
                                  "which is past.",
                                  coming)
            return this_week
        if qualifier == "next":
            if coming != self._week_start(1) + timedelta(days=weekday) or ahead == 1:
                raise self.refuse(f"'{self.written(match.group(0))}' can be {spell(coming)} or "
                                  f"{spell(coming + timedelta(days=7))}.",
                                  coming, coming + timedelta(days=7))
            return coming
        if ahead == 0:
            raise self.refuse(f"Today is a {calendar.day_name[weekday]}: which "
                              f"'{self.written(name)}' did you mean?", coming, self.today)
        return coming

    def _weekday_of_week(self, match: re.Match[str]) -> date:
        name = match.group(1) or match.group(4)
        which = match.group(2) or match.group(3)
        return self._week_start(1 if which == "next" else 0) + timedelta(days=WEEKDAYS[name])

    def _week_start(self, weeks_ahead: int) -> date:
        """Monday of this week (0) or of next week (1): weeks start on Monday."""
        return self.today + timedelta(days=7 * weeks_ahead - self.today.weekday())

    def _no_day(self, match: re.Match[str]) -> date:
        raise UserError(f"'{self.phrase}' does not say which day; write the date, day first.",
                        f"{spell(self.today + timedelta(days=7))} {self.clock}".strip())


def _number(word: str) -> int:
    return NUMBERS[word] if word in NUMBERS else int(word)
