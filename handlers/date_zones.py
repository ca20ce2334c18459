"""The time zone a date phrase names, if any: an IANA name, UTC/GMT with an offset, a numeric
offset, or one of the few abbreviations that mean one offset the whole year.

Abbreviations that stand for several zones (``CST``: Chicago, Shanghai or Havana) or that
change with the season (``CET``/``CEST`` are often written for Paris time all year) are
refused with the zone's name to write instead.
"""

import re
from datetime import timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from handlers.core import UserError

EXAMPLE = "14 Mar 2031 10:00"

_IANA_ZONE = re.compile(r"(?<![\w/])([A-Za-z]+(?:/[A-Za-z0-9_+\-]+)+)(?![\w/])")
_UTC_ZONE = re.compile(r"(?i)(?<![\w/])(?:utc|gmt|z)(?:\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?)?"
                       r"(?![\w/])")
_OFFSET = re.compile(r"(?<![\d:\w])([+-])(\d{2}):?(\d{2})(?!\w)")
_WIDEST_OFFSET = timedelta(hours=14)  # the world's clocks run from UTC-12:00 to UTC+14:00

# One offset all year, one meaning: ICT is the network's own zone (Indochina Time).
FIXED_ABBREVIATIONS = {"ict": 7, "wib": 7, "sgt": 8, "hkt": 8, "jst": 9, "kst": 9}
# The IANA name to write instead of an abbreviation that is ambiguous or seasonal.
AMBIGUOUS_ABBREVIATIONS = {
    "est": "America/New_York", "edt": "America/New_York", "cst": "America/Chicago",
    "cdt": "America/Chicago", "mst": "America/Denver", "mdt": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "ist": "Asia/Kolkata",
    "bst": "Europe/London", "cet": "Europe/Paris", "cest": "Europe/Paris",
    "eet": "Europe/Athens", "eest": "Europe/Athens", "wet": "Europe/Lisbon",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "ast": "America/Halifax",
}
_ABBREVIATION = re.compile(
    r"(?i)(?<![\w/])(" + "|".join(sorted(FIXED_ABBREVIATIONS) + sorted(AMBIGUOUS_ABBREVIATIONS))
    + r")(?![\w/])")


def take_zone(text: str) -> tuple[str, tzinfo | None, str]:
    """Remove the explicit zone from the phrase; return the rest, the zone (None: the
    network's) and the zone as written (for examples)."""
    found: list[tuple[re.Match[str], tzinfo]] = []
    for match in _IANA_ZONE.finditer(text):
        found.append((match, _named(match.group(1))))
    rest = _blank(text, [m for m, _ in found])
    for match in _UTC_ZONE.finditer(rest):
        sign, hours, minutes = match.groups()
        found.append((match, _fixed(sign or "+", hours or "0", minutes or "0")))
    rest = _blank(rest, [m for m, _ in found])
    for match in _OFFSET.finditer(rest):
        found.append((match, _fixed(*match.groups())))
    rest = _blank(rest, [m for m, _ in found])
    for match in _ABBREVIATION.finditer(rest):
        found.append((match, _abbreviation(match, text)))
    rest = _blank(rest, [m for m, _ in found])
    if len(found) > 1:
        raise UserError(f"'{text}' names more than one time zone.", f"{EXAMPLE} Europe/Zurich")
    if not found:
        return " ".join(rest.split()), None, ""
    match, zone = found[0]
    return " ".join(rest.split()), zone, match.group(0)


def _blank(text: str, matches: list[re.Match[str]]) -> str:
    for match in matches:
        text = text[:match.start()] + " " * (match.end() - match.start()) + text[match.end():]
    return text


@cache
def _zone_names() -> dict[str, str]:
    """Every IANA name by its lower case, so ``asia/vientiane`` is understood too."""
    return {name.lower(): name for name in available_timezones()}


def _named(name: str) -> tzinfo:
    known = _zone_names().get(name.lower())
    if known is None:
        raise UserError(f"I don't know the time zone '{name}'.", f"{EXAMPLE} Europe/Zurich")
    return ZoneInfo(known)


def _abbreviation(match: re.Match[str], text: str) -> tzinfo:
    """A fixed offset, or a refusal whose example is the phrase with the zone's name."""
    word = match.group(1)
    hours = FIXED_ABBREVIATIONS.get(word.lower())
    if hours is not None:
        return timezone(timedelta(hours=hours))
    name = AMBIGUOUS_ABBREVIATIONS[word.lower()]
    raise UserError(f"'{word}' can mean more than one zone, or changes with the season; "
                    f"write the zone's name, e.g. {name}.",
                    text[:match.start()] + name + text[match.end():])


def _fixed(sign: str, hours: str, minutes: str) -> tzinfo:
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    if int(minutes) > 59 or offset > _WIDEST_OFFSET:
        raise UserError(f"UTC{sign}{int(hours):02d}:{int(minutes):02d} is not a time zone; "
                        "offsets go up to 14 hours either side of UTC.", f"{EXAMPLE} +07:00")
    return timezone(-offset if sign == "-" else offset)
