"""How times are shown: in the network's zone, with weekday, date, time and the zone's name."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from settings.durations import duration_parts


def show_time(moment: datetime, zone: ZoneInfo) -> str:
    """``Fri 14 Mar 2031, 10:00 (Asia/Vientiane)``."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone.key})"


def show_date(moment: datetime, zone: ZoneInfo) -> str:
    """``14 Mar 2031``."""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y}"


def show_span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """``Fri 14 Mar 2031, 10:00–12:30 (Asia/Vientiane)``; the end's date too when it falls
    on another day: ``Fri 14 Mar 2031, 20:00 – Sat 15 Mar 2031, 02:00 (Asia/Vientiane)``."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.date() == last.date():
        return f"{first:%a} {first.day} {first:%b %Y, %H:%M}–{last:%H:%M} ({zone.key})"
    return f"{first:%a} {first.day} {first:%b %Y, %H:%M} – {last:%a} {last.day} " \
           f"{last:%b %Y, %H:%M} ({zone.key})"


def show_duration(length: timedelta) -> str:
    """``7 days``, ``1 hour``, ``2 hours 30 minutes``, ``4 days 3 hours``, ``6 seconds``: in
    words, to the second."""
    return " ".join(f"{amount} {unit}{'s' if amount != 1 else ''}"
                    for amount, unit in duration_parts(length)) or "0 seconds"
